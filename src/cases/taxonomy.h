// Taxonomy: the medical categories cases count in, and the inclusion rules,
// read from a versioned data file (data/taxonomy-v1.toml).
//
// Thread safety: immutable after Load(); share freely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cases/icd.h"
#include "common/data_file.h"
#include "common/status.h"

namespace medcred {

struct Category {
  std::string name;
  std::string title;
  std::string kind;              // "diagnosis" or "context"
  std::vector<CodeRange> icd10;  // diagnosis categories
  std::string rule;              // context categories: icu_stay, arrived_via_ed, imaging_report_in_window
  std::string description;
  // One readable sentence: what puts a case in this category.
  std::string Definition() const;
};

struct InclusionRules {
  std::vector<std::string> excluded_admission_types;
  int window_hours_before = 24;
  int window_hours_after = 48;
  int min_labs_in_window = 5;
  std::vector<CodeRange> excluded_principal_icd10;
  std::vector<CodeRange> excluded_principal_icd9;
};

class Taxonomy {
 public:
  static Result<Taxonomy> Load(const std::string& file_name = "taxonomy-v1.toml");
  static Result<Taxonomy> Parse(const DataFile& file);

  const std::string& version() const { return version_; }
  const std::string& sha256() const { return sha256_; }
  const std::vector<Category>& categories() const { return categories_; }
  const InclusionRules& inclusion() const { return inclusion_; }
  const Category* Find(std::string_view name) const;

  // Diagnosis categories whose ranges hold the ICD-10-CM code, in file order.
  std::vector<std::string> DiagnosisCategories(std::string_view icd10) const;
  // True when the principal code is an encounter/status or symptom code
  // (inclusion.excluded_principal_icd10 / _icd9) that no category lists in its
  // own ranges. `icd10` holds an ICD-9 code's ICD-10-CM targets (GEMs).
  bool ExcludedPrincipal(std::string_view code, int icd_version, const std::vector<std::string>& icd10 = {}) const;

 private:
  std::string version_;
  std::string sha256_;
  std::vector<Category> categories_;
  InclusionRules inclusion_;
};

}  // namespace medcred

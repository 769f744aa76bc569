// AHRQ's Clinical Classifications Software Refined (CCSR) for ICD-10-CM,
// v2023.1: every ICD-10-CM code's clinical categories ("Pneumonia", "Acute
// myocardial infarction"), with the category HCUP assigns by default to an
// inpatient record whose principal diagnosis is that code.
//
// The file (dxccsr_v2023_1.csv.gz, HCUP's free public tool, in the long
// layout: one row per code and category) is read from the reference folder
// (IcdReference::FindDir), never committed. Grading uses the inpatient default
// category as clinical sameness (docs/methodology.md#grading); the leakage
// audit uses the category names and their codes as terms of a diagnosis.
//
// Thread safety: immutable after Load(); share freely.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace medcred {

struct CcsrCategory {
  std::string id;           // "RSP002"
  std::string description;  // "Pneumonia (except that caused by tuberculosis)"
};

class Ccsr {
 public:
  static constexpr const char* kFileName = "dxccsr_v2023_1.csv.gz";

  // Reads `reference_dir`/dxccsr_v2023_1.csv.gz. Errors name the file and line.
  static Result<Ccsr> Load(const std::string& reference_dir);

  // Codes are written without the dot, upper case ("J189").
  // The inpatient default category of a code, or nullptr when the code is
  // unknown (or, as for a few codes, has no inpatient default).
  const CcsrCategory* DefaultInpatient(std::string_view icd10) const;
  // Every category of a code (1 to 6), the inpatient default first, then in
  // the file's order; empty when the code is unknown.
  std::vector<const CcsrCategory*> Categories(std::string_view icd10) const;
  // The code's FY2023 description, or empty.
  const std::string& Description(std::string_view icd10) const;
  // The codes listing category `id` among their categories, in file order.
  const std::vector<std::string>& CodesIn(std::string_view category_id) const;
  const CcsrCategory* Category(std::string_view id) const;
  const std::unordered_map<std::string, std::string>& AllDescriptions() const { return descriptions_; }

  size_t size() const { return codes_.size(); }  // codes
  size_t category_count() const { return categories_.size(); }
  const std::string& digest() const { return digest_; }  // SHA-256 of the file's bytes

 private:
  struct Code {
    int default_ip = -1;          // index into categories_, or -1
    std::vector<int> categories;  // indexes into categories_
  };
  std::vector<CcsrCategory> categories_;
  std::unordered_map<std::string, int> category_index_;
  std::vector<std::vector<std::string>> codes_in_;  // by category index
  std::unordered_map<std::string, Code> codes_;
  std::unordered_map<std::string, std::string> descriptions_;
  std::string digest_;
};

}  // namespace medcred

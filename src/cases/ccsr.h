// AHRQ's Clinical Classifications Software Refined (CCSR) for ICD-10-CM, v2023.1:
// every code's clinical categories (1 to 6), the inpatient default first, and its
// FY2023 description, read from dxccsr_v2023_1.csv.gz in the reference folder
// (same lookup as IcdReference::FindDir; never committed).
//
// NOTE: a stand-in written on the `grading` branch against the interface the lead
// is landing on main; at merge, main's file replaces this one.
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
  static Result<Ccsr> Load(const std::string& reference_dir);
  const CcsrCategory* DefaultInpatient(std::string_view icd10) const;
  std::vector<const CcsrCategory*> Categories(std::string_view icd10) const;
  const std::string& Description(std::string_view icd10) const;
  const std::vector<std::string>& CodesIn(std::string_view category_id) const;
  const CcsrCategory* Category(std::string_view id) const;
  const std::unordered_map<std::string, std::string>& AllDescriptions() const { return descriptions_; }
  size_t size() const { return descriptions_.size(); }
  const std::string& digest() const { return digest_; }

 private:
  std::unordered_map<std::string, CcsrCategory> categories_;
  std::unordered_map<std::string, std::vector<std::string>> by_code_;  // code -> category ids, default first
  std::unordered_map<std::string, std::vector<std::string>> codes_in_;
  std::unordered_map<std::string, std::string> default_;  // code -> inpatient default category id
  std::unordered_map<std::string, std::string> descriptions_;
  std::string digest_;
};

}  // namespace medcred

// ICD reference data: the ICD-10-CM order file (valid codes and titles) and the
// CMS ICD-9-CM -> ICD-10-CM General Equivalence Mappings.
//
// Both are public-domain CMS files read from a reference folder (never
// committed): --reference DIR, $MEDCRED_REFERENCE_DIR, ../shared/data/reference
// beside the repository or the working directory, or data/reference.
//
// Thread safety: immutable after Load(); share freely.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace medcred {

struct GemTarget {
  std::string icd10;
  bool approximate = false;
  bool combination = false;
  int scenario = 0;
  int choice_list = 0;
};

class IcdReference {
 public:
  static Result<std::string> FindDir(const std::string& explicit_dir);
  static Result<IcdReference> Load(const std::string& dir);

  // Codes are written without the dot, upper case ("I214").
  bool IsIcd10(std::string_view code) const { return titles_.count(std::string(code)) > 0; }
  // The long title of an ICD-10-CM code, or empty.
  const std::string& Title(std::string_view code) const;
  // ICD-10-CM targets of an ICD-9-CM code; empty when the GEM has none or says
  // "no map".
  const std::vector<GemTarget>& Gem(std::string_view icd9) const;

  // SHA-256 over both files' bytes: which reference the results were made with.
  const std::string& digest() const { return digest_; }

 private:
  std::unordered_map<std::string, std::string> titles_;
  std::unordered_map<std::string, std::vector<GemTarget>> gem_;
  std::string digest_;
};

// "i21.4" -> "I214".
std::string NormalizeIcd(std::string_view code);

}  // namespace medcred

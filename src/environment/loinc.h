// The LOINC mapping of MIMIC-IV's lab dictionary: for each d_labitems itemid,
// the LOINC code and long common name that MIT-LCP/mimic-code maps it to
// (mimic-iv/mapping/d_labitems_to_loinc.csv, MIT licence), and the number of
// labevents rows the itemid has in full MIMIC-IV (its labevents_row_count).
//
// The file is a reference file, read at run time from the reference folder
// (`<reference>/mimic-code/d_labitems_to_loinc.csv`, beside the ICD files); it
// is never copied into the repository. medcred works without it: the lab
// catalog then cannot be ordered by LOINC names and groups duplicate itemids by
// label only.
//
// Thread safety: immutable after Load(); share freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/status.h"

namespace medcred {

struct LoincEntry {
  std::string code;                  // "1971-1"; empty when the mapping gives none
  std::string name;                  // LOINC long common name, "Bilirubin.indirect [Mass/volume] in Serum or Plasma"
  std::string label, fluid;          // d_labitems as the mapping saw it
  std::optional<int64_t> row_count;  // labevents rows in full MIMIC-IV (v2.0); absent when blank
  std::string comment;               // the mapping's remark, "Not a lab test", "Duplicate of itemid 51300"
};

class LoincMapping {
 public:
  // `<reference_dir>/mimic-code/d_labitems_to_loinc.csv`.
  static std::string PathIn(const std::string& reference_dir);
  // Reads the mapping; a missing column or a malformed itemid is BadInput naming file:line.
  static Result<LoincMapping> Load(const std::string& path);

  const LoincEntry* Find(int64_t itemid) const;
  const std::unordered_map<int64_t, LoincEntry>& entries() const { return entries_; }
  const std::string& path() const { return path_; }
  const std::string& sha256() const { return sha256_; }

 private:
  std::string path_, sha256_;
  std::unordered_map<int64_t, LoincEntry> entries_;
};

// The d_labitems fluid a LOINC system ("in Serum or Plasma", "in Urine") names:
// "Blood", "Urine", "Cerebrospinal Fluid", ...; "" when the name gives no system
// medcred can place (a generic "Body fluid" or none).
std::string LoincSystemFluid(const std::string& loinc_name);

}  // namespace medcred

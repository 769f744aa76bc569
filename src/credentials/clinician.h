// The comparison with the ED physicians in every report and credential
// (docs/methodology.md#the-ed-physicians-as-a-yardstick): per category, on the
// cases of the credential split the model ran that have an ED diagnosis, the
// ED physicians' accuracy (their first-listed ED diagnosis, graded by the same
// grader), the model's on the same cases, the paired difference with Newcombe's
// interval (credentials/paired.h), the exact McNemar p-value, and a statement:
// "superior" (lower bound above 0), "non-inferior" (lower bound above minus the
// margin of the methodology's [clinician] section), "inferior" (upper bound
// below 0), else "not shown"; "too few cases" below the section's min_cases;
// "no margin" under a methodology without the section (v1); and, as tiers,
// "demo" or "unrecognized" on such datasets. Absolute tiers are unaffected:
// this is a second statement beside them.
//
// The result is aggregates only (counts, rates, intervals): publishable.
//
// Thread safety: the builder is used from one thread; the rest are pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "cases/case_builder.h"
#include "credentials/paired.h"
#include "grading/grader.h"
#include "models/ed_physician.h"
#include "store/datasets.h"

namespace medcred {

// The methodology's [clinician] section.
struct ClinicianMethodology {
  bool present = false;    // false: the methodology has no [clinician] section (v1)
  double margin = 0.10;    // non_inferiority_margin: how far below the ED physicians still counts as non-inferior
  int64_t min_cases = 30;  // min_cases: paired cases a statement needs
  std::string clinicians = "ed-physician";
};

// Reads the [clinician] section of the methodology file `m` was loaded from
// (data/methodology-<version>.toml, its SHA-256 checked against m.sha256).
Result<ClinicianMethodology> LoadClinicianMethodology(const Methodology& m);
// The section of a parsed methodology file; absent is not an error.
Result<ClinicianMethodology> ParseClinicianSection(const toml::table& root, const std::string& where);

class ClinicianComparisonBuilder {
 public:
  ClinicianComparisonBuilder(const Methodology& methodology, ClinicianMethodology section, const Grader& grader,
                             DatasetStatus dataset, bool store_has_ed_diagnoses);
  // One episode of the run (graded) and the ED physicians' answer for its case, if any.
  void Add(const std::vector<std::string>& categories, const std::string& split, const Grade& model_grade,
           const CaseTruth& truth, const std::optional<EdPhysicianAnswer>& ed_answer);
  // summary.json's, credentials.json's and the registry entry's "clinician_comparison".
  nlohmann::json Finish() const;

 private:
  struct Tally {
    int64_t cases = 0, without = 0;
    PairedTable table;
  };
  const Methodology& m_;
  ClinicianMethodology section_;
  const Grader& grader_;
  DatasetStatus dataset_;
  bool available_;
  std::map<std::string, Tally> tallies_;
};

// The statement for a paired comparison under the section (before the dataset's status is applied).
std::string ClinicianStatement(const PairedComparison& c, const ClinicianMethodology& section);

}  // namespace medcred

// Re-grading a run directory on its own (`medcred report`, `merge`,
// `registry add`): the methodology files are loaded as they are now, the
// episodes are graded again and the outputs rebuilt (credentials/report.h);
// with an optional LLM judge asked about every answer.
//
// Thread safety: used from one thread; takes the run directory's lock.
#pragma once

#include <memory>
#include <string>

#include "cases/icd.h"
#include "cases/taxonomy.h"
#include "common/status.h"
#include "credentials/report.h"
#include "grading/grader.h"
#include "models/model.h"

namespace medcred {

// The optional judge (`--judge SPEC`): any model that reads text.
struct JudgeOptions {
  std::string spec;  // empty: no judge
  std::string api_key_env = "MEDCRED_API_KEY";
  bool allow_remote_endpoint = false;
};

// The judge's model; a baseline is refused (it cannot read an answer).
Result<std::unique_ptr<Model>> MakeJudge(const JudgeOptions& options);

struct RegradeOptions {
  std::string reference_dir;  // the CMS ICD reference ("" = found as usual)
  std::string store;          // the store the run was made on ("" = the one run.json names)
  JudgeOptions judge;
};

// Re-grades `run_dir` under the methodology files in use, against the truth
// of the store's cases, and writes its summary.json, credentials.json and
// report.html. The store must hold the run's dataset.
Result<RunOutputs> RegradeRun(const std::string& run_dir, const RegradeOptions& options);

// What the pipeline has loaded already: the methodology and the store's cases.
struct GradingContext {
  const Grader* grader = nullptr;
  const Taxonomy* taxonomy = nullptr;
  const IcdReference* reference = nullptr;
  const KnownDatasets* datasets = nullptr;
  const CaseSet* cases = nullptr;
  std::string store_checksum_digest;
  Store* store = nullptr;  // for the comparison with the ED physicians (null: none), and a light set's truth
  const CaseSource* case_source = nullptr;  // for a light case set: gives each case's whole truth
};
Result<RunOutputs> RegradeRun(const std::string& run_dir, const GradingContext& context, const JudgeOptions& judge);

}  // namespace medcred

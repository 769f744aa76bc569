// Shared by the commands that end a run (`run`, `merge`, `report`): the
// optional judge's options and writing a run directory's outputs.
//
// Thread safety: used from main() only.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "cases/icd.h"
#include "cases/taxonomy.h"
#include "credentials/report.h"
#include "grading/grader.h"

namespace medcred::cli {

struct JudgeOptions {
  std::string spec;  // empty: no judge
  std::string api_key_env = "MEDCRED_API_KEY";
  bool allow_remote_endpoint = false;
};

void AddJudgeOptions(CLI::App* app, JudgeOptions& options);

// Re-grades `run_dir`'s episodes (and asks the judge, if any) and writes
// summary.json, credentials.json and report.html.
Result<RunOutputs> WriteOutputs(const std::string& run_dir, const Grader& grader, const Taxonomy& taxonomy,
                                const IcdReference& reference, const JudgeOptions& judge);

// The same for a run directory on its own (`report`, `merge`, `registry add`):
// loads the taxonomy, the ICD reference (`reference_dir`, or found as usual)
// and the grader first.
Result<RunOutputs> RegradeRun(const std::string& run_dir, const std::string& reference_dir, const JudgeOptions& judge);

}  // namespace medcred::cli

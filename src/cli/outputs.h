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

}  // namespace medcred::cli

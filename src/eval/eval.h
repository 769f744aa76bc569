// The evaluation pipeline: one function from options to a run directory with
// its credentials, shared by `medcred run` and `medcred demo` (the CLI only
// parses options and prints). Dataset -> cases -> model -> episodes ->
// grades -> credentials, as inspect_ai's eval() is to its CLI.
//
//   LoadRunInputs   methodology files, store, cases, environment, grader
//   MakeEvalModel   the model under test, with the protocol's limits; an
//                   external model's replies recorded under RUN_DIR/cache
//                   (or answered from a recorded run with `replay_dir`)
//   Run             the episodes (runner/runner.h)
//   BuildRunOutputs summary.json, credentials.json, report.html
//
// Thread safety: Evaluate() runs one evaluation; the runner inside it uses
// worker threads of its own.
#pragma once

#include <memory>
#include <string>

#include "credentials/regrade.h"
#include "credentials/report.h"
#include "models/model.h"
#include "runner/runner.h"

namespace medcred {

struct EvalOptions {
  RunOptions run;
  ModelSettings
      model;  // the key's variable, the data-use guard, context window and waits; limits come from the protocol
  std::string replay_dir;  // answer from this run directory's recorded replies, without the model
  JudgeOptions judge;
};

struct EvalResult {
  RunResult run;
  RunOutputs outputs;
  std::string dataset_name;
  DatasetStatus dataset_status = DatasetStatus::kUnrecognized;
  std::string notice;  // what the model said before the run (printed to stderr), e.g. nothing to answer with
};

// The model a run evaluates: the protocol's timeout and output-token limit
// applied; an external model (not a baseline) recorded under RUN_DIR/cache.
Result<std::unique_ptr<Model>> MakeEvalModel(const EvalOptions& options, const RunInputs& inputs);

Result<EvalResult> Evaluate(const EvalOptions& options);

}  // namespace medcred

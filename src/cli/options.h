// Options that several subcommands share, registered on their CLI11 apps.
//
// Thread safety: used from main() only.
#pragma once

#include <CLI/CLI.hpp>

#include "credentials/regrade.h"
#include "eval/eval.h"

namespace medcred::cli {

// --judge, --judge-api-key-env, --allow-remote-judge.
void AddJudgeOptions(CLI::App* app, JudgeOptions& options);

// How the model is reached (run, demo): --api-key-env, --tool-mode,
// --context-window, --wait-for-model, --max-call-seconds (docs/models.md).
void AddModelOptions(CLI::App* app, EvalOptions& options);

}  // namespace medcred::cli

// Options that several subcommands share, registered on their CLI11 apps.
//
// Thread safety: used from main() only.
#pragma once

#include <CLI/CLI.hpp>

#include "credentials/regrade.h"

namespace medcred::cli {

// --judge, --judge-api-key-env, --allow-remote-judge.
void AddJudgeOptions(CLI::App* app, JudgeOptions& options);

}  // namespace medcred::cli

// The medcred command line: one function per subcommand, each registering its
// options on a CLI11 app and returning a Status (exit code = its kind).
//
// Thread safety: used from main() only.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "common/status.h"

namespace medcred::cli {

// A registered subcommand: its CLI11 node and the action to run when chosen.
struct Command {
  CLI::App* app;
  std::function<Status()> run;
};

Command AddIngest(CLI::App& root);
Command AddInfo(CLI::App& root);

// Where the open MIMIC-IV demo is (SPEC 2): `explicit_dir` if given, then
// $MEDCRED_DEMO_DIR, ../shared/data/mimic-iv-demo-2.2 beside the repository,
// then data/mimic-iv-demo-2.2.
Result<std::string> FindDemoDir(const std::string& explicit_dir);


}  // namespace medcred::cli

// The medcred command line: one function per subcommand, each registering its
// options on a CLI11 app and returning a Status (exit code = its kind).
//
// Thread safety: used from main() only.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace medcred::cli {

// A registered subcommand: its CLI11 node and the action to run when chosen.
struct Command {
  CLI::App* app;
  std::function<Status()> run;
  // For commands whose success has several answers (`verify`): the exit code
  // to return when run() succeeds; null means 0.
  std::shared_ptr<int> exit_code = nullptr;
};

Command AddIngest(CLI::App& root);
Command AddInfo(CLI::App& root);
Command AddCategories(CLI::App& root);
Command AddCases(CLI::App& root);
Command AddAudit(CLI::App& root);
Command AddResolve(CLI::App& root);
Command AddRun(CLI::App& root);
Command AddMerge(CLI::App& root);
Command AddMatchDx(CLI::App& root);
Command AddReport(CLI::App& root);
Command AddDemo(CLI::App& root);
Command AddHash(CLI::App& root);
Command AddKeygen(CLI::App& root);
Command AddRegistry(CLI::App& root);
Command AddServe(CLI::App& root);
Command AddVerify(CLI::App& root);
Command AddView(CLI::App& root);
Command AddCompare(CLI::App& root);

}  // namespace medcred::cli

// medcred: earns AI models medical credentials on real patient records.
// The command-line entry point; see commands.h and docs/cli.md.
#include <cstdio>
#include <vector>

#include "cli/commands.h"
#include "common/version.h"

int main(int argc, char** argv) {
  CLI::App app{"medcred: credentials for clinical AI models, earned on real MIMIC-IV admissions"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(medcred::kVersion) + " (" + medcred::kGitCommit + ")");
  std::vector<medcred::cli::Command> commands = {
      medcred::cli::AddDemo(app),       medcred::cli::AddIngest(app), medcred::cli::AddInfo(app),
      medcred::cli::AddCategories(app), medcred::cli::AddCases(app),  medcred::cli::AddAudit(app),
      medcred::cli::AddResolve(app),    medcred::cli::AddRun(app),    medcred::cli::AddMerge(app),
      medcred::cli::AddMatchDx(app),    medcred::cli::AddReport(app), medcred::cli::AddHash(app),
      medcred::cli::AddVerify(app),     medcred::cli::AddKeygen(app), medcred::cli::AddRegistry(app),
      medcred::cli::AddServe(app),      medcred::cli::AddView(app),   medcred::cli::AddCompare(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every other parse error is a usage error (1).
    int rc = app.exit(e);
    return rc == 0 ? 0 : 1;
  }
  for (const auto& c : commands) {
    if (c.app->parsed()) {
      medcred::Status st = c.run();
      if (!st.ok()) {
        std::fprintf(stderr, "medcred %s: %s\n", c.app->get_name().c_str(), st.message().c_str());
        return st.exit_code();
      }
      return c.exit_code ? *c.exit_code : 0;
    }
  }
  return 1;
}

// `medcred compare RUN_A RUN_B [--json]`: two runs case by case (docs/cli.md#compare);
// the work is credentials/compare_runs.h. Local output only: it names the cases
// where the runs disagree.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "common/json_util.h"
#include "credentials/compare_runs.h"

namespace medcred::cli {

Command AddCompare(CLI::App& root) {
  struct Opts {
    std::string a, b;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "compare", "Compare two runs on the cases both ran: per category the paired difference, its interval, McNemar");
  app->add_option("run_a", o->a, "Run directory A")->required();
  app->add_option("run_b", o->b, "Run directory B")->required();
  app->add_flag("--json", o->json, "Print the comparison as JSON (holds case ids: local only)");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(RunComparison c, CompareRuns(o->a, o->b));
            if (o->json) {
              std::printf("%s\n", SafeDump(c.ToJson(), 2).c_str());
            } else {
              std::printf("%s", c.Text().c_str());
            }
            return Status::OK();
          }};
}

}  // namespace medcred::cli

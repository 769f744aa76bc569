// `medcred report` (re-grade a run directory and rebuild its outputs) and
// `medcred demo` (the main job: ingest the open demo, run a baseline on every
// category, write the report). docs/cli.md, docs/credentials.md.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "cli/options.h"
#include "common/data_file.h"
#include "common/json_util.h"
#include "eval/eval.h"
#include "ingest/ingest.h"
#include "rundir/run_dir.h"

namespace medcred::cli {
namespace fs = std::filesystem;

void AddJudgeOptions(CLI::App* app, JudgeOptions& o) {
  app->add_option("--judge", o.spec, "Also ask this model (openai: or exec:) to judge each answer on the fixed rubric");
  app->add_option("--judge-api-key-env", o.api_key_env,
                  "Environment variable holding the judge's API key (default MEDCRED_API_KEY)");
  app->add_flag("--allow-remote-judge", o.allow_remote_endpoint,
                "Allow an openai: judge that is not this machine (only where MIMIC's data use agreement allows)");
}

Command AddReport(CLI::App& root) {
  struct Opts {
    std::string run_dir, reference, store;
    JudgeOptions judge;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app =
      root.add_subcommand("report", "Re-grade a run directory's episodes and rebuild summary, credentials and report");
  app->add_option("run_dir", o->run_dir, "Run directory")->required();
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  app->add_flag("--json", o->json, "Print summary.json on stdout");
  app->add_option("--store", o->store, "The store the run was made on (default: the one its run.json names)");
  AddJudgeOptions(app, o->judge);
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(RunOutputs out,
                                     RegradeRun(o->run_dir, RegradeOptions{o->reference, o->store, o->judge}));
            if (o->json) {
              std::printf("%s\n", SafeDump(out.summary.ToJson(), 2).c_str());
            } else {
              std::printf("%s", CredentialTable(out.credentials).c_str());
              std::printf("%s", ClinicianTable(out.summary.clinician_comparison).c_str());
            }
            std::fprintf(stderr, "%d episodes re-graded, %d grades changed; %s/report.html\n",
                         static_cast<int>(out.credentials.episodes), out.regraded, o->run_dir.c_str());
            return Status::OK();
          }};
}

namespace {

// The demo, in the order docs/cli.md#the-demo gives: --source, $MEDCRED_DEMO_DIR, ../shared/data
// beside the repository, data/ of the repository (also tried from the current
// directory).
Result<std::string> FindDemo(const std::string& source) {
  std::error_code ec;
  auto ok = [&](const fs::path& p) { return fs::is_directory(p / "hosp", ec); };
  if (!source.empty()) {
    if (!ok(source)) return Status::Usage("--source " + source + ": no hosp/ folder there");
    return source;
  }
  if (const char* env = std::getenv("MEDCRED_DEMO_DIR"); env != nullptr && *env != '\0') {
    if (!ok(env)) return Status::Usage(std::string("MEDCRED_DEMO_DIR=") + env + ": no hosp/ folder there");
    return std::string(env);
  }
  // The repository: the folder above data/ (the source tree this binary was built from).
  for (const fs::path& root : {fs::path(DataDir()).parent_path(), fs::current_path(ec)}) {
    for (const fs::path& p :
         {root / ".." / "shared" / "data" / "mimic-iv-demo-2.2", root / "data" / "mimic-iv-demo-2.2"}) {
      if (ok(p)) return fs::weakly_canonical(p, ec).string();
    }
  }
  return Status::Usage(
      "the MIMIC-IV demo was not found: pass --source DIR, set MEDCRED_DEMO_DIR, or put the open PhysioNet download in "
      "data/mimic-iv-demo-2.2");
}

}  // namespace

Command AddDemo(CLI::App& root) {
  struct Opts {
    std::string out = "medcred-demo", source, reference;
    EvalOptions eval;
  };
  auto o = std::make_shared<Opts>();
  o->eval.run.model = "baseline:labs-bayes";
  o->eval.run.concurrency = 2;
  CLI::App* app = root.add_subcommand(
      "demo", "One command: ingest the open MIMIC-IV demo, run a baseline on every category, write the report");
  app->add_option("--out", o->out, "Folder for the store and the run (default medcred-demo)");
  app->add_option("--source", o->source, "The demo's folder (default: found as docs/cli.md says)");
  app->add_option("--model", o->eval.run.model, "The model to run (default baseline:labs-bayes)");
  app->add_option("--reference", o->eval.run.reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  app->add_option("--concurrency", o->eval.run.concurrency, "Episodes at once (default 2)")->check(CLI::Range(1, 256));
  AddModelOptions(app, o->eval);
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(std::string demo, FindDemo(o->source));
            std::error_code ec;
            fs::create_directories(o->out, ec);
            if (ec) return Status::External(o->out + ": cannot create: " + ec.message());
            const std::string store = (fs::path(o->out) / "demo.db").string();
            if (!fs::exists(store, ec)) {
              std::fprintf(stderr, "demo: ingesting %s into %s\n", demo.c_str(), store.c_str());
              IngestOptions io;
              io.sources = {demo};
              io.store_path = store;
              MEDCRED_ASSIGN_OR_RETURN(StoreSummary s, Ingest(io));
              std::fprintf(stderr, "demo: %s %s ingested in %.2f s\n", s.dataset_name.c_str(),
                           s.dataset_version.c_str(), s.seconds);
            } else {
              std::fprintf(stderr, "demo: using the store %s (delete it to ingest again)\n", store.c_str());
            }
            EvalOptions eval = o->eval;
            std::string name = eval.run.model;
            for (char& c : name) {
              if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
            }
            const std::string run_dir = (fs::path(o->out) / ("run-" + name)).string();
            const RunDir dir(run_dir);
            if (dir.Inspect() == RunDir::State::kRun) {
              fs::remove_all(run_dir, ec);  // a demo run is rebuilt from scratch; it takes seconds
              if (ec) return Status::External(run_dir + ": cannot remove the previous demo run: " + ec.message());
            }
            eval.run.store = store;
            eval.run.category = "all";
            eval.run.split = "test";
            eval.run.out_dir = run_dir;
            // The same pipeline as `medcred run`: replies recorded, the protocol's limits applied.
            MEDCRED_ASSIGN_OR_RETURN(EvalResult result, Evaluate(eval));
            const Credentials& cr = result.outputs.credentials;
            std::printf("medcred demo: %s on %s (%s, a demo: no tier is ever earned)\n", eval.run.model.c_str(),
                        result.dataset_name.c_str(), eval.run.split.c_str());
            std::printf("%d episodes in %.2f s; outcomes:", result.run.ran, result.run.seconds);
            for (const auto& [k, n] : cr.outcomes) std::printf(" %s %lld", k.c_str(), static_cast<long long>(n));
            std::printf("\n\n%s\n", CredentialTable(cr).c_str());
            std::printf(
                "report:      %s\nsummary:     %s\ncredentials: %s\n"
                "episodes:    %s (transcripts with MIMIC data: keep them on this machine)\n",
                dir.report_path().c_str(), dir.summary_path().c_str(), dir.credentials_path().c_str(),
                dir.episodes_path().c_str());
            return Status::OK();
          }};
}

}  // namespace medcred::cli

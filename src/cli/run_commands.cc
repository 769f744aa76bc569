// `medcred run`: episodes of a model on a store's cases (docs/cli.md, docs/runner.md).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/options.h"
#include "eval/eval.h"

namespace medcred::cli {

void AddModelOptions(CLI::App* app, EvalOptions& o) {
  app->add_option("--api-key-env", o.model.api_key_env,
                  "Environment variable holding the API key (default MEDCRED_API_KEY; never passed to exec: agents)");
  app->add_option("--tool-mode", o.run.tool_mode,
                  "native: send the tools; text: describe them in the prompt and read calls from the text; auto "
                  "(default): native until the server refuses tools")
      ->check(CLI::IsMember({"native", "text", "auto"}));
  app->add_option("--context-window", o.model.context_window,
                  "The server's context window in tokens (default: asked from the server); max_tokens is sized to fit")
      ->check(CLI::Range(256, 1 << 30));
  app->add_option("--wait-for-model", o.model.wait_for_model_seconds,
                  "Seconds to wait for a server answering 503 \"Loading model\" (default 300)")
      ->check(CLI::Range(0, 86400));
  app->add_option("--max-call-seconds", o.model.max_call_seconds,
                  "The most one model call may take, retries included (default 300)")
      ->check(CLI::Range(1, 86400));
}

Command AddRun(CLI::App& root) {
  struct Opts {
    EvalOptions eval;
    std::string case_ids, shard = "1/1";
  };
  auto o = std::make_shared<Opts>();
  RunOptions& r = o->eval.run;
  CLI::App* app = root.add_subcommand("run", "Run a model on the cases of a store, one episode per case");
  app->add_option("--store", r.store, "Store file")->required();
  app->add_option("--model", r.model, "baseline:NAME | openai:MODEL@BASE_URL | exec:COMMAND")->required();
  app->add_option("--category", r.category, "A category or all (default)");
  app->add_option("--split", r.split, "test (default), dev or all")->check(CLI::IsMember({"test", "dev", "all"}));
  app->add_option("--cases", r.cases, "Only N cases, chosen in a seeded order")->check(CLI::NonNegativeNumber);
  app->add_option("--case-ids", o->case_ids, "Only these cases, comma-separated (hadm-...)");
  app->add_option("--out", r.out_dir, "Run directory")->required();
  app->add_option("--concurrency", r.concurrency, "Episodes at once (default 1)")->check(CLI::Range(1, 256));
  app->add_option("--max-turns", r.max_turns, "Model turns per episode (default: the protocol's 20)")
      ->check(CLI::Range(1, 1000));
  app->add_flag("--resume", r.resume, "Finish an interrupted run in --out");
  app->add_option("--seed", r.seed, "Seed of the --cases order, also sent as the sampling seed (default 0)");
  app->add_flag("--exam", r.exam,
                "Run exactly the methodology's standard exam of --category (default: of every category)");
  app->add_option("--epochs", r.epochs, "Run each case K times (epoch e sends the sampling seed SEED+e-1; default 1)")
      ->check(CLI::Range(1, 1000));
  app->add_option("--shard", o->shard, "Run shard K of N (K/N); join shards with medcred merge");
  app->add_option("--reference", r.reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  AddModelOptions(app, o->eval);
  app->add_option("--replay", o->eval.replay_dir,
                  "Answer from the recorded replies of this run directory, without the model");
  app->add_flag("--allow-remote-endpoint", o->eval.model.allow_remote_endpoint,
                "Allow an openai: endpoint that is not this machine (only where MIMIC's data use agreement allows)");
  AddJudgeOptions(app, o->eval.judge);
  return {app, [o]() -> Status {
            EvalOptions eval = o->eval;
            std::stringstream ids(o->case_ids);
            for (std::string id; std::getline(ids, id, ',');) {
              if (!id.empty()) eval.run.case_ids.push_back(id);
            }
            MEDCRED_RETURN_IF_ERROR(ParseShard(o->shard, &eval.run.shard_index, &eval.run.shard_count));
            MEDCRED_ASSIGN_OR_RETURN(EvalResult result, Evaluate(eval));
            if (eval.run.epochs > 1) {
              std::fprintf(stderr,
                           "%d cases x %d epochs, %d episodes run, %d already done; outcomes:", result.run.selected,
                           eval.run.epochs, result.run.ran, result.run.skipped);
            } else {
              std::fprintf(stderr, "%d cases, %d run, %d already done; outcomes:", result.run.selected, result.run.ran,
                           result.run.skipped);
            }
            for (const auto& [k, n] : result.run.outcomes) std::fprintf(stderr, " %s %d", k.c_str(), n);
            std::fprintf(stderr, "; %.2f s; run directory %s\n", result.run.seconds, eval.run.out_dir.c_str());
            std::printf("%s", CredentialTable(result.outputs.credentials).c_str());
            std::printf("%s", ClinicianTable(result.outputs.summary.clinician_comparison).c_str());
            return Status::OK();
          }};
}

Command AddMerge(CLI::App& root) {
  struct Opts {
    std::vector<std::string> dirs;
    std::string out, reference, store;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("merge", "Join the run directories of shards (--shard K/N) into one");
  app->add_option("runs", o->dirs, "Run directories")->required();
  app->add_option("--out", o->out, "The merged run directory")->required();
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  app->add_option("--store", o->store, "The store the runs were made on (default: the one their run.json names)");
  return {app, [o]() -> Status {
            MEDCRED_RETURN_IF_ERROR(Merge(o->dirs, o->out));
            MEDCRED_ASSIGN_OR_RETURN(RunOutputs out, RegradeRun(o->out, RegradeOptions{o->reference, o->store, {}}));
            std::printf("%s", CredentialTable(out.credentials).c_str());
            return Status::OK();
          }};
}

}  // namespace medcred::cli

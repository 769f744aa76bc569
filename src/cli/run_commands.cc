// `medcred run`: episodes of a model on a store's cases (SPEC 2, 10).
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/outputs.h"
#include "models/record_replay.h"
#include "runner/runner.h"

namespace medcred::cli {

Command AddRun(CLI::App& root) {
  struct Opts {
    RunOptions run;
    ModelSettings model;
    std::string case_ids, shard = "1/1", replay;
    JudgeOptions judge;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("run", "Run a model on the cases of a store, one episode per case");
  app->add_option("--store", o->run.store, "Store file")->required();
  app->add_option("--model", o->run.model, "baseline:NAME | openai:MODEL@BASE_URL | exec:COMMAND")->required();
  app->add_option("--category", o->run.category, "A category or all (default)");
  app->add_option("--split", o->run.split, "test (default), dev or all")->check(CLI::IsMember({"test", "dev", "all"}));
  app->add_option("--cases", o->run.cases, "Only N cases, chosen in a seeded order")->check(CLI::NonNegativeNumber);
  app->add_option("--case-ids", o->case_ids, "Only these cases, comma-separated (hadm-...)");
  app->add_option("--out", o->run.out_dir, "Run directory")->required();
  app->add_option("--concurrency", o->run.concurrency, "Episodes at once (default 1)")->check(CLI::Range(1, 256));
  app->add_option("--max-turns", o->run.max_turns, "Model turns per episode (default: the protocol's 20)")
      ->check(CLI::Range(1, 1000));
  app->add_flag("--resume", o->run.resume, "Finish an interrupted run in --out");
  app->add_option("--seed", o->run.seed, "Seed of the --cases order (default 0)");
  app->add_option("--shard", o->shard, "Run shard K of N (K/N); join shards with medcred merge");
  app->add_option("--reference", o->run.reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  app->add_option("--api-key-env", o->model.api_key_env,
                  "Environment variable holding the API key (default MEDCRED_API_KEY)");
  app->add_option("--replay", o->replay, "Answer from the recorded replies of this run directory, without the model");
  app->add_flag("--allow-remote-endpoint", o->model.allow_remote_endpoint,
                "Allow an openai: endpoint that is not this machine (only where MIMIC's data use agreement allows)");
  AddJudgeOptions(app, o->judge);
  return {
      app, [o]() -> Status {
        RunOptions r = o->run;
        std::stringstream ids(o->case_ids);
        for (std::string id; std::getline(ids, id, ',');) {
          if (!id.empty()) r.case_ids.push_back(id);
        }
        MEDCRED_RETURN_IF_ERROR(ParseShard(o->shard, &r.shard_index, &r.shard_count));
        MEDCRED_ASSIGN_OR_RETURN(auto inputs, LoadRunInputs(r));
        ModelSettings ms = o->model;
        ms.timeout_seconds = inputs->protocol.limits().call_timeout_seconds;
        ms.max_output_tokens = inputs->protocol.limits().max_output_tokens;
        std::unique_ptr<Model> model;
        if (!o->replay.empty()) {
          model = std::make_unique<ReplayModel>(r.model, o->replay + "/cache");
        } else {
          MEDCRED_ASSIGN_OR_RETURN(
              model, MakeModel(r.model, TrainingData{&inputs->cases, inputs->store.get(), &*inputs->environment}, ms));
          // External models are recorded: request hash -> reply, under RUN_DIR/cache.
          if (r.model.rfind("baseline:", 0) != 0)
            model = std::make_unique<RecordingModel>(std::move(model), r.out_dir + "/cache");
        }
        MEDCRED_ASSIGN_OR_RETURN(RunResult result, Run(r, *inputs, *model));
        std::fprintf(stderr, "%d cases, %d run, %d already done; outcomes:", result.selected, result.ran,
                     result.skipped);
        for (const auto& [k, n] : result.outcomes) std::fprintf(stderr, " %s %d", k.c_str(), n);
        std::fprintf(stderr, "; %.2f s; run directory %s\n", result.seconds, r.out_dir.c_str());
        MEDCRED_ASSIGN_OR_RETURN(
            RunOutputs out, WriteOutputs(r.out_dir, *inputs->grader, inputs->taxonomy, *inputs->reference, o->judge));
        std::printf("%s", CredentialTable(out.credentials).c_str());
        return Status::OK();
      }};
}

Command AddMerge(CLI::App& root) {
  struct Opts {
    std::vector<std::string> dirs;
    std::string out, reference;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("merge", "Join the run directories of shards (--shard K/N) into one");
  app->add_option("runs", o->dirs, "Run directories")->required();
  app->add_option("--out", o->out, "The merged run directory")->required();
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  return {app, [o]() -> Status {
            MEDCRED_RETURN_IF_ERROR(Merge(o->dirs, o->out));
            MEDCRED_ASSIGN_OR_RETURN(RunOutputs out, RegradeRun(o->out, o->reference, JudgeOptions{}));
            std::printf("%s", CredentialTable(out.credentials).c_str());
            return Status::OK();
          }};
}

}  // namespace medcred::cli

#include "eval/eval.h"

#include <cstdio>

#include "models/record_replay.h"
#include "rundir/run_dir.h"

namespace medcred {

Result<std::unique_ptr<Model>> MakeEvalModel(const EvalOptions& o, const RunInputs& inputs) {
  const RunDir dir(o.run.out_dir);
  if (!o.replay_dir.empty()) {
    return std::unique_ptr<Model>(new ReplayModel(o.run.model, RunDir(o.replay_dir).cache_dir()));
  }
  ModelSettings ms = o.model;
  ms.timeout_seconds = inputs.protocol.limits().call_timeout_seconds;
  ms.max_output_tokens = inputs.protocol.limits().max_output_tokens;
  ms.seed = o.run.seed;
  MEDCRED_ASSIGN_OR_RETURN(std::unique_ptr<Model> model,
                           MakeModel(o.run.model,
                                     TrainingData{&inputs.cases, inputs.store.get(), &*inputs.environment,
                                                  inputs.case_source.get(), &*inputs.reference},
                                     ms));
  // External models are recorded: request hash -> reply, under RUN_DIR/cache.
  if (o.run.model.rfind("baseline:", 0) != 0)
    model = std::make_unique<RecordingModel>(std::move(model), dir.cache_dir());
  return model;
}

Result<EvalResult> Evaluate(const EvalOptions& o) {
  MEDCRED_ASSIGN_OR_RETURN(std::unique_ptr<RunInputs> inputs, LoadRunInputs(o.run));
  MEDCRED_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, MakeEvalModel(o, *inputs));
  EvalResult result;
  result.dataset_name = inputs->dataset.name;
  result.dataset_status = inputs->dataset.status;
  result.notice = model->Notice();
  if (!result.notice.empty()) std::fprintf(stderr, "%s\n", result.notice.c_str());
  MEDCRED_ASSIGN_OR_RETURN(result.run, Run(o.run, *inputs, *model));
  MEDCRED_ASSIGN_OR_RETURN(
      result.outputs,
      RegradeRun(o.run.out_dir,
                 GradingContext{&*inputs->grader, &inputs->taxonomy, &*inputs->reference, &inputs->known_datasets,
                                &inputs->cases, inputs->store_summary.ChecksumDigest(), inputs->store.get(),
                                inputs->case_source.get()},
                 o.judge));
  return result;
}

}  // namespace medcred

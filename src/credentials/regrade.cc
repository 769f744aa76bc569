#include "credentials/regrade.h"

#include "cases/icd.h"
#include "cases/taxonomy.h"
#include "grading/grader.h"
#include "grading/judge.h"

namespace medcred {

Result<std::unique_ptr<Model>> MakeJudge(const JudgeOptions& o) {
  if (o.spec.rfind("baseline:", 0) == 0) {
    return Status::Usage("--judge needs a model that reads text (openai: or exec:), not " + o.spec);
  }
  ModelSettings ms;
  ms.api_key_env = o.api_key_env;
  ms.allow_remote_endpoint = o.allow_remote_endpoint;
  return MakeModel(o.spec, TrainingData{}, ms);
}

Result<RunOutputs> RegradeRun(const std::string& run_dir, const RegradeOptions& o) {
  MEDCRED_ASSIGN_OR_RETURN(Taxonomy taxonomy, Taxonomy::Load());
  MEDCRED_ASSIGN_OR_RETURN(std::string ref_dir, IcdReference::FindDir(o.reference_dir));
  MEDCRED_ASSIGN_OR_RETURN(IcdReference reference, IcdReference::Load(ref_dir));
  MEDCRED_ASSIGN_OR_RETURN(Grader grader, Grader::Load(&reference));
  return RegradeRun(run_dir, grader, taxonomy, reference, o.judge);
}

Result<RunOutputs> RegradeRun(const std::string& run_dir, const Grader& grader, const Taxonomy& taxonomy,
                              const IcdReference& reference, const JudgeOptions& judge_options) {
  std::unique_ptr<Model> judge_model;
  std::optional<Judge> judge;
  if (!judge_options.spec.empty()) {
    MEDCRED_ASSIGN_OR_RETURN(judge_model, MakeJudge(judge_options));
    MEDCRED_ASSIGN_OR_RETURN(Judge j, Judge::Load(judge_model.get(), &reference));
    judge = std::move(j);
  }
  return BuildRunOutputs(run_dir, grader, taxonomy, judge ? &*judge : nullptr);
}

}  // namespace medcred

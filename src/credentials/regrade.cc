#include "credentials/regrade.h"

#include "cases/icd.h"
#include "cases/taxonomy.h"
#include "grading/grader.h"
#include "grading/judge.h"
#include "rundir/run_dir.h"
#include "store/store.h"

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
  const RunDir dir(run_dir);
  MEDCRED_ASSIGN_OR_RETURN(RunManifest run, dir.ReadManifest());
  const std::string store_location = o.store.empty() ? run.store : o.store;
  if (store_location.find("***") != std::string::npos) {
    return Status::Usage(run_dir +
                         " was made on a PostgreSQL store with a password, which run.json does not keep: "
                         "pass --store with the full URI");
  }
  MEDCRED_ASSIGN_OR_RETURN(Taxonomy taxonomy, Taxonomy::Load());
  MEDCRED_ASSIGN_OR_RETURN(PresentationRules rules, PresentationRules::Load());
  MEDCRED_ASSIGN_OR_RETURN(std::string ref_dir, IcdReference::FindDir(o.reference_dir));
  MEDCRED_ASSIGN_OR_RETURN(IcdReference reference, IcdReference::Load(ref_dir));
  // One CCSR for the grader's ccsr level and the cases' leakage audit.
  MEDCRED_ASSIGN_OR_RETURN(Ccsr ccsr_file, Ccsr::Load(ref_dir));
  const auto ccsr = std::make_shared<const Ccsr>(std::move(ccsr_file));
  MEDCRED_ASSIGN_OR_RETURN(Grader grader, Grader::Load(&reference, ccsr));
  MEDCRED_ASSIGN_OR_RETURN(KnownDatasets datasets, KnownDatasets::Load());
  auto store = OpenStore(store_location);
  if (!store.ok()) {
    if (store.status().kind() == Status::Kind::kExternal) return store.status();
    return Status::Usage(
        "re-grading needs the store the run was made on (the truth is read there, never from the "
        "episodes): " +
        store.status().message() + "; pass --store");
  }
  MEDCRED_ASSIGN_OR_RETURN(StoreSummary summary, (*store)->Summary());
  // Light cases: grading needs their truth, categories and presentation hash, not the presentations.
  MEDCRED_ASSIGN_OR_RETURN(std::unique_ptr<CaseSource> source,
                           CaseSource::Open(**store, CaseInputs{&taxonomy, &rules, &reference, ccsr.get()}));
  MEDCRED_ASSIGN_OR_RETURN(CaseSet cases, source->Collect(**store, /*light=*/true));
  return RegradeRun(run_dir,
                    GradingContext{&grader, &taxonomy, &reference, &datasets, &cases, summary.ChecksumDigest(),
                                   store->get(), source.get()},
                    o.judge);
}

Result<RunOutputs> RegradeRun(const std::string& run_dir, const GradingContext& ctx,
                              const JudgeOptions& judge_options) {
  std::unique_ptr<Model> judge_model;
  std::optional<Judge> judge;
  if (!judge_options.spec.empty()) {
    MEDCRED_ASSIGN_OR_RETURN(judge_model, MakeJudge(judge_options));
    MEDCRED_ASSIGN_OR_RETURN(Judge j, Judge::Load(judge_model.get(), ctx.reference));
    judge = std::move(j);
  }
  return BuildRunOutputs(
      run_dir, GradingInputs{ctx.grader, ctx.taxonomy, ctx.datasets, ctx.cases, ctx.store_checksum_digest,
                             judge ? &*judge : nullptr, ctx.store, ctx.reference, ctx.case_source, ctx.store});
}

}  // namespace medcred

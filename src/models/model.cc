#include "models/model.h"

#include "models/baselines.h"
#include "models/exec_model.h"
#include "models/labs_bayes.h"
#include "models/openai_model.h"

namespace medcred {

Result<std::unique_ptr<Model>> MakeModel(const std::string& spec, const TrainingData& data,
                                         const ModelSettings& settings) {
  if (spec == "baseline:null") return std::unique_ptr<Model>(new NullBaseline());
  if (spec == "baseline:prior") return std::unique_ptr<Model>(new PriorBaseline(*data.cases));
  if (spec == "baseline:labs-bayes") {
    if (data.store == nullptr || data.environment == nullptr) return Status::Usage("baseline:labs-bayes needs a store");
    MEDCRED_ASSIGN_OR_RETURN(auto m, LabsBayesBaseline::Train(*data.cases, *data.store, *data.environment));
    return std::unique_ptr<Model>(std::move(m));
  }
  if (spec.rfind("baseline:", 0) == 0) {
    return Status::Usage("unknown baseline '" + spec +
                         "': baseline:null, baseline:prior and baseline:labs-bayes are built in");
  }
  if (spec.rfind("openai:", 0) == 0) {
    OpenAIOptions o;
    MEDCRED_RETURN_IF_ERROR(ParseOpenAISpec(spec, &o));
    o.api_key_env = settings.api_key_env;
    o.allow_remote = settings.allow_remote_endpoint;
    o.timeout_seconds = settings.timeout_seconds;
    o.max_output_tokens = settings.max_output_tokens;
    MEDCRED_ASSIGN_OR_RETURN(auto m, OpenAIModel::Create(std::move(o)));
    return std::unique_ptr<Model>(std::move(m));
  }
  if (spec.rfind("exec:", 0) == 0) {
    if (spec.size() == 5) return Status::Usage("exec: needs a command, e.g. exec:./my-agent");
    return std::unique_ptr<Model>(new ExecModel(spec.substr(5), settings.timeout_seconds));
  }
  return Status::Usage("model spec '" + spec + "' is not baseline:NAME, openai:MODEL@BASE_URL or exec:COMMAND");
}

}  // namespace medcred

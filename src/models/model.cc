#include "models/model.h"

#include "common/json_util.h"
#include "models/baselines.h"
#include "models/exec_model.h"
#include "models/labs_bayes.h"
#include "models/openai_model.h"

namespace medcred {

nlohmann::json ChatMessage::ToJson() const {
  nlohmann::json j = {{"role", role}, {"content", content}};
  if (!tool_calls.empty()) {
    j["tool_calls"] = nlohmann::json::array();
    for (const auto& tc : tool_calls) {
      j["tool_calls"].push_back(
          {{"id", tc.id}, {"type", "function"}, {"function", {{"name", tc.name}, {"arguments", tc.arguments}}}});
    }
  }
  if (role == "tool") j["tool_call_id"] = tool_call_id;
  return j;
}

Result<ChatMessage> ChatMessage::FromJson(const nlohmann::json& j) {
  JsonFields f(j, "message");
  ChatMessage m;
  m.role = f.Str("role");
  m.content = f.StrOr("content", "");
  m.tool_call_id = f.StrOr("tool_call_id", "");
  for (const auto& tc : f.ArrOr("tool_calls")) {
    JsonFields c(tc, "tool call");
    JsonFields fn(c.Obj("function"), "tool call function");
    m.tool_calls.push_back({c.StrOr("id", ""), fn.StrOr("name", ""), fn.StrOr("arguments", "")});
    MEDCRED_RETURN_IF_ERROR(c.status());
    MEDCRED_RETURN_IF_ERROR(fn.status());
  }
  MEDCRED_RETURN_IF_ERROR(f.status());
  return m;
}

nlohmann::json ConversationJson(const Conversation& messages) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : messages) j.push_back(m.ToJson());
  return j;
}

Result<Conversation> ConversationFromJson(const nlohmann::json& j) {
  if (!j.is_array()) return Status::BadInput("messages is not a list");
  Conversation out;
  for (const auto& m : j) {
    MEDCRED_ASSIGN_OR_RETURN(ChatMessage msg, ChatMessage::FromJson(m));
    out.push_back(std::move(msg));
  }
  return out;
}

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

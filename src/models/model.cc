#include "models/model.h"

#include "common/json_util.h"
#include "models/baselines.h"
#include "models/ed_physician.h"
#include "models/exec_model.h"
#include "models/labs_bayes.h"
#include "models/openai_model.h"

namespace medcred {

namespace {

const char* RefusalName(Refusal r) {
  switch (r) {
    case Refusal::kToolsUnsupported:
      return "tools_unsupported";
    case Refusal::kContextFull:
      return "context_full";
    case Refusal::kNone:
      break;
  }
  return "";
}

nlohmann::json CallsJson(const std::vector<ModelToolCall>& calls) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : calls) out.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
  return out;
}

Status ReadCalls(const nlohmann::json& list, const std::string& where, std::vector<ModelToolCall>* out) {
  for (const auto& tc : list) {
    JsonFields c(tc, where + ": a tool call");
    out->push_back({c.StrOr("id", ""), c.StrOr("name", ""), c.StrOr("arguments", "")});
    MEDCRED_RETURN_IF_ERROR(c.status());
  }
  return Status::OK();
}

}  // namespace

nlohmann::json ModelReply::ToJson() const {
  nlohmann::json j = {{"content", content}, {"tool_calls", CallsJson(tool_calls)}};
  if (!reasoning.empty()) j["reasoning"] = reasoning;
  if (!finish_reason.empty()) j["finish_reason"] = finish_reason;
  if (usage) j["usage"] = {{"prompt_tokens", usage->prompt_tokens}, {"completion_tokens", usage->completion_tokens}};
  if (!format.empty()) j["format"] = format;
  if (history_content) j["history_content"] = *history_content;
  if (truncated) j["truncated"] = true;
  if (refusal != Refusal::kNone) {
    j["refusal"] = RefusalName(refusal);
    j["refusal_message"] = refusal_message;
  }
  return j;
}

Result<ModelReply> ModelReply::FromJson(const nlohmann::json& j, const std::string& where) {
  JsonFields f(j, where);
  ModelReply r;
  r.content = f.StrOr("content", "");
  MEDCRED_RETURN_IF_ERROR(ReadCalls(f.ArrOr("tool_calls"), where, &r.tool_calls));
  r.reasoning = f.StrOr("reasoning", "");
  r.finish_reason = f.StrOr("finish_reason", "");
  if (f.Has("usage")) {
    JsonFields u(f.Obj("usage"), where + ": usage");
    r.usage = TokenUsage{u.IntOr("prompt_tokens", 0), u.IntOr("completion_tokens", 0)};
    MEDCRED_RETURN_IF_ERROR(u.status());
  }
  r.format = f.StrOr("format", "");
  r.history_content = f.OptStr("history_content");
  r.truncated = f.BoolOr("truncated", false);
  const std::string refusal = f.StrOr("refusal", "");
  if (refusal == RefusalName(Refusal::kToolsUnsupported)) r.refusal = Refusal::kToolsUnsupported;
  if (refusal == RefusalName(Refusal::kContextFull)) r.refusal = Refusal::kContextFull;
  if (!refusal.empty() && r.refusal == Refusal::kNone)
    f.Fail("field `refusal` is not tools_unsupported or context_full");
  r.refusal_message = f.StrOr("refusal_message", "");
  MEDCRED_RETURN_IF_ERROR(f.status());
  return r;
}

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

nlohmann::json ChatMessage::ToRecordJson() const {
  nlohmann::json j = ToJson();
  if (reply) {
    nlohmann::json r = reply->ToJson();
    // What was sent back is beside it: the reply keeps only what differs.
    if (reply->content == content) r.erase("content");
    if (reply->tool_calls == tool_calls) r.erase("tool_calls");
    j["reply"] = std::move(r);
  }
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
  if (f.Has("reply")) {
    const nlohmann::json& r = f.Obj("reply");
    MEDCRED_ASSIGN_OR_RETURN(ModelReply reply, ModelReply::FromJson(r, "message reply"));
    if (!r.contains("content")) reply.content = m.content;
    if (!r.contains("tool_calls")) reply.tool_calls = m.tool_calls;
    m.reply = std::move(reply);
  }
  MEDCRED_RETURN_IF_ERROR(f.status());
  return m;
}

nlohmann::json ConversationJson(const Conversation& messages) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : messages) j.push_back(m.ToJson());
  return j;
}

nlohmann::json ConversationRecordJson(const Conversation& messages) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : messages) j.push_back(m.ToRecordJson());
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
    MEDCRED_ASSIGN_OR_RETURN(auto m,
                             LabsBayesBaseline::Train(*data.cases, *data.store, *data.environment, data.source));
    return std::unique_ptr<Model>(std::move(m));
  }
  if (spec == "baseline:ed-physician") {
    if (data.store == nullptr) return Status::Usage("baseline:ed-physician needs a store");
    MEDCRED_ASSIGN_OR_RETURN(auto m, EdPhysicianBaseline::Create(*data.cases, *data.store, data.reference));
    return std::unique_ptr<Model>(std::move(m));
  }
  if (spec.rfind("baseline:", 0) == 0) {
    return Status::Usage(
        "unknown baseline '" + spec +
        "': baseline:null, baseline:prior, baseline:labs-bayes and baseline:ed-physician are built in");
  }
  if (spec.rfind("openai:", 0) == 0) {
    OpenAIOptions o;
    MEDCRED_RETURN_IF_ERROR(ParseOpenAISpec(spec, &o));
    o.api_key_env = settings.api_key_env;
    o.allow_remote = settings.allow_remote_endpoint;
    o.timeout_seconds = settings.timeout_seconds;
    o.max_output_tokens = settings.max_output_tokens;
    o.context_window = settings.context_window;
    o.max_call_seconds = settings.max_call_seconds;
    o.wait_for_model_seconds = settings.wait_for_model_seconds;
    o.seed = settings.seed;
    MEDCRED_ASSIGN_OR_RETURN(auto m, OpenAIModel::Create(std::move(o)));
    return std::unique_ptr<Model>(std::move(m));
  }
  if (spec.rfind("exec:", 0) == 0) {
    if (spec.size() == 5) return Status::Usage("exec: needs a command, e.g. exec:./my-agent");
    // The agent never sees the key (docs/models.md#exec-agents).
    return std::unique_ptr<Model>(new ExecModel(spec.substr(5), settings.timeout_seconds, {settings.api_key_env}));
  }
  return Status::Usage("model spec '" + spec + "' is not baseline:NAME, openai:MODEL@BASE_URL or exec:COMMAND");
}

}  // namespace medcred

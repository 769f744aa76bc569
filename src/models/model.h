// Model: anything that, given the conversation so far, returns its next reply.
//
// The conversation is OpenAI chat messages (system, user, assistant with
// tool_calls, tool), the tools are protocol v1's schemas. Adapters: built-in
// baselines (baselines.h), `openai:` (openai_model.h) and `exec:` (exec_model.h). A model sees what the environment
// shows and nothing else; the EpisodeContext it is also handed carries the case's categories, which only the `prior`
// baseline reads (by its definition, docs/models.md#baselines).
//
// Thread safety: Complete() is called concurrently from several runner
// threads, each for its own episode; implementations must allow that.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace medcred {

struct Case;
struct CaseSet;
class Environment;
class Store;

struct ModelToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as the model wrote it
};

struct ModelReply {
  std::string content;
  std::vector<ModelToolCall> tool_calls;
};

// One message of the conversation, in OpenAI's chat format: a system or user
// message (content), the assistant's reply (content and tool calls), or a
// tool's answer (content for tool_call_id).
struct ChatMessage {
  std::string role;  // system, user, assistant, tool
  std::string content;
  std::vector<ModelToolCall> tool_calls;  // assistant
  std::string tool_call_id;               // tool

  static ChatMessage System(std::string content) { return {"system", std::move(content), {}, {}}; }
  static ChatMessage User(std::string content) { return {"user", std::move(content), {}, {}}; }
  static ChatMessage Assistant(const ModelReply& reply) { return {"assistant", reply.content, reply.tool_calls, {}}; }
  static ChatMessage Tool(std::string id, std::string content) {
    return {"tool", std::move(content), {}, std::move(id)};
  }

  // {"role", "content"[, "tool_calls": [{"id", "type": "function", "function": {"name", "arguments"}}]]
  // [, "tool_call_id"]}: what the chat-completions API takes.
  nlohmann::json ToJson() const;
  static Result<ChatMessage> FromJson(const nlohmann::json& j);
};

using Conversation = std::vector<ChatMessage>;
nlohmann::json ConversationJson(const Conversation& messages);
Result<Conversation> ConversationFromJson(const nlohmann::json& j);

struct EpisodeContext {
  const Case* case_ = nullptr;
  int turn = 0;  // 1 for the first reply
};

class Model {
 public:
  virtual ~Model() = default;
  // The model spec it was made from ("baseline:null").
  virtual std::string spec() const = 0;
  // External failures (endpoint down, agent crashed) are Status::External.
  virtual Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                                      const EpisodeContext& context) = 0;
};

// How adapters reach their model (the protocol gives the limits).
struct ModelSettings {
  std::string api_key_env = "MEDCRED_API_KEY";  // the variable holding the key; the key itself is never stored
  bool allow_remote_endpoint = false;
  int timeout_seconds = 120;
  int max_output_tokens = 4000;
};

// What baselines learn from: the case set, and for labs-bayes the store and
// environment its features come from.
struct TrainingData {
  const CaseSet* cases = nullptr;
  Store* store = nullptr;
  const Environment* environment = nullptr;
};

// Makes a model from its spec. Baselines that learn from data (`prior`,
// `labs-bayes`) are trained with patient-level cross-fitting. A remote
// `openai:` endpoint is refused here, before any connection, unless allowed.
Result<std::unique_ptr<Model>> MakeModel(const std::string& spec, const TrainingData& data,
                                         const ModelSettings& settings = {});

}  // namespace medcred

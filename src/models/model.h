// Model: anything that, given the conversation so far, returns its next reply.
//
// The conversation is OpenAI chat messages (system, user, assistant with
// tool_calls, tool), the tools are the protocol's schemas. An empty list of
// tools is text mode: the system prompt describes the tools, results come as
// user messages, and the model writes its calls as text (reply_formats.h). Adapters: built-in
// baselines (baselines.h), `openai:` (openai_model.h) and `exec:` (exec_model.h). A model sees what the environment
// shows and nothing else; the EpisodeContext it is also handed carries the case's categories, which only the `prior`
// baseline reads (by its definition, docs/models.md#baselines).
//
// Thread safety: Complete() is called concurrently from several runner
// threads, each for its own episode; implementations must allow that.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace medcred {

struct Case;
struct CaseSet;
class CaseSource;
class IcdReference;
class Environment;
class Store;

struct ModelToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // JSON text, as the model wrote it
  bool operator==(const ModelToolCall&) const = default;
};

// Tokens of one call, as the server counted them (`usage`).
struct TokenUsage {
  int64_t prompt_tokens = 0, completion_tokens = 0;
  bool operator==(const TokenUsage&) const = default;
};

// An answer of the endpoint that is not a reply but not its failure either:
// the runner acts on it (docs/models.md#when-the-server-refuses).
enum class Refusal {
  kNone,
  kToolsUnsupported,  // the server cannot take `tools`: the episode runs again in text mode
  kContextFull,       // the conversation no longer fits the context window: the episode ends as `limit`
};

// A model's reply as it came, and how medcred read it.
struct ModelReply {
  ModelReply() = default;
  ModelReply(std::string content_, std::vector<ModelToolCall> tool_calls_)
      : content(std::move(content_)), tool_calls(std::move(tool_calls_)) {}

  std::string content;                    // the text, as the model sent it
  std::vector<ModelToolCall> tool_calls;  // native calls, or calls read from the text (reply_formats.h)
  std::string reasoning;                  // reasoning_content / reasoning / <think> blocks, kept apart
  std::string finish_reason;              // as the server said it; "" when it said nothing
  std::optional<TokenUsage> usage;
  std::string format;  // where the calls were read: "native", a reply format's name, or "" (none)
  // What to send back as the assistant's content when it is not `content`
  // (reasoning, and calls read from the text, taken out).
  std::optional<std::string> history_content;
  bool truncated = false;  // cut off at max_tokens inside a call: nothing of that call is executed
  Refusal refusal = Refusal::kNone;
  std::string refusal_message;  // the server's words, or medcred's when it did not send the request

  // The form kept in the cache and in episode records (every field; empty ones left out).
  nlohmann::json ToJson() const;
  static Result<ModelReply> FromJson(const nlohmann::json& j, const std::string& where);
};

// One message of the conversation, in OpenAI's chat format: a system or user
// message (content), the assistant's reply (content and tool calls), or a
// tool's answer (content for tool_call_id). An assistant message holds what
// medcred sent back (valid JSON arguments, ids every server accepts:
// history.h) and, in `reply`, what the model sent.
struct ChatMessage {
  std::string role;  // system, user, assistant, tool
  std::string content;
  std::vector<ModelToolCall> tool_calls;  // assistant
  std::string tool_call_id;               // tool
  std::optional<ModelReply> reply;        // assistant: the model's reply as it came (records only, never sent)

  static ChatMessage System(std::string content) { return Make("system", std::move(content)); }
  static ChatMessage User(std::string content) { return Make("user", std::move(content)); }
  // The reply as it is (no normalization; see history.h for what the runner sends back).
  static ChatMessage Assistant(const ModelReply& reply) {
    ChatMessage m = Make("assistant", reply.content);
    m.tool_calls = reply.tool_calls;
    return m;
  }
  static ChatMessage Tool(std::string id, std::string content) {
    ChatMessage m = Make("tool", std::move(content));
    m.tool_call_id = std::move(id);
    return m;
  }

  // {"role", "content"[, "tool_calls": [{"id", "type": "function", "function": {"name", "arguments"}}]]
  // [, "tool_call_id"]}: what the chat-completions API takes.
  nlohmann::json ToJson() const;
  // ToJson() and "reply" (what the model sent): the transcript of an episode record.
  nlohmann::json ToRecordJson() const;
  static Result<ChatMessage> FromJson(const nlohmann::json& j);

 private:
  static ChatMessage Make(std::string role, std::string content) {
    ChatMessage m;
    m.role = std::move(role);
    m.content = std::move(content);
    return m;
  }
};

using Conversation = std::vector<ChatMessage>;
// The messages as sent to a model.
nlohmann::json ConversationJson(const Conversation& messages);
// The messages as recorded (with what each reply was as it came).
nlohmann::json ConversationRecordJson(const Conversation& messages);
Result<Conversation> ConversationFromJson(const nlohmann::json& j);

struct EpisodeContext {
  const Case* case_ = nullptr;
  int turn = 0;   // 1 for the first reply
  int epoch = 1;  // --epochs K: which run of the case, 1..K (issue 18)
  // The sampling seed of this epoch (the run's seed + epoch - 1) in runs with
  // epochs; unset otherwise, when an adapter sends its own seed.
  std::optional<uint64_t> seed;
};

class Model {
 public:
  virtual ~Model() = default;
  // The model spec it was made from ("baseline:null").
  virtual std::string spec() const = 0;
  // External failures (endpoint down after retries, agent crashed) are
  // Status::External: the run stops and `--resume` runs the case again.
  // Garbage the model sent (an agent's line that is not JSON) is BadInput: a
  // scored `error`. A refusal the runner acts on comes as a reply with
  // `refusal` set.
  virtual Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                                      const EpisodeContext& context) = 0;
  // The adapter's settings as run.json records them (context window and where
  // it came from, sampling, proxy; never a key). Valid after the run.
  virtual nlohmann::json Describe() const { return nlohmann::json::object(); }
  // True when the adapter sends a sampling seed to its server (openai:): an
  // episode then records the seed of its epoch.
  virtual bool TakesSeed() const { return false; }
  // True when the episode's cost is that of the tests the record shows performed in the window,
  // not of the model's orders (baseline:ed-physician: the clinicians' cost).
  virtual bool charges_performed_tests() const { return false; }
  // What the user should be told before the run ("" for nothing), e.g. that a baseline has nothing to answer with.
  virtual std::string Notice() const { return ""; }
};

// How adapters reach their model (the protocol gives the limits).
struct ModelSettings {
  std::string api_key_env = "MEDCRED_API_KEY";  // the variable holding the key; the key itself is never stored
  bool allow_remote_endpoint = false;
  int timeout_seconds = 120;  // one attempt
  int max_output_tokens = 4000;
  int context_window = 0;            // tokens; 0 = ask the server (openai:)
  int max_call_seconds = 300;        // one call, retries included (a model still loading waits on top)
  int wait_for_model_seconds = 300;  // how long a server answering 503 "Loading model" is waited for
  uint64_t seed = 0;                 // sent as the sampling seed
};

// What baselines learn from: the case set, and for labs-bayes the store and
// environment its features come from.
struct TrainingData {
  const CaseSet* cases = nullptr;
  Store* store = nullptr;
  const Environment* environment = nullptr;
  const CaseSource* source = nullptr;       // gives a light case set's cases whole (cases/case_builder.h)
  const IcdReference* reference = nullptr;  // ed-physician: ICD-9 ED diagnoses through the GEMs
};

// Makes a model from its spec. Baselines that learn from data (`prior`,
// `labs-bayes`) are trained with patient-level cross-fitting. A remote
// `openai:` endpoint is refused here, before any connection, unless allowed.
Result<std::unique_ptr<Model>> MakeModel(const std::string& spec, const TrainingData& data,
                                         const ModelSettings& settings = {});

}  // namespace medcred

// The `openai:MODEL@BASE_URL` adapter: POST {BASE_URL}/chat/completions with
// protocol v1's tools, as llama.cpp's server, vLLM, Ollama and LM Studio accept.
//
// - Data-use guard: only loopback hosts (localhost, 127.0.0.0/8, ::1) unless
//   allow_remote; checked by Create(), before any connection.
// - The API key is read from an environment variable and sent as a bearer
//   token; it is never logged, stored or put in an error message.
// - Retries with exponential backoff and jitter on connection errors,
//   timeouts, 429 (honouring Retry-After), 5xx and unparseable bodies.
// - A reply without native tool calls whose text holds a JSON action
//   ({"tool": NAME, "arguments": {...}} or {"name": ..., "arguments": ...}) is
//   read as that tool call: the fallback for models without tool calling.
//
// Thread safety: Complete() may be called from many threads; each call takes
// a libcurl handle from a pool, so connections are reused.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/model.h"

namespace medcred {

struct OpenAIOptions {
  std::string model;     // sent as "model"
  std::string base_url;  // e.g. http://127.0.0.1:8080/v1
  std::string api_key_env = "MEDCRED_API_KEY";
  bool allow_remote = false;
  int timeout_seconds = 120;  // per call
  int max_output_tokens = 4000;
  int max_retries = 4;  // attempts after the first
  double backoff_seconds = 0.5;
  double max_backoff_seconds = 30;
};

// Parses "openai:MODEL@BASE_URL" into options.model and options.base_url.
Status ParseOpenAISpec(const std::string& spec, OpenAIOptions* options);

// True for localhost, 127.0.0.0/8 and ::1.
bool IsLoopbackHost(const std::string& host);

// The assistant message of a chat-completions response body as a ModelReply
// (native tool calls, or the JSON-action fallback); BadInput if malformed.
Result<ModelReply> ParseChatCompletion(const std::string& body);

class OpenAIModel : public Model {
 public:
  static Result<std::unique_ptr<OpenAIModel>> Create(OpenAIOptions options);
  ~OpenAIModel() override;
  std::string spec() const override { return "openai:" + options_.model + "@" + options_.base_url; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;

 private:
  explicit OpenAIModel(OpenAIOptions options) : options_(std::move(options)) {}
  void* Acquire();
  void Release(void* handle);

  OpenAIOptions options_;
  std::string key_;  // in memory only
  std::mutex mu_;
  std::vector<void*> pool_;  // idle CURL handles
};

}  // namespace medcred

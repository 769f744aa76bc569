// The `openai:MODEL@BASE_URL` adapter: POST {BASE_URL}/chat/completions, as
// llama.cpp's server, vLLM, Ollama, LM Studio, SGLang and TGI accept
// (docs/models.md, which gives each server's command line).
//
// - Data-use guard: only loopback hosts (localhost, 127.0.0.0/8, ::1) unless
//   allow_remote; checked by Create(), before any connection. Loopback
//   requests never go through a proxy (http_proxy, ALL_PROXY are ignored for
//   them); a remote endpoint may, and Describe() says which variable applied.
// - The API key is read from an environment variable and sent as a bearer
//   token; it is never logged, stored or put in an error message.
// - Native mode sends the protocol's `tools` with tool_choice "auto"; text
//   mode (an empty tool list) sends none. Either way a reply without native
//   tool calls is read for calls written as text (reply_formats.h).
// - max_tokens is sized to fit the context window (given, or read from the
//   server: llama.cpp /props, vLLM and SGLang /v1/models, LM Studio
//   /api/v0/models, TGI /info, Ollama /api/ps and /api/show); the prompt is
//   estimated from the last reply's usage plus 1 token per 3 bytes since. A
//   conversation that does not fit, or that the server says does not fit, is
//   a kContextFull refusal; so is a server whose prompt did not grow by what
//   was added (at least a token per 8 bytes): it dropped messages to fit, as
//   Ollama does without a word.
// - A server that refuses tools is a kToolsUnsupported refusal (endpoint_errors.h).
// - Retries with exponential backoff and jitter on connection errors,
//   timeouts, 429 (Retry-After honoured up to 60 s), 5xx (not when the same
//   body comes back twice: that is deterministic) and unparseable bodies, all
//   within max_call_seconds per call. A 503 "Loading model" is waited for up
//   to wait_for_model_seconds, with a message on stderr. A reply larger than
//   8 MiB is refused.
//
// Thread safety: Complete() may be called from many threads; each call takes
// a libcurl handle from a pool, so connections are reused. The server is
// probed once, by the first call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "models/model.h"

namespace medcred {

struct OpenAIOptions {
  std::string model;     // sent as "model"
  std::string base_url;  // e.g. http://127.0.0.1:8080/v1
  std::string api_key_env = "MEDCRED_API_KEY";
  bool allow_remote = false;
  int timeout_seconds = 120;  // one attempt
  int max_output_tokens = 4000;
  int max_retries = 4;  // attempts after the first
  double backoff_seconds = 0.5;
  double max_backoff_seconds = 30;
  double max_retry_after_seconds = 60;  // a longer Retry-After is cut to this
  double max_call_seconds = 300;        // one call, retries included (waiting for a loading model on top)
  double wait_for_model_seconds = 300;  // 503 "Loading model" is waited for this long
  double loading_poll_seconds = 2;      // how often a loading server is asked again
  int context_window = 0;               // tokens; 0 = read it from the server
  bool probe_server = true;             // ask the server for its context window when not given
  uint64_t seed = 0;                    // the sampling seed sent
};

// Parses "openai:MODEL@BASE_URL" into options.model and options.base_url.
Status ParseOpenAISpec(const std::string& spec, OpenAIOptions* options);

// True for localhost, 127.0.0.0/8 and ::1.
bool IsLoopbackHost(const std::string& host);

// The proxy libcurl would use for `url` from the environment: the variable's
// name and the proxy's host (no credentials), or nothing.
std::optional<std::string> ProxyFromEnvironment(const std::string& url);

// The assistant message of a chat-completions response body as a ModelReply
// (native tool calls, or calls written as text; reasoning, finish_reason and
// usage kept); BadInput if malformed. `text_mode`: the reply goes back as
// text (history_content keeps the calls).
Result<ModelReply> ParseChatCompletion(const std::string& body, bool text_mode = false);

class OpenAIModel : public Model {
 public:
  static Result<std::unique_ptr<OpenAIModel>> Create(OpenAIOptions options);
  ~OpenAIModel() override;
  std::string spec() const override { return "openai:" + options_.model + "@" + options_.base_url; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;
  nlohmann::json Describe() const override;
  bool TakesSeed() const override { return true; }

  // The context window in use (0: unknown), and where it came from.
  int context_window() const { return window_.load(); }

 private:
  struct Http {
    bool sent = false;  // false: libcurl failed (error says why)
    bool too_large = false;
    long status = 0;
    std::string body, error;
    double retry_after = -1;
  };
  explicit OpenAIModel(OpenAIOptions options) : options_(std::move(options)) {}
  void* Acquire();
  void Release(void* handle);
  Http Perform(const std::string& url, const std::string* post_body, double timeout_seconds);
  void Probe();
  void Learn(int window, const std::string& source);

  OpenAIOptions options_;
  std::string key_;   // in memory only
  std::string root_;  // base_url without /v1
  bool loopback_ = true;
  std::optional<std::string> proxy_;
  mutable std::mutex mu_;
  std::vector<void*> pool_;  // idle CURL handles
  std::once_flag probed_;
  std::atomic<int> window_{0};
  std::string window_source_, server_;  // set by Probe() (once) or under mu_
  std::atomic<bool> loading_announced_{false};
};

}  // namespace medcred

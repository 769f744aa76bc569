#include "models/openai_model.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <regex>
#include <thread>

#include "common/json_util.h"
#include "common/text.h"
#include "models/endpoint_errors.h"
#include "models/reply_formats.h"

namespace medcred {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxReplyBytes = 8 << 20;  // like exec: a reply larger than 8 MiB is refused
constexpr int64_t kMinReplyTokens = 256;    // a reply needs at least this much of the window
constexpr double kProbeTimeoutSeconds = 3;

struct Sink {
  std::string* out;
  bool too_large = false;
};

size_t Collect(char* data, size_t size, size_t n, void* p) {
  auto* sink = static_cast<Sink*>(p);
  if (sink->out->size() + size * n > kMaxReplyBytes) {
    sink->too_large = true;
    return 0;  // libcurl stops the transfer
  }
  sink->out->append(data, size * n);
  return size * n;
}

size_t Header(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const std::string key = "retry-after:";
  std::string lower = line.substr(0, key.size());
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == key) {
    char* end = nullptr;
    const double v = std::strtod(line.c_str() + key.size(), &end);
    if (end != line.c_str() + key.size() && v >= 0) *static_cast<double*>(out) = v;
  }
  return size * n;
}

std::once_flag curl_once;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

void Sleep(double seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

// A URL's scheme and host, lower case; false when it is not a URL.
bool SchemeAndHost(const std::string& url, std::string* scheme, std::string* host) {
  CURLU* u = curl_url();
  char* s = nullptr;
  char* h = nullptr;
  const bool ok = curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_DEFAULT_SCHEME) == CURLUE_OK &&
                  curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
                  curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK;
  if (ok) {
    *scheme = Lower(s);
    *host = Lower(h);
  }
  curl_free(s);
  curl_free(h);
  curl_url_cleanup(u);
  return ok && !host->empty();
}

std::string HostPort(const std::string& url) {
  CURLU* u = curl_url();
  char* h = nullptr;
  char* p = nullptr;
  std::string out;
  if (curl_url_set(u, CURLUPART_URL, url.c_str(), CURLU_DEFAULT_SCHEME) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) {
    out = h;
    if (curl_url_get(u, CURLUPART_PORT, &p, 0) == CURLUE_OK) out += std::string(":") + p;
  }
  curl_free(h);
  curl_free(p);
  curl_url_cleanup(u);
  return out;
}

ModelReply Refused(Refusal kind, std::string message) {
  ModelReply r;
  r.refusal = kind;
  r.refusal_message = std::move(message);
  return r;
}

// The last reply of the conversation whose usage the server reported, and the index after it.
const TokenUsage* LastUsage(const Conversation& messages, size_t* after) {
  for (size_t i = messages.size(); i-- > 0;) {
    const ChatMessage& m = messages[i];
    if (m.role == "assistant" && m.reply && m.reply->usage && m.reply->usage->prompt_tokens > 0) {
      *after = i + 1;
      return &*m.reply->usage;
    }
  }
  *after = 0;
  return nullptr;
}

// The prompt's tokens, estimated high: the last reply's prompt and completion
// tokens as the server counted them, plus one token per 3 bytes of what came
// after it (everything, and the tools, on the first turn).
int64_t EstimatePromptTokens(const Conversation& messages, const nlohmann::json& tools) {
  size_t from = 0;
  const TokenUsage* usage = LastUsage(messages, &from);
  int64_t tokens = usage ? usage->prompt_tokens + usage->completion_tokens : 0;
  size_t bytes = usage ? 0 : SafeDump(tools).size();
  for (size_t i = from; i < messages.size(); ++i) bytes += SafeDump(messages[i].ToJson()).size();
  return tokens + static_cast<int64_t>(bytes / 3) + 1;
}

std::string Str(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// A whole, positive number at `key`, or 0.
int64_t Count(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return 0;
  const int64_t v = j[key].get<int64_t>();
  return v > 0 ? v : 0;
}

}  // namespace

Status ParseOpenAISpec(const std::string& spec, OpenAIOptions* o) {
  const std::string prefix = "openai:";
  const size_t at = spec.find('@');
  if (spec.rfind(prefix, 0) != 0 || at == std::string::npos || at == prefix.size() || at + 1 >= spec.size()) {
    return Status::Usage("model spec '" + spec + "' is not openai:MODEL@BASE_URL");
  }
  o->model = spec.substr(prefix.size(), at - prefix.size());
  o->base_url = spec.substr(at + 1);
  while (!o->base_url.empty() && o->base_url.back() == '/') o->base_url.pop_back();
  return Status::OK();
}

bool IsLoopbackHost(const std::string& host_in) {
  std::string host = host_in;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  // 127.0.0.0/8, written as a dotted quad.
  int parts = 0, value = -1;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (value < 0 || value > 255) return false;
      ++parts;
      value = -1;
    } else if (std::isdigit(static_cast<unsigned char>(host[i]))) {
      value = (value < 0 ? 0 : value * 10) + (host[i] - '0');
      if (value > 255) return false;
    } else {
      return false;
    }
  }
  return parts == 4 && host.rfind("127.", 0) == 0;
}

std::optional<std::string> ProxyFromEnvironment(const std::string& url) {
  std::string scheme, host;
  if (!SchemeAndHost(url, &scheme, &host) || IsLoopbackHost(host)) return std::nullopt;
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  // NO_PROXY as libcurl reads it: "*", or host names and domains.
  for (const char* name : {"no_proxy", "NO_PROXY"}) {
    std::string list = env(name);
    if (Trim(list) == "*") return std::nullopt;
    size_t start = 0;
    while (start <= list.size()) {
      const size_t comma = std::min(list.find(',', start), list.size());
      std::string entry = Lower(Trim(list.substr(start, comma - start)));
      while (!entry.empty() && entry[0] == '.') entry.erase(0, 1);
      if (!entry.empty() &&
          (host == entry || (host.size() > entry.size() &&
                             host.compare(host.size() - entry.size() - 1, entry.size() + 1, "." + entry) == 0))) {
        return std::nullopt;
      }
      start = comma + 1;
    }
  }
  // libcurl reads http_proxy only in lower case; the others in either.
  std::vector<const char*> names;
  if (scheme == "https") names = {"https_proxy", "HTTPS_PROXY"};
  if (scheme == "http") names = {"http_proxy"};
  names.insert(names.end(), {"all_proxy", "ALL_PROXY"});
  for (const char* name : names) {
    const std::string proxy = env(name);
    if (!proxy.empty()) return std::string(name) + " (" + HostPort(proxy) + ")";
  }
  return std::nullopt;
}

Result<ModelReply> ParseChatCompletion(const std::string& body, bool text_mode) {
  auto parsed = ParseJson(body, "the endpoint's reply");
  if (!parsed.ok()) return parsed.status();
  const nlohmann::json& j = *parsed;
  if (!j.is_object()) return Status::BadInput("the endpoint's reply is not a JSON object");
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() || !j["choices"][0].is_object() ||
      !j["choices"][0].contains("message") || !j["choices"][0]["message"].is_object()) {
    return Status::BadInput("the endpoint's reply has no choices[0].message");
  }
  const nlohmann::json& choice = j["choices"][0];
  const nlohmann::json& m = choice["message"];
  ModelReply r;
  r.content = Str(m, "content");
  r.finish_reason = Str(choice, "finish_reason");
  // vLLM until 2026 and llama.cpp, SGLang: reasoning_content; vLLM since, Ollama, LM Studio: reasoning.
  r.reasoning = Str(m, "reasoning_content");
  if (r.reasoning.empty()) r.reasoning = Str(m, "reasoning");
  if (j.contains("usage") && j["usage"].is_object()) {
    r.usage = TokenUsage{Count(j["usage"], "prompt_tokens"), Count(j["usage"], "completion_tokens")};
  }
  // tool_calls: a list (everyone), null or [] when none (SGLang, vLLM, LM Studio), one object (TGI 1.4).
  nlohmann::json calls = nlohmann::json::array();
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) calls = m["tool_calls"];
  if (m.contains("tool_calls") && m["tool_calls"].is_object()) calls.push_back(m["tool_calls"]);
  bool cut = false;
  for (const auto& tc : calls) {
    if (!tc.is_object() || !tc.contains("function") || !tc["function"].is_object()) continue;
    const auto& f = tc["function"];
    ModelToolCall call;
    // Ids: a string (empty from LM Studio and older llama.cpp), a number (TGI 1.4), or none.
    if (tc.contains("id") && tc["id"].is_string()) call.id = tc["id"].get<std::string>();
    if (tc.contains("id") && tc["id"].is_number_integer()) call.id = std::to_string(tc["id"].get<int64_t>());
    call.name = Str(f, "name");
    // Arguments: a JSON string (OpenAI, vLLM, TGI >= 3.2) or an object (TGI < 3.2, Ollama's own API);
    // TGI 1.4 calls them parameters.
    const char* key = f.contains("arguments") ? "arguments" : "parameters";
    if (f.contains(key) && !f[key].is_null())
      call.arguments = f[key].is_string() ? f[key].get<std::string>() : SafeDump(f[key]);
    // Cut off at max_tokens inside the arguments: not executed.
    if (r.finish_reason == "length" && !Trim(call.arguments).empty() && !ParseJson(call.arguments, "").ok()) {
      cut = true;
      continue;
    }
    r.tool_calls.push_back(std::move(call));
  }
  std::string reasoning;
  const std::string without_reasoning = WithoutReasoning(r.content, &reasoning);
  if (!r.tool_calls.empty() || cut) {
    r.format = "native";
    r.truncated = cut;
    if (without_reasoning != r.content) r.history_content = Trim(without_reasoning);
  } else {
    const TextReply text = ReadTextToolCalls(r.content);
    for (const TextToolCall& c : text.calls) r.tool_calls.push_back({c.id, c.name, SafeDump(c.arguments)});
    if (!text.calls.empty() || text.unreadable) r.format = text.format;
    reasoning = text.reasoning;
    // Native mode sends the calls back as tool calls, so the text keeps only the prose;
    // text mode sends the reply back as the model wrote it (without its reasoning).
    const std::string history = text_mode ? Trim(without_reasoning) : text.content;
    if (history != r.content) r.history_content = history;
    r.truncated = r.finish_reason == "length" && (text.unreadable || r.tool_calls.empty());
  }
  if (r.reasoning.empty()) r.reasoning = reasoning;
  return r;
}

Result<std::unique_ptr<OpenAIModel>> OpenAIModel::Create(OpenAIOptions options) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::string scheme, host;
  if (!SchemeAndHost(options.base_url + "/chat/completions", &scheme, &host) ||
      options.base_url.find("://") == std::string::npos) {
    return Status::Usage("openai: '" + options.base_url + "' is not a URL like http://127.0.0.1:8080/v1");
  }
  if (!IsLoopbackHost(host) && !options.allow_remote) {
    return Status::Usage(
        "openai: " + host +
        " is not this machine. MIMIC data may only go where its data use agreement allows: "
        "PhysioNet's guidance on online services (https://physionet.org/news/post/gpt-responsible-use) forbids "
        "sending credentialed data to third-party LLM services such as ChatGPT. Serve the model locally, or pass "
        "--allow-remote-endpoint for a server you are permitted to use.");
  }
  auto m = std::unique_ptr<OpenAIModel>(new OpenAIModel(std::move(options)));
  if (const char* key = std::getenv(m->options_.api_key_env.c_str()); key != nullptr) m->key_ = key;
  m->loopback_ = IsLoopbackHost(host);
  m->proxy_ = ProxyFromEnvironment(m->options_.base_url);
  m->root_ = m->options_.base_url;
  if (m->root_.size() >= 3 && m->root_.compare(m->root_.size() - 3, 3, "/v1") == 0)
    m->root_.resize(m->root_.size() - 3);
  return m;
}

OpenAIModel::~OpenAIModel() {
  for (void* h : pool_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* OpenAIModel::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!pool_.empty()) {
      void* h = pool_.back();
      pool_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void OpenAIModel::Release(void* handle) {
  std::lock_guard<std::mutex> lock(mu_);
  pool_.push_back(handle);
}

OpenAIModel::Http OpenAIModel::Perform(const std::string& url, const std::string* post_body, double timeout_seconds) {
  Http out;
  CURL* h = static_cast<CURL*>(Acquire());
  if (h == nullptr) {
    out.error = "libcurl could not start a request";
    return out;
  }
  curl_easy_reset(h);
  Sink sink{&out.body};
  curl_slist* list = nullptr;
  if (post_body != nullptr) list = curl_slist_append(list, "Content-Type: application/json");
  // No "Expect: 100-continue": it costs a round trip (or a wait) on every request.
  list = curl_slist_append(list, "Expect:");
  const std::string auth = "Authorization: Bearer " + key_;
  if (!key_.empty()) list = curl_slist_append(list, auth.c_str());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  if (post_body != nullptr) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_body->c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(post_body->size()));
  } else {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, Header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &out.retry_after);
  const long timeout_ms = std::max(1L, static_cast<long>(timeout_seconds * 1000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, 10000L));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  // Patient data and the key never go to a proxy on the way to this machine.
  if (loopback_) curl_easy_setopt(h, CURLOPT_PROXY, "");
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  curl_slist_free_all(list);
  Release(h);
  if (sink.too_large) {
    out.too_large = true;
  } else if (rc != CURLE_OK) {
    out.error = curl_easy_strerror(rc);
  } else {
    out.sent = true;
  }
  return out;
}

void OpenAIModel::Learn(int window, const std::string& source) {
  std::lock_guard<std::mutex> lock(mu_);
  window_ = window;
  window_source_ = source;
}

void OpenAIModel::Probe() {
  if (options_.context_window > 0) {
    Learn(options_.context_window, "--context-window");
    return;
  }
  if (!options_.probe_server) return;
  auto get = [&](const std::string& url, const std::string* post = nullptr) -> nlohmann::json {
    Http r = Perform(url, post, kProbeTimeoutSeconds);
    if (!r.sent || r.status != 200) return nullptr;
    auto j = ParseJson(r.body, url);
    return j.ok() ? *j : nullptr;
  };
  auto found = [&](int64_t n, const std::string& server, const std::string& source) {
    if (n <= 0 || n > (1 << 30)) return false;
    Learn(static_cast<int>(n), source);
    std::lock_guard<std::mutex> lock(mu_);
    server_ = server;
    return true;
  };
  // vLLM, SGLang: /v1/models max_model_len; llama.cpp (2026): meta.n_ctx.
  const nlohmann::json models = get(options_.base_url + "/models");
  if (models.is_object() && models.contains("data") && models["data"].is_array()) {
    for (const auto& card : models["data"]) {
      if (Str(card, "id") != options_.model && models["data"].size() != 1) continue;
      const std::string owner = Str(card, "owned_by");
      if (found(Count(card, "max_model_len"), owner, "GET " + options_.base_url + "/models max_model_len")) return;
      if (card.contains("meta") &&
          found(Count(card["meta"], "n_ctx"), "llama.cpp", "GET " + options_.base_url + "/models meta.n_ctx"))
        return;
    }
  }
  // llama.cpp: /props default_generation_settings.n_ctx.
  const nlohmann::json props = get(root_ + "/props");
  if (props.is_object() && props.contains("default_generation_settings") &&
      found(Count(props["default_generation_settings"], "n_ctx"), "llama.cpp",
            "GET " + root_ + "/props default_generation_settings.n_ctx"))
    return;
  // TGI: /info max_total_tokens.
  const nlohmann::json info = get(root_ + "/info");
  if (found(Count(info, "max_total_tokens"), "TGI", "GET " + root_ + "/info max_total_tokens")) return;
  // LM Studio: /api/v0/models/MODEL loaded_context_length (a model not loaded yet gets LM Studio's default).
  const nlohmann::json lms = get(root_ + "/api/v0/models/" + options_.model);
  if (found(Count(lms, "loaded_context_length"), "LM Studio",
            "GET " + root_ + "/api/v0/models/" + options_.model + " loaded_context_length"))
    return;
  // Ollama: the window a loaded model was given (/api/ps), else num_ctx of its Modelfile (/api/show).
  const nlohmann::json ps = get(root_ + "/api/ps");
  if (!ps.is_object() || !ps.contains("models") || !ps["models"].is_array()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    server_ = "Ollama";
  }
  int64_t window = 0;
  std::string source;
  for (const auto& m : ps["models"]) {
    const std::string name = Str(m, "name"), model = Str(m, "model");
    if (name == options_.model || model == options_.model || name == options_.model + ":latest") {
      window = Count(m, "context_length");
      source = "GET " + root_ + "/api/ps context_length";
    }
  }
  if (window == 0) {
    const std::string body = nlohmann::json{{"model", options_.model}}.dump();
    const nlohmann::json show = get(root_ + "/api/show", &body);
    static const std::regex kNumCtx(R"(num_ctx\s+(\d+))");
    std::smatch match;
    const std::string parameters = Str(show, "parameters");
    if (std::regex_search(parameters, match, kNumCtx)) {
      window = std::stoll(match[1].str().substr(0, 9));
      source = "POST " + root_ + "/api/show parameters num_ctx";
    }
  }
  if (window > 0) {
    found(window, "Ollama", source);
    if (window < 8192) {
      std::fprintf(stderr,
                   "medcred: Ollama gives %s a context window of %lld tokens; an episode often needs more, and "
                   "episodes that outgrow it end as `limit`. Start Ollama with OLLAMA_CONTEXT_LENGTH=16384 "
                   "(docs/models.md#ollama).\n",
                   options_.model.c_str(), static_cast<long long>(window));
    }
    return;
  }
  std::fprintf(stderr,
               "medcred: %s is Ollama, and the context window it gives %s is not known. Ollama's default (4096 "
               "tokens; 2048 in older releases; more with much VRAM) silently drops the oldest messages of a long "
               "conversation. Start it with OLLAMA_CONTEXT_LENGTH=16384, or pass --context-window N "
               "(docs/models.md#ollama). An episode whose prompt the server shrank ends as `limit`.\n",
               root_.c_str(), options_.model.c_str());
}

nlohmann::json OpenAIModel::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  const int window = window_.load();
  return {{"api", "POST " + options_.base_url + "/chat/completions"},
          {"sampling", {{"temperature", 0}, {"seed", options_.seed}, {"top_p", nullptr}}},
          {"max_output_tokens", options_.max_output_tokens},
          {"context_window", window > 0 ? nlohmann::json(window) : nlohmann::json(nullptr)},
          {"context_window_source", window_source_},
          {"server", server_},
          {"timeout_seconds", options_.timeout_seconds},
          {"max_call_seconds", options_.max_call_seconds},
          {"wait_for_model_seconds", options_.wait_for_model_seconds},
          {"proxy", proxy_ ? nlohmann::json(*proxy_) : nlohmann::json(nullptr)}};
}

Result<ModelReply> OpenAIModel::Complete(const Conversation& messages, const nlohmann::json& tools,
                                         const EpisodeContext& context) {
  std::call_once(probed_, [this] { Probe(); });
  const bool text_mode = tools.empty();
  const std::string url = options_.base_url + "/chat/completions";
  const int64_t prompt = EstimatePromptTokens(messages, tools);
  nlohmann::json request = {{"model", options_.model},
                            {"messages", ConversationJson(messages)},
                            {"temperature", 0},
                            {"seed", context.seed.value_or(options_.seed)}};
  if (!text_mode) {
    request["tools"] = tools;
    request["tool_choice"] = "auto";
  }
  // max_tokens: what fits the window, if it is known; nullopt when nothing fits.
  int sized_for = 0;  // the window max_tokens was sized for
  auto size = [&]() -> std::optional<std::string> {
    const int window = window_.load();
    sized_for = window;
    int64_t max_tokens = options_.max_output_tokens;
    if (window > 0) {
      const int64_t room = window - prompt;
      const int64_t need = std::min<int64_t>(kMinReplyTokens, options_.max_output_tokens);
      if (room < need) {
        return "the conversation (about " + std::to_string(prompt) + " tokens, estimated) leaves " +
               std::to_string(std::max<int64_t>(room, 0)) + " of the " + std::to_string(window) +
               "-token context window for the reply, which needs at least " + std::to_string(need);
      }
      max_tokens = std::min(max_tokens, room);
    }
    request["max_tokens"] = max_tokens;
    return std::nullopt;
  };
  if (auto full = size()) return Refused(Refusal::kContextFull, *full);
  std::string body = SafeDump(request);

  thread_local std::mt19937_64 rng(std::random_device{}());
  const auto start = Clock::now();
  auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.max_call_seconds));
  std::string last_error, last_body;
  bool garbage = false, learned = false;
  double loading = 0;
  int attempts = 0;
  for (int tries = 0; tries <= options_.max_retries; ++tries) {
    const double left = Seconds(deadline - Clock::now());
    if (left <= 0) break;
    ++attempts;
    Http http = Perform(url, &body, std::min<double>(options_.timeout_seconds, left));
    double wait = -1;
    if (http.too_large) {
      return Status::BadInput("openai: " + url + " sent a reply larger than 8 MiB");
    }
    if (!http.sent) {
      last_error = "openai: " + url + ": " + http.error;
      garbage = false;
    } else {
      const EndpointError e = ReadEndpointError(http.status, http.body);
      if (http.status == 200) {
        auto reply = ParseChatCompletion(http.body, text_mode);
        if (reply.ok()) {
          // A prompt that did not grow by what was added since the last one (at least a token per 8
          // bytes): the server dropped messages to fit its window.
          size_t after = 0;
          const TokenUsage* before = LastUsage(messages, &after);
          if (before != nullptr && reply->usage && reply->usage->prompt_tokens > 0) {
            size_t added = 0;
            for (size_t i = after - 1; i < messages.size(); ++i) added += SafeDump(messages[i].ToJson()).size();
            const int64_t least = before->prompt_tokens + static_cast<int64_t>(added / 8);
            if (reply->usage->prompt_tokens < least) {
              return Refused(Refusal::kContextFull, "the server's prompt was " +
                                                        std::to_string(reply->usage->prompt_tokens) + " tokens after " +
                                                        std::to_string(before->prompt_tokens) + " and " +
                                                        std::to_string(added) +
                                                        " bytes more: it dropped earlier messages to fit its "
                                                        "context window");
            }
          }
          if (loading > 0) std::fprintf(stderr, "medcred: %s is ready (after %.0f s)\n", url.c_str(), loading);
          return reply;
        }
        if (e.meaning != ErrorMeaning::kContextFull) {  // LM Studio answers some errors with HTTP 200
          last_error = "openai: " + url + ": " + reply.status().message();
          garbage = true;
        }
      }
      if (http.status != 200 || e.meaning == ErrorMeaning::kContextFull) {
        garbage = false;
        switch (e.meaning) {
          case ErrorMeaning::kToolsUnsupported:
            if (!text_mode) return Refused(Refusal::kToolsUnsupported, e.message);
            break;
          case ErrorMeaning::kContextFull:
            // The server named its window: size the reply to it and ask once more.
            if (e.context_window > 0 && !learned && e.context_window != sized_for) {
              learned = true;
              if (e.context_window != window_.load())
                Learn(static_cast<int>(e.context_window), "the server's error message");
              if (auto full = size()) return Refused(Refusal::kContextFull, *full);
              body = SafeDump(request);
              --tries;
              continue;
            }
            return Refused(Refusal::kContextFull, "the server said: " + e.message);
          case ErrorMeaning::kLoading:
            if (loading < options_.wait_for_model_seconds) {
              if (!loading_announced_.exchange(true)) {
                std::fprintf(stderr,
                             "medcred: %s is loading the model (HTTP %ld: %s); waiting up to %.0f s "
                             "(--wait-for-model)\n",
                             url.c_str(), http.status, e.message.c_str(), options_.wait_for_model_seconds);
              }
              const double pause = std::min(options_.loading_poll_seconds, options_.wait_for_model_seconds - loading);
              Sleep(pause);
              loading += pause;
              deadline += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(pause));
              --tries;
              continue;
            }
            return Status::External("openai: " + url + " was still loading the model after " +
                                    FormatNumber(options_.wait_for_model_seconds) + " s (--wait-for-model)");
          case ErrorMeaning::kOther:
            break;
        }
        last_error = "openai: " + url + " answered HTTP " + std::to_string(http.status) + ": " + e.message;
        if (http.status != 429 && http.status < 500 && http.status != 200) {
          // 4xx other than 429: the request itself is wrong; retrying will not help.
          return Status::External(last_error);
        }
        if (http.status == 500 && http.body == last_body) {
          return Status::External(last_error + " (the same answer twice: not retried further)");
        }
        last_body = http.body;
        if (http.retry_after >= 0) wait = std::min(http.retry_after, options_.max_retry_after_seconds);
      }
    }
    if (tries == options_.max_retries) break;
    if (wait < 0) {
      const double base = std::min(options_.max_backoff_seconds, options_.backoff_seconds * (1 << std::min(tries, 20)));
      wait = base * std::uniform_real_distribution<double>(0.5, 1.0)(rng);  // jitter
    }
    const double remaining = Seconds(deadline - Clock::now());
    if (wait >= remaining) break;  // no time left for another attempt
    Sleep(wait);
  }
  const std::string tried = " (after " + std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s") + " in " +
                            FormatFixed(Seconds(Clock::now() - start), 1) + " s)";
  if (last_error.empty()) last_error = "openai: " + url + ": no time left for a request (--max-call-seconds)";
  // An endpoint that answers, but never with a reply, sent garbage: a scored `error`.
  if (garbage) return Status::BadInput(last_error + tried);
  return Status::External(last_error + tried);
}

}  // namespace medcred

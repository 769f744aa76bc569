#include "models/openai_model.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

namespace medcred {
namespace {

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct HeaderState {
  double retry_after = -1;
};

size_t Header(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const std::string key = "retry-after:";
  std::string lower = line.substr(0, key.size());
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == key) {
    char* end = nullptr;
    const double v = std::strtod(line.c_str() + key.size(), &end);
    if (end != line.c_str() + key.size() && v >= 0) static_cast<HeaderState*>(out)->retry_after = v;
  }
  return size * n;
}

// A JSON object somewhere in free text: the outermost {...} that parses.
std::optional<nlohmann::json> JsonIn(const std::string& text) {
  const size_t open = text.find('{');
  const size_t close = text.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(text.substr(open, close - open + 1), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

std::once_flag curl_once;

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

Result<ModelReply> ParseChatCompletion(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::BadInput("the endpoint's reply is not a JSON object");
  if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() || !j["choices"][0].is_object() ||
      !j["choices"][0].contains("message") || !j["choices"][0]["message"].is_object()) {
    return Status::BadInput("the endpoint's reply has no choices[0].message");
  }
  const nlohmann::json& m = j["choices"][0]["message"];
  ModelReply r;
  if (m.contains("content") && m["content"].is_string()) r.content = m["content"].get<std::string>();
  if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
    int i = 0;
    for (const auto& tc : m["tool_calls"]) {
      if (!tc.is_object() || !tc.contains("function") || !tc["function"].is_object()) continue;
      const auto& f = tc["function"];
      ModelToolCall call;
      call.id = tc.contains("id") && tc["id"].is_string() ? tc["id"].get<std::string>() : "call_" + std::to_string(i);
      call.name = f.contains("name") && f["name"].is_string() ? f["name"].get<std::string>() : "";
      // Servers differ: arguments as a JSON string (OpenAI, vLLM) or as an object (some Ollama versions).
      if (f.contains("arguments"))
        call.arguments = f["arguments"].is_string() ? f["arguments"].get<std::string>() : f["arguments"].dump();
      r.tool_calls.push_back(std::move(call));
      ++i;
    }
  }
  if (r.tool_calls.empty() && !r.content.empty()) {
    if (auto action = JsonIn(r.content)) {
      const auto& a = *action;
      const char* name_key = a.contains("tool") ? "tool" : a.contains("name") ? "name" : nullptr;
      if (name_key != nullptr && a[name_key].is_string()) {
        const nlohmann::json args = a.contains("arguments") ? a["arguments"] : nlohmann::json::object();
        r.tool_calls.push_back(
            {"text_action", a[name_key].get<std::string>(), args.is_string() ? args.get<std::string>() : args.dump()});
      }
    }
  }
  return r;
}

Result<std::unique_ptr<OpenAIModel>> OpenAIModel::Create(OpenAIOptions options) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURLU* url = curl_url();
  const std::string endpoint = options.base_url + "/chat/completions";
  char* host = nullptr;
  const bool parsed = curl_url_set(url, CURLUPART_URL, endpoint.c_str(), 0) == CURLUE_OK &&
                      curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK;
  const std::string h = host != nullptr ? host : "";
  curl_free(host);
  curl_url_cleanup(url);
  if (!parsed || h.empty())
    return Status::Usage("openai: '" + options.base_url + "' is not a URL like http://127.0.0.1:8080/v1");
  if (!IsLoopbackHost(h) && !options.allow_remote) {
    return Status::Usage(
        "openai: " + h +
        " is not this machine. MIMIC data may only go where its data use agreement allows: "
        "PhysioNet's guidance on online services (https://physionet.org/news/post/gpt-responsible-use) forbids "
        "sending credentialed data to third-party LLM services such as ChatGPT. Serve the model locally, or pass "
        "--allow-remote-endpoint for a server you are permitted to use.");
  }
  auto m = std::unique_ptr<OpenAIModel>(new OpenAIModel(std::move(options)));
  if (const char* key = std::getenv(m->options_.api_key_env.c_str()); key != nullptr) m->key_ = key;
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

Result<ModelReply> OpenAIModel::Complete(const Conversation& messages, const nlohmann::json& tools,
                                         const EpisodeContext&) {
  const nlohmann::json request = {
      {"model", options_.model}, {"messages", ConversationJson(messages)},   {"tools", tools},
      {"tool_choice", "auto"},   {"max_tokens", options_.max_output_tokens}, {"temperature", 0}};
  const std::string body = request.dump();
  const std::string url = options_.base_url + "/chat/completions";
  thread_local std::mt19937_64 rng(std::random_device{}());
  std::string last_error;
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    CURL* h = static_cast<CURL*>(Acquire());
    if (h == nullptr) return Status::External("openai: libcurl could not start a request");
    curl_easy_reset(h);
    std::string response;
    HeaderState headers;
    curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
    // No "Expect: 100-continue": it costs a round trip (or a wait) on every request.
    list = curl_slist_append(list, "Expect:");
    const std::string auth = "Authorization: Bearer " + key_;
    if (!key_.empty()) list = curl_slist_append(list, auth.c_str());
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, Header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_seconds) * 1000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    const CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(list);
    Release(h);

    bool retry = false;
    double wait = -1;
    if (rc != CURLE_OK) {
      last_error = std::string("openai: ") + url + ": " + curl_easy_strerror(rc);
      retry = true;
    } else if (status == 429 || status >= 500) {
      last_error = "openai: " + url + " answered HTTP " + std::to_string(status);
      retry = true;
      if (headers.retry_after >= 0) wait = std::min(headers.retry_after, 120.0);
    } else if (status != 200) {
      // 4xx other than 429: the request itself is wrong; retrying will not help.
      return Status::External("openai: " + url + " answered HTTP " + std::to_string(status) + ": " +
                              response.substr(0, 200));
    } else {
      auto reply = ParseChatCompletion(response);
      if (reply.ok()) return reply;
      last_error = "openai: " + url + ": " + reply.status().message();
      retry = true;
    }
    if (!retry || attempt == options_.max_retries) break;
    if (wait < 0) {
      const double base =
          std::min(options_.max_backoff_seconds, options_.backoff_seconds * (1 << std::min(attempt, 20)));
      wait = base * std::uniform_real_distribution<double>(0.5, 1.0)(rng);  // jitter
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
  }
  return Status::External(last_error + " (after " + std::to_string(options_.max_retries + 1) + " attempts)");
}

}  // namespace medcred

// Test-only: an in-process OpenAI-compatible server (cpp-httplib) that plays
// a local server and the model behind it, one situation of
// src/runner/testdata/server_situations.tsv at a time: the server's request
// rules and refusals (the bodies of src/models/testdata/reply_formats/), and a
// model that takes the history and orders labs, then submits a diagnosis, in
// its own reply format. Used by servers_test.cc and bench/server_situations.cc.
//
// Thread safety: the server answers on its own threads; its counters are locked.
#pragma once

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace medcred::test {

struct Situation {
  std::string name, format, expect;
  std::map<std::string, std::string> rules;

  std::string Rule(const std::string& key, const std::string& fallback = "") const {
    auto it = rules.find(key);
    return it == rules.end() ? fallback : it->second;
  }
  int IntRule(const std::string& key, int fallback = 0) const {
    const std::string v = Rule(key);
    return v.empty() ? fallback : std::stoi(v);
  }
};

inline std::string SourceDir() {
#ifdef MEDCRED_SOURCE_DIR
  return MEDCRED_SOURCE_DIR;
#else
  return ".";
#endif
}

inline std::vector<Situation> LoadSituations(const std::string& path = SourceDir() +
                                                                       "/src/runner/testdata/server_situations.tsv") {
  std::vector<Situation> out;
  std::ifstream in(path);
  bool header = true;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, '\t');) f.push_back(field);
    if (f.size() < 4) continue;
    Situation s{f[0], f[1], f[3], {}};
    std::stringstream rules(f[2]);
    for (std::string kv; rules >> kv;) {
      const size_t eq = kv.find('=');
      if (eq != std::string::npos) s.rules[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// A refusal fixture: {"status", "body"}.
inline std::pair<int, std::string> Refusal(const std::string& fixture) {
  std::ifstream in(SourceDir() + "/src/models/testdata/reply_formats/" + fixture);
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str());
  return {j["status"].get<int>(), j["body"].get<std::string>()};
}

using ModelCalls = std::vector<std::pair<std::string, nlohmann::json>>;

// A value as Python writes it (pythonic calls): JSON is close enough, with True/False/None.
inline std::string Py(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  if (v.is_array()) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + Py(v[i]);
    return s + "]";
  }
  return v.dump();
}

// The calls as the model writes them in text, in `format`.
inline std::string RenderText(const std::string& format, const ModelCalls& calls) {
  const std::string db = "\uFF5C", sp = "\u2581";
  auto tok = [&](const std::string& words) {
    std::string w = words;
    for (size_t i = w.find(' '); i != std::string::npos; i = w.find(' ')) w.replace(i, 1, sp);
    return "<" + db + w + db + ">";
  };
  std::string out;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, args] : calls) list.push_back({{"name", name}, {"arguments", args}});
  if (format == "mistral_pre_v11") return "[TOOL_CALLS]" + list.dump();
  if (format == "granite") return "<|tool_call|>" + list.dump();
  if (format == "generic") return nlohmann::json{{"tool_calls", list}}.dump();
  if (format == "deepseek_v3" || format == "deepseek_v31") out += tok("tool calls begin");
  if (format == "pythonic" || format == "llama4_pythonic") out += "[";
  if (format == "think_json") out += "<think>\nThe results so far: {\"wbc\": \"high\"}; next {step}.\n</think>\n\n";
  if (format == "harmony")
    out += "<|channel|>analysis<|message|>Work up the case; arguments like {\"tests\": []}.<|end|>";
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto& [name, args] = calls[i];
    if (format == "hermes") {
      out += (i ? "\n" : "") + std::string("<tool_call>\n") +
             nlohmann::json{{"name", name}, {"arguments", args}}.dump() + "\n</tool_call>";
    } else if (format == "qwen3_xml") {
      out += (i ? "\n" : "") + std::string("<tool_call>\n<function=") + name + ">\n";
      for (const auto& [k, v] : args.items()) {
        out += "<parameter=" + k + ">\n" + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n</parameter>\n";
      }
      out += "</function>\n</tool_call>";
    } else if (format == "mistral") {
      out += "[TOOL_CALLS]" + name + "[ARGS]" + args.dump();
    } else if (format == "llama3_json" || format == "python_tag") {
      if (format == "python_tag" && i == 0) out += "<|python_tag|>";
      out += (i ? "; " : "") + nlohmann::json{{"name", name}, {"parameters", args}}.dump();
    } else if (format == "pythonic" || format == "llama4_pythonic") {
      out += (i ? ", " : "") + name + "(";
      bool first = true;
      for (const auto& [k, v] : args.items()) {
        out += (first ? "" : ", ") + k + "=" + Py(v);
        first = false;
      }
      out += ")";
    } else if (format == "harmony") {
      out += "<|start|>assistant<|channel|>commentary to=functions." + name + " <|constrain|>json<|message|>" +
             args.dump() + "<|call|>";
    } else if (format == "deepseek_v3") {
      out += tok("tool call begin") + "function" + tok("tool sep") + name + "\n```json\n" + args.dump() + "\n```" +
             tok("tool call end");
    } else if (format == "deepseek_v31") {
      out += tok("tool call begin") + name + tok("tool sep") + args.dump() + tok("tool call end");
    } else if (format == "lmstudio") {
      out += "[TOOL_REQUEST]" + nlohmann::json{{"name", name}, {"arguments", args}}.dump() + "[END_TOOL_REQUEST]";
    } else {  // json_action, think_json
      out += (i ? "\n" : "") + nlohmann::json{{"tool", name}, {"arguments", args}}.dump();
    }
  }
  if (format == "pythonic") out += "]";
  if (format == "llama4_pythonic") out = "<|python_start|>" + out + "]<|python_end|>";
  if (format == "deepseek_v3" || format == "deepseek_v31") out += tok("tool calls end");
  return out;
}

class ServerEmulator {
 public:
  explicit ServerEmulator(Situation s) : s_(std::move(s)), start_(std::chrono::steady_clock::now()) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& q, httplib::Response& r) { Chat(q, r); });
    server_.Get("/v1/models", [this](const httplib::Request&, httplib::Response& r) {
      Probe("vllm", r,
            {{"object", "list"},
             {"data", {{{"id", s_.name}, {"object", "model"}, {"owned_by", "vllm"}, {"max_model_len", Window()}}}}});
    });
    server_.Get("/props", [this](const httplib::Request&, httplib::Response& r) {
      Probe("llamacpp", r, {{"default_generation_settings", {{"n_ctx", Window()}}}, {"total_slots", 1}});
    });
    server_.Get("/info", [this](const httplib::Request&, httplib::Response& r) {
      Probe("tgi", r, {{"model_id", s_.name}, {"max_input_tokens", Window() - 1}, {"max_total_tokens", Window()}});
    });
    server_.Get(R"(/api/v0/models/(.+))", [this](const httplib::Request&, httplib::Response& r) {
      Probe(
          "lmstudio", r,
          {{"id", s_.name}, {"state", "loaded"}, {"max_context_length", 131072}, {"loaded_context_length", Window()}});
    });
    server_.Get("/api/ps", [this](const httplib::Request&, httplib::Response& r) {
      if (s_.Rule("server") != "Ollama") {
        r.status = 404;
        return;
      }
      nlohmann::json models = nlohmann::json::array();
      if (s_.Rule("probe") == "ollama")
        models.push_back({{"name", s_.name}, {"model", s_.name}, {"context_length", Window()}});
      r.set_content(nlohmann::json{{"models", models}}.dump(), "application/json");
    });
    server_.Post("/api/show", [this](const httplib::Request&, httplib::Response& r) {
      if (s_.Rule("server") != "Ollama") {
        r.status = 404;
        return;
      }
      r.set_content(nlohmann::json{{"parameters", "stop \"<|im_end|>\""}, {"capabilities", {"completion"}}}.dump(),
                    "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ServerEmulator() {
    server_.stop();
    thread_.join();
  }
  ServerEmulator(const ServerEmulator&) = delete;
  ServerEmulator& operator=(const ServerEmulator&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string spec() const { return "openai:" + s_.name + "@" + base_url(); }
  // Requests answered with an error, by HTTP status.
  std::map<int, int> errors() {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  int Window() const { return s_.IntRule("window", 32768); }

  void Probe(const std::string& kind, httplib::Response& r, const nlohmann::json& body) {
    if (s_.Rule("probe") != kind) {
      r.status = 404;
      return;
    }
    r.set_content(body.dump(), "application/json");
  }

  void Fail(httplib::Response& r, const std::string& fixture, int status_override = 0) {
    auto [status, body] = Refusal(fixture);
    if (status_override != 0) status = status_override;
    // An overflow message names this server's window, not the fixture's.
    if (s_.IntRule("window") > 0 && fixture == s_.Rule("overflow")) {
      for (const char* n : {"32768", "8192", "7866"}) {
        for (size_t at = body.find(n); at != std::string::npos; at = body.find(n))
          body.replace(at, std::string(n).size(), std::to_string(Window()));
      }
    }
    r.status = status;
    r.set_content(body, "application/json");
    std::lock_guard<std::mutex> lock(mu_);
    ++errors_[status];
  }

  static int Tokens(const nlohmann::json& messages, const nlohmann::json& tools) {
    return static_cast<int>((messages.dump().size() + (tools.is_null() ? 0 : tools.dump().size())) / 4);
  }

  std::string Id(int n) {
    const std::string style = s_.Rule("id", "vllm");
    char hex[40];
    std::snprintf(hex, sizeof hex, "%08x%08x%08x%08x", 0x5eed0000u + static_cast<unsigned>(n), 0xa1b2c3d4u,
                  0x0f1e2d3cu + static_cast<unsigned>(n), 0x99887766u);
    if (style == "vllm") return "chatcmpl-tool-" + std::string(hex);
    if (style == "llamacpp") return "r7Yb2QkT9mWc4XzL1nPa8GdE5sHf" + std::to_string(1000 + n % 9000);
    if (style == "ollama") return "call_" + std::string(hex).substr(0, 8);
    if (style == "tgi") return std::to_string(n % 2);
    if (style == "lmstudio") return std::to_string(365174485 + n);
    if (style == "sglang") return "call_" + std::string(hex).substr(0, 24);
    if (style == "mistral") return std::string("Ab") + std::string(hex).substr(0, 7);
    return "";  // empty
  }

  void Chat(const httplib::Request& q, httplib::Response& r) {
    int n = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      n = ++requests_;
    }
    const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (since < s_.IntRule("loading")) return Fail(r, s_.Rule("loading_fixture"));
    const nlohmann::json req = nlohmann::json::parse(q.body);
    const bool tools = req.contains("tools") && req["tools"].is_array() && !req["tools"].empty();
    if (tools && !s_.Rule("refuse").empty()) return Fail(r, s_.Rule("refuse"));
    nlohmann::json messages = req["messages"];
    // What every server checks in the history it is sent.
    std::vector<std::string> ids;
    bool results = false;
    for (const auto& m : messages) {
      const std::string role = m.value("role", "");
      if (role == "tool") {
        results = true;
        const std::string id = m.value("tool_call_id", "");
        if (id.empty() && s_.Rule("ids") == "nonempty") return Fail(r, s_.Rule("ids_fixture"));
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
          r.status = 400;
          r.set_content(R"({"error":{"message":"tool_call_id )" + id + R"( matches no tool call","code":400}})",
                        "application/json");
          std::lock_guard<std::mutex> lock(mu_);
          ++errors_[400];
          return;
        }
      }
      if (role == "user" && m.value("content", "").rfind("Result of ", 0) == 0) results = true;
      if (role != "assistant" || !m.contains("tool_calls")) continue;
      for (const auto& tc : m["tool_calls"]) {
        const std::string id = tc.value("id", "");
        ids.push_back(id);
        if (s_.Rule("ids") == "nonempty" && id.empty()) return Fail(r, s_.Rule("ids_fixture"));
        if (s_.Rule("ids") == "mistral" && !std::regex_match(id, std::regex("[a-zA-Z0-9]{9}")))
          return Fail(r, s_.Rule("ids_fixture"));
        const nlohmann::json args = nlohmann::json::parse(tc["function"].value("arguments", ""), nullptr, false);
        if (!s_.Rule("history_args").empty() && (args.is_discarded() || !args.is_object()))
          return Fail(r, s_.Rule("history_args"));
      }
    }
    // The context window.
    const int window = s_.IntRule("window");
    int prompt = Tokens(messages, tools ? req["tools"] : nlohmann::json());
    const int max_tokens = req.value("max_tokens", 4096);
    if (window > 0 && s_.Rule("truncate") == "1") {
      // Ollama: the oldest messages after the system prompt go until the rest fits; not a word said.
      while (prompt > window && messages.size() > 2) {
        messages.erase(messages.begin() + 1);
        prompt = Tokens(messages, tools ? req["tools"] : nlohmann::json());
      }
    } else if (window > 0) {
      const int need = s_.Rule("count") == "prompt" ? prompt : prompt + max_tokens;
      if (need > window) return Fail(r, s_.Rule("overflow"), s_.IntRule("overflow_status"));
    }
    // The model: history and labs first, then a diagnosis once it has results.
    ModelCalls calls;
    if (!results) {
      calls = {{"get_history", nlohmann::json::object()}, {"order_labs", {{"tests", {"CBC", "BMP"}}}}};
    } else {
      calls = {{"submit_diagnosis", {{"diagnosis", "community-acquired pneumonia"}, {"icd10", "J18.9"}}}};
    }
    const bool cut = s_.Rule("first") == "truncated" && n == 1;
    nlohmann::json msg = {{"role", "assistant"}};
    std::string finish = "stop";
    if (s_.format == "native") {
      nlohmann::json list = nlohmann::json::array();
      int i = 0;
      for (const auto& [name, args] : calls) {
        nlohmann::json fn = {{"name", name}};
        if (s_.Rule("args") == "object") {
          fn["arguments"] = args;
        } else if (s_.Rule("args") == "empty" && args.empty()) {
          fn["arguments"] = "";
        } else {
          fn["arguments"] = args.dump();
        }
        nlohmann::json tc = {{"type", "function"}, {"function", fn}};
        if (s_.Rule("id") != "none") tc["id"] = Id(n * 10 + i);
        list.push_back(tc);
        ++i;
      }
      msg["tool_calls"] = list;
      finish = "tool_calls";
      const std::string content = s_.Rule("content", "empty");
      if (content == "null") msg["content"] = nullptr;
      if (content == "empty") msg["content"] = "";
      if (content == "prose") msg["content"] = "Working the case up.";
    } else {
      std::string text = RenderText(s_.format, calls);
      if (s_.Rule("reasoning") == "content") text = "<think>\nFever and cough {a thought}.\n</think>\n\n" + text;
      if (cut) {
        text = text.substr(0, text.size() * 3 / 5);
        finish = "length";
      }
      msg["content"] = text;
      if (s_.Rule("server") == "vLLM" || s_.Rule("server") == "LMStudio") msg["tool_calls"] = nlohmann::json::array();
    }
    if (s_.Rule("reasoning") == "field") msg["reasoning_content"] = "Cough and fever; history first.";
    const int completion = static_cast<int>(msg.dump().size() / 4);
    nlohmann::json out = {{"id", "chatcmpl-" + std::to_string(n)}, {"object", "chat.completion"}, {"model", s_.name}};
    out["choices"] = nlohmann::json::array({{{"index", 0}, {"message", msg}, {"finish_reason", finish}}});
    out["usage"] = {
        {"prompt_tokens", prompt}, {"completion_tokens", completion}, {"total_tokens", prompt + completion}};
    r.set_content(out.dump(), "application/json");
  }

  Situation s_;
  std::chrono::steady_clock::time_point start_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  int requests_ = 0;
  std::map<int, int> errors_;
};

}  // namespace medcred::test

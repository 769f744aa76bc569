#include "models/reply_formats.h"

#include <cctype>
#include <optional>

#include "common/json_util.h"
#include "common/text.h"

namespace medcred {
namespace {

using Json = nlohmann::json;
constexpr size_t npos = std::string_view::npos;

// A call in text is small: a JSON value is looked for within this many bytes
// of where it starts, and at most this many starts are tried (bounded work on
// any reply).
constexpr size_t kMaxCallBytes = 128 * 1024;
constexpr int kMaxStarts = 1000;

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

bool StartsWith(std::string_view text, size_t at, std::string_view token) {
  return text.size() >= at + token.size() && text.compare(at, token.size(), token) == 0;
}

size_t SkipSpace(std::string_view text, size_t i) {
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return i;
}

std::string ReadIdent(std::string_view text, size_t* i) {
  const size_t start = *i;
  while (*i < text.size() && IsIdentChar(text[*i])) ++*i;
  return std::string(text.substr(start, *i - start));
}

// The end (one past) of the JSON object or array opening at `at`, found by
// matching brackets outside strings; npos when it does not close in bounds.
size_t MatchBracket(std::string_view text, size_t at) {
  int depth = 0;
  JsonBrackets brackets;
  const size_t limit = std::min(text.size(), at + kMaxCallBytes);
  for (size_t i = at; i < limit; ++i) {
    const int step = brackets.Step(text[i]);
    depth += step;
    if (depth > kMaxJsonDepth || depth < 0) return npos;
    if (step < 0 && depth == 0) return i + 1;
  }
  return npos;
}

std::optional<Json> Parse(std::string_view text) {
  auto j = ParseJson(Trim(text), "a tool call in the reply");
  if (!j.ok()) return std::nullopt;
  return std::move(*j);
}

// Arguments as written: an object, a string holding JSON (decoded), or absent.
Json Arguments(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Json::object();
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    if (Trim(s).empty()) return Json::object();
    if (auto decoded = Parse(s)) return *decoded;
  }
  return *it;
}

bool StringField(const Json& j, const char* key) { return j.is_object() && j.contains(key) && j[key].is_string(); }

// {"name": ..., "arguments": ...} (also "parameters"; "id" kept).
std::optional<TextToolCall> NamedCall(const Json& j) {
  if (!StringField(j, "name")) return std::nullopt;
  TextToolCall c;
  c.name = j["name"].get<std::string>();
  c.arguments = Arguments(j, j.contains("arguments") ? "arguments" : "parameters");
  if (StringField(j, "id")) c.id = j["id"].get<std::string>();
  return c;
}

// One call object or a list of them; false when `j` is neither.
bool AddNamedCalls(const Json& j, TextReply* out) {
  if (j.is_array()) {
    bool any = false;
    for (const Json& e : j) {
      if (auto c = NamedCall(e)) {
        out->calls.push_back(std::move(*c));
        any = true;
      }
    }
    return any;
  }
  auto c = NamedCall(j);
  if (c) out->calls.push_back(std::move(*c));
  return c.has_value();
}

struct Span {
  size_t begin, end;
};

// `text` without the spans (sorted, disjoint), trimmed.
std::string Without(std::string_view text, const std::vector<Span>& spans) {
  std::string out;
  size_t i = 0;
  for (const Span& s : spans) {
    if (s.begin > i) out.append(text.substr(i, s.begin - i));
    i = std::max(i, s.end);
  }
  if (i < text.size()) out.append(text.substr(i));
  return Trim(out);
}

struct FoundObject {
  Span span;
  Json value;
};

// The JSON objects at the top level of free text.
std::vector<FoundObject> JsonObjects(std::string_view text) {
  std::vector<FoundObject> out;
  int starts = 0;
  for (size_t i = text.find('{'); i != npos && starts < kMaxStarts; i = text.find('{', i + 1), ++starts) {
    const size_t end = MatchBracket(text, i);
    if (end == npos) continue;
    auto j = Parse(text.substr(i, end - i));
    if (!j || !j->is_object()) continue;
    out.push_back({{i, end}, std::move(*j)});
    i = end - 1;
  }
  return out;
}

void AppendLine(std::string* to, std::string_view text) {
  const std::string t = Trim(text);
  if (t.empty()) return;
  if (!to->empty()) *to += "\n";
  *to += t;
}

// ---- readers ------------------------------------------------------------------

// gpt-oss harmony: messages `<|start|>HEADER<|message|>BODY<|end|>`, the first
// one's <|start|> in the prompt. A header naming `to=functions.NAME` is a call;
// the analysis channel is reasoning; the rest (final) is content.
bool ReadHarmony(std::string_view text, TextReply* out) {
  if (text.find("<|message|>") == npos && text.find("<|channel|>") == npos) return false;
  std::vector<std::string_view> segments;
  for (size_t i = 0;;) {
    const size_t next = text.find("<|start|>", i);
    segments.push_back(text.substr(i, next == npos ? npos : next - i));
    if (next == npos) break;
    i = next + 9;
  }
  for (std::string_view seg : segments) {
    const size_t msg = seg.find("<|message|>");
    if (msg == npos) {
      if (seg.find("<|") == npos) AppendLine(&out->content, seg);
      continue;
    }
    const std::string_view header = seg.substr(0, msg);
    std::string_view body = seg.substr(msg + 11);
    for (std::string_view end : {"<|end|>", "<|call|>", "<|return|>"}) {
      const size_t e = body.find(end);
      if (e != npos) body = body.substr(0, e);
    }
    const size_t to = header.find("to=functions.");
    if (to != npos) {
      size_t i = to + 13;
      TextToolCall c;
      c.name = ReadIdent(header, &i);
      auto args = Trim(body).empty() ? std::optional<Json>(Json::object()) : Parse(body);
      if (c.name.empty() || !args) {
        out->unreadable = true;
        continue;
      }
      c.arguments = std::move(*args);
      out->calls.push_back(std::move(c));
    } else if (header.find("analysis") != npos) {
      AppendLine(&out->reasoning, body);
    } else {
      AppendLine(&out->content, body);
    }
  }
  return true;
}

// DeepSeek V3/R1 (`function<｜tool▁sep｜>NAME\n```json\n{..}\n````) and V3.1
// (`NAME<｜tool▁sep｜>{..}`), each between <｜tool▁call▁begin｜> and <｜tool▁call▁end｜>.
bool ReadDeepSeek(std::string_view text, TextReply* out) {
  static const std::string kCallsBegin = "<\uFF5Ctool\u2581calls\u2581begin\uFF5C>";
  static const std::string kCallsEnd = "<\uFF5Ctool\u2581calls\u2581end\uFF5C>";
  static const std::string kBegin = "<\uFF5Ctool\u2581call\u2581begin\uFF5C>";
  static const std::string kEnd = "<\uFF5Ctool\u2581call\u2581end\uFF5C>";
  static const std::string kSep = "<\uFF5Ctool\u2581sep\uFF5C>";
  static const std::string kEos = "<\uFF5Cend\u2581of\u2581sentence\uFF5C>";
  size_t first = text.find(kCallsBegin);
  if (first == npos) first = text.find(kBegin);
  if (first == npos) return false;
  std::vector<Span> spans;
  size_t last = first;
  for (size_t p = text.find(kBegin, first); p != npos; p = text.find(kBegin, p + 1)) {
    const size_t body = p + kBegin.size();
    const size_t end = text.find(kEnd, body);
    std::string_view block = text.substr(body, end == npos ? npos : end - body);
    last = end == npos ? text.size() : end + kEnd.size();
    const size_t sep = block.find(kSep);
    if (sep == npos) {
      out->unreadable = true;
      continue;
    }
    const std::string left = Trim(block.substr(0, sep));
    std::string_view right = block.substr(sep + kSep.size());
    TextToolCall c;
    if (left == "function") {
      const size_t nl = right.find('\n');
      c.name = Trim(right.substr(0, nl));
      right = nl == npos ? std::string_view() : right.substr(nl + 1);
    } else {
      c.name = left;
    }
    const size_t fence = right.find("```");
    if (fence != npos) {
      right = right.substr(fence + 3);
      if (StartsWith(right, 0, "json")) right = right.substr(4);
      const size_t close = right.rfind("```");
      if (close != npos) right = right.substr(0, close);
    }
    auto args = Trim(right).empty() ? std::optional<Json>(Json::object()) : Parse(right);
    if (c.name.empty() || !args) {
      out->unreadable = true;
      continue;
    }
    c.arguments = std::move(*args);
    out->calls.push_back(std::move(c));
  }
  const size_t calls_end = text.find(kCallsEnd, last);
  if (calls_end != npos) last = calls_end + kCallsEnd.size();
  spans.push_back({first, last});
  std::string content = Without(text, spans);
  for (size_t e = content.find(kEos); e != npos; e = content.find(kEos)) content.erase(e, kEos.size());
  out->content = Trim(content);
  return true;
}

// Mistral: `[TOOL_CALLS]NAME[CALL_ID]ID[ARGS]{json}` repeated (tokenizer v11+;
// `[ARGS]` is dropped when vLLM decodes), or `[TOOL_CALLS][{"name": .., "arguments": ..}]`.
bool ReadMistral(std::string_view text, TextReply* out) {
  static const std::string kCalls = "[TOOL_CALLS]";
  const size_t first = text.find(kCalls);
  if (first == npos) return false;
  out->content = Trim(text.substr(0, first));
  size_t i = first + kCalls.size();
  while (i < text.size()) {
    i = SkipSpace(text, i);
    if (i >= text.size()) break;
    if (text[i] == '[' && !StartsWith(text, i, kCalls)) {
      const size_t end = MatchBracket(text, i);
      auto list = end == npos ? std::nullopt : Parse(text.substr(i, end - i));
      if (!list || !AddNamedCalls(*list, out)) {
        out->unreadable = true;
        return true;
      }
      i = end;
    } else {
      TextToolCall c;
      c.name = ReadIdent(text, &i);
      if (c.name.empty()) break;
      if (StartsWith(text, i, "[CALL_ID]")) {
        i += 9;
        while (i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]))) c.id += text[i++];
      }
      if (StartsWith(text, i, "[ARGS]")) i += 6;
      i = SkipSpace(text, i);
      const size_t end = i < text.size() && text[i] == '{' ? MatchBracket(text, i) : npos;
      auto args = end == npos ? std::nullopt : Parse(text.substr(i, end - i));
      if (!args) {
        out->unreadable = true;
        return true;
      }
      c.arguments = std::move(*args);
      out->calls.push_back(std::move(c));
      i = end;
    }
    i = SkipSpace(text, i);
    if (i < text.size() && text[i] == ',') i = SkipSpace(text, i + 1);
    if (StartsWith(text, i, kCalls)) i += kCalls.size();
  }
  return true;
}

// A JSON call (or list) between two markers, repeated: LM Studio's
// [TOOL_REQUEST]..[END_TOOL_REQUEST], Granite's <|tool_call|>[..].
bool ReadBetween(std::string_view text, std::string_view open, std::string_view close, TextReply* out) {
  size_t p = text.find(open);
  if (p == npos) return false;
  std::vector<Span> spans;
  for (; p != npos; p = text.find(open, p + 1)) {
    const size_t body = p + open.size();
    size_t end = close.empty() ? npos : text.find(close, body);
    const size_t next = text.find(open, body);
    if (next != npos && (end == npos || next < end)) end = npos;
    const size_t stop = end != npos ? end : (next != npos ? next : text.size());
    const size_t json_at = SkipSpace(text, body);
    const size_t json_end = json_at < stop ? MatchBracket(text, json_at) : npos;
    auto j = json_end == npos || json_end > stop ? std::nullopt : Parse(text.substr(json_at, json_end - json_at));
    if (!j || !AddNamedCalls(*j, out)) out->unreadable = true;
    spans.push_back({p, end != npos ? end + close.size() : (json_end != npos ? json_end : stop)});
  }
  out->content = Without(text, spans);
  return true;
}

bool ReadLmStudio(std::string_view text, TextReply* out) {
  return ReadBetween(text, "[TOOL_REQUEST]", "[END_TOOL_REQUEST]", out);
}

bool ReadGranite(std::string_view text, TextReply* out) { return ReadBetween(text, "<|tool_call|>", "", out); }

bool ReadHermes(std::string_view text, TextReply* out) {
  if (!ReadBetween(text, "<tool_call>", "</tool_call>", out)) return false;
  // A stray closing tag (the opening one was a special token the server dropped) is not content.
  for (size_t e = out->content.find("</tool_call>"); e != npos; e = out->content.find("</tool_call>")) {
    out->content.erase(e, 12);
  }
  out->content = Trim(out->content);
  return true;
}

// A parameter's text as a JSON value: JSON when it reads as JSON (a list, a
// number, true), else the text itself.
Json ParameterValue(std::string_view raw) {
  std::string_view v = raw;
  if (!v.empty() && v.front() == '\n') v.remove_prefix(1);
  if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  const std::string t = Trim(v);
  if (!t.empty() && (t[0] == '[' || t[0] == '{' || t[0] == '"' || t[0] == '-' ||
                     std::isdigit(static_cast<unsigned char>(t[0])) || t == "true" || t == "false" || t == "null")) {
    if (auto j = Parse(t)) return *j;
  }
  return std::string(v);
}

// Qwen3-Coder: <function=NAME><parameter=ARG>\nVALUE\n</parameter></function>,
// usually inside <tool_call>; Functionary v3.1 writes <function=NAME>{json}</function>.
bool ReadQwenXml(std::string_view text, TextReply* out) {
  static const std::string kFunction = "<function=";
  size_t p = text.find(kFunction);
  if (p == npos) return false;
  std::vector<Span> spans;
  for (; p != npos; p = text.find(kFunction, p + 1)) {
    size_t i = p + kFunction.size();
    const size_t gt = text.find('>', i);
    const size_t close = text.find("</function>", i);
    const size_t next = text.find(kFunction, i);
    size_t stop = close != npos && (next == npos || close < next) ? close : (next != npos ? next : text.size());
    const bool closed = stop == close;
    spans.push_back({p, closed ? close + 11 : stop});
    if (gt == npos || gt > stop) {
      out->unreadable = true;
      continue;
    }
    TextToolCall c;
    c.name = Trim(text.substr(i, gt - i));
    std::string_view body = text.substr(gt + 1, stop - gt - 1);
    if (body.find("<parameter=") != npos) {
      for (size_t q = body.find("<parameter="); q != npos;) {
        const size_t name_end = body.find('>', q);
        if (name_end == npos) {
          out->unreadable = true;
          break;
        }
        const std::string key = Trim(body.substr(q + 11, name_end - q - 11));
        const size_t value_end = body.find("</parameter>", name_end);
        const size_t next_param = body.find("<parameter=", name_end);
        const size_t end = value_end != npos && (next_param == npos || value_end < next_param)
                               ? value_end
                               : (next_param != npos ? next_param : body.size());
        c.arguments[key] = ParameterValue(body.substr(name_end + 1, end - name_end - 1));
        q = next_param;
      }
    } else if (!Trim(body).empty()) {
      auto args = Parse(body);
      if (!args) {
        out->unreadable = true;
        continue;
      }
      c.arguments = std::move(*args);
    }
    // A call cut off before </function> may have lost the end of a value: it is not read.
    if (c.name.empty() || !closed) {
      out->unreadable = true;
      continue;
    }
    out->calls.push_back(std::move(c));
  }
  std::string content = Without(text, spans);
  for (std::string_view tag : {"<tool_call>", "</tool_call>"}) {
    for (size_t e = content.find(tag); e != npos; e = content.find(tag)) content.erase(e, tag.size());
  }
  out->content = Trim(content);
  return true;
}

// Python literals and calls: [f(a=1, b=["x"]), g()] (Llama 3.2/4, ToolACE).
class Pythonic {
 public:
  explicit Pythonic(std::string_view s) : s_(s) {}

  bool Calls(std::vector<TextToolCall>* out) {
    if (!Eat('[')) return false;
    Space();
    if (Eat(']')) return AtEnd();
    for (;;) {
      TextToolCall c;
      if (!Call(&c)) return false;
      out->push_back(std::move(c));
      Space();
      if (Eat(',')) {
        Space();
        if (Eat(']')) return AtEnd();
        continue;
      }
      return Eat(']') && AtEnd();
    }
  }

 private:
  bool AtEnd() {
    Space();
    return i_ == s_.size();
  }
  void Space() { i_ = SkipSpace(s_, i_); }
  bool Eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string Name() {
    const size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.')) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  bool Call(TextToolCall* c) {
    c->name = Name();
    if (c->name.empty() || !std::isalpha(static_cast<unsigned char>(c->name[0]))) return false;
    Space();
    if (!Eat('(')) return false;
    Space();
    while (!Eat(')')) {
      const std::string key = Name();
      if (key.empty()) return false;
      Space();
      if (!Eat('=')) return false;
      Space();
      Json v;
      if (!Value(&v, 0)) return false;
      c->arguments[key] = std::move(v);
      Space();
      if (Eat(',')) {
        Space();
      } else if (i_ >= s_.size() || s_[i_] != ')') {
        return false;
      }
    }
    return true;
  }
  bool Sequence(char close, Json* out, int depth) {
    *out = Json::array();
    Space();
    while (!Eat(close)) {
      Json v;
      if (!Value(&v, depth + 1)) return false;
      out->push_back(std::move(v));
      Space();
      if (Eat(',')) {
        Space();
      } else if (i_ >= s_.size() || s_[i_] != close) {
        return false;
      }
    }
    return true;
  }
  bool Value(Json* out, int depth) {
    if (depth > kMaxJsonDepth || i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '"' || c == '\'') return String(out);
    if (c == '[') return ++i_, Sequence(']', out, depth);
    if (c == '(') return ++i_, Sequence(')', out, depth);
    if (c == '{') {
      ++i_;
      *out = Json::object();
      Space();
      while (!Eat('}')) {
        Json key, v;
        if (!String(&key)) return false;
        Space();
        if (!Eat(':')) return false;
        Space();
        if (!Value(&v, depth + 1)) return false;
        (*out)[key.get<std::string>()] = std::move(v);
        Space();
        if (Eat(',')) {
          Space();
        } else if (i_ >= s_.size() || s_[i_] != '}') {
          return false;
        }
      }
      return true;
    }
    if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
      const size_t start = i_;
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == 'e' ||
                                s_[i_] == 'E' || s_[i_] == '+' || s_[i_] == '-')) {
        ++i_;
      }
      std::string num(s_.substr(start, i_ - start));
      if (num[0] == '+') num.erase(0, 1);
      if (!num.empty() && num[0] == '.') num.insert(0, "0");
      if (num.size() > 1 && num[0] == '-' && num[1] == '.') num.insert(1, "0");
      auto j = Parse(num);
      if (!j || !j->is_number()) return false;
      *out = std::move(*j);
      return true;
    }
    const std::string word = Name();
    if (word == "True" || word == "true") return *out = true, true;
    if (word == "False" || word == "false") return *out = false, true;
    if (word == "None" || word == "null") return *out = nullptr, true;
    return false;
  }
  bool String(Json* out) {
    if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) return false;
    const char quote = s_[i_++];
    std::string v;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_++];
      if (c == '\\' && i_ < s_.size()) {
        c = s_[i_++];
        if (c == 'n') c = '\n';
        if (c == 't') c = '\t';
      }
      v += c;
    }
    if (!Eat(quote)) return false;
    *out = v;
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
};

bool ReadPythonic(std::string_view text, TextReply* out) {
  std::string t = Trim(text);
  for (auto [open, close] : {std::pair<std::string_view, std::string_view>{"<|python_start|>", "<|python_end|>"},
                             {"<|tool_call_start|>", "<|tool_call_end|>"}}) {
    if (StartsWith(t, 0, open)) {
      t = t.substr(open.size());
      const size_t e = t.rfind(close);
      if (e != npos) t = t.substr(0, e);
      t = Trim(t);
    }
  }
  // [name( at the start: the whole reply is the list of calls.
  size_t i = SkipSpace(t, 1);
  if (t.empty() || t[0] != '[' || i >= t.size() || !std::isalpha(static_cast<unsigned char>(t[i]))) return false;
  while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '_' || t[i] == '.')) ++i;
  if (SkipSpace(t, i) >= t.size() || t[SkipSpace(t, i)] != '(') return false;
  std::vector<TextToolCall> calls;
  if (!Pythonic(t).Calls(&calls)) {
    out->unreadable = true;
    return true;
  }
  out->calls = std::move(calls);
  return true;
}

// Calls among the JSON objects of free text; `read` turns one object into calls.
bool ReadJsonObjects(std::string_view text, TextReply* out, bool (*read)(const Json& j, TextReply* out)) {
  std::vector<Span> spans;
  for (const FoundObject& o : JsonObjects(text)) {
    if (read(o.value, out)) spans.push_back(o.span);
  }
  if (spans.empty()) return false;
  std::string content = Without(text, spans);
  if (content.find_first_not_of("; \t\r\n") == std::string::npos) content.clear();
  out->content = content;
  return true;
}

// Llama 3.x: {"name": .., "parameters": {..}} (optionally "type": "function"),
// after <|python_tag|>, several joined by "; ".
bool ReadLlama3(std::string_view text, TextReply* out) {
  std::string_view t = text;
  const size_t tag = t.find("<|python_tag|>");
  if (tag != npos) t = t.substr(tag + 14);
  return ReadJsonObjects(t, out, [](const Json& j, TextReply* o) {
    if (!StringField(j, "name") || !j.contains("parameters")) return false;
    return AddNamedCalls(j, o);
  });
}

// llama-server's "generic" format: the whole reply is {"tool_call": {..}},
// {"tool_calls": [..]} or {"response": ".."}.
bool ReadGeneric(std::string_view text, TextReply* out) {
  const std::string t = Trim(text);
  if (t.empty() || t[0] != '{') return false;
  auto j = Parse(t);
  if (!j || !j->is_object()) return false;
  const bool one = j->contains("tool_call") && (*j)["tool_call"].is_object();
  const bool many = j->contains("tool_calls") && (*j)["tool_calls"].is_array();
  if (one || many) {
    if (!AddNamedCalls((*j)[one ? "tool_call" : "tool_calls"], out)) out->unreadable = true;
    return true;
  }
  if (j->size() == 1 && StringField(*j, "response")) {
    out->content = (*j)["response"].get<std::string>();
    return true;
  }
  return false;
}

// medcred's own: {"tool": NAME, "arguments": {..}}; also {"name": NAME, "arguments": {..}}.
bool ReadJsonAction(std::string_view text, TextReply* out) {
  return ReadJsonObjects(text, out, [](const Json& j, TextReply* o) {
    TextToolCall c;
    if (StringField(j, "tool")) {
      c.name = j["tool"].get<std::string>();
    } else if (StringField(j, "name") && j.contains("arguments")) {
      c.name = j["name"].get<std::string>();
    } else {
      return false;
    }
    c.arguments = Arguments(j, "arguments");
    o->calls.push_back(std::move(c));
    return true;
  });
}

// <think>..</think> blocks (an unclosed one runs to the end; a </think>
// without an opening tag closes one the prompt opened) are reasoning.
std::string SetReasoningApart(std::string_view text, std::string* reasoning) {
  std::string out;
  size_t i = 0;
  const size_t first_close = text.find("</think>"), first_open = text.find("<think>");
  if (first_close != npos && (first_open == npos || first_close < first_open)) {
    AppendLine(reasoning, text.substr(0, first_close));
    i = first_close + 8;
  }
  for (;;) {
    const size_t open = text.find("<think>", i);
    if (open == npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, open - i));
    const size_t close = text.find("</think>", open + 7);
    if (close == npos) {
      AppendLine(reasoning, text.substr(open + 7));
      break;
    }
    AppendLine(reasoning, text.substr(open + 7, close - open - 7));
    i = close + 8;
  }
  return out;
}

}  // namespace

const std::vector<ReplyFormat>& ReplyFormats() {
  static const std::vector<ReplyFormat> kFormats = {
      {"harmony", "harmony.json",
       "llama.cpp tests/test-chat.cpp (GPT-OSS); vllm tool_parsers/openai_tool_parser.py; ollama "
       "harmony/harmonyparser.go",
       ReadHarmony},
      {"deepseek", "deepseek_v3.json",
       "vllm tool_parsers/deepseekv3_tool_parser.py and deepseekv31_tool_parser.py; ollama model/parsers/deepseek3.go",
       ReadDeepSeek},
      {"mistral", "mistral_v11.json",
       "mistral-common tokens/tokenizers/base.py; vllm tool_parsers/mistral_tool_parser.py; llama.cpp "
       "tests/test-chat.cpp",
       ReadMistral},
      {"lmstudio", "lmstudio_tool_request.json", "lmstudio docs 1_developer/3_openai-compat/tools.mdx", ReadLmStudio},
      {"granite", "granite.json", "vllm tool_parsers/granite_tool_parser.py", ReadGranite},
      {"qwen3_xml", "qwen3_xml.json",
       "vllm tool_parsers/qwen3coder_tool_parser.py; llama.cpp tests/test-chat.cpp (Qwen3-Coder); ollama "
       "model/parsers/qwen3coder.go",
       ReadQwenXml},
      {"hermes", "hermes_two_calls.json",
       "vllm tool_parsers/hermes_tool_parser.py; llama.cpp tests/test-chat.cpp (Qwen2.5, Hermes 3); SGLang docs "
       "advanced_features/tool_parser.md",
       ReadHermes},
      {"pythonic", "pythonic.json",
       "vllm tool_parsers/pythonic_tool_parser.py and llama4_pythonic_tool_parser.py; vLLM docs "
       "features/tool_calling.md",
       ReadPythonic},
      {"llama3_json", "llama3_semicolon_two_calls.json",
       "vllm tool_parsers/llama_tool_parser.py; llama.cpp common/chat.cpp (Llama 3.x)", ReadLlama3},
      {"llamacpp_generic", "llamacpp_generic.json", "llama.cpp common/chat.cpp common_chat_params_init_generic",
       ReadGeneric},
      {"json_action", "think_then_json.json", "medcred protocol: text mode (data/protocol-v2.json)", ReadJsonAction},
  };
  return kFormats;
}

std::string WithoutReasoning(std::string_view content, std::string* reasoning) {
  return SetReasoningApart(content, reasoning);
}

TextReply ReadTextToolCalls(std::string_view content) {
  TextReply reply;
  const std::string text = SetReasoningApart(content, &reply.reasoning);
  for (const ReplyFormat& f : ReplyFormats()) {
    TextReply r;
    r.reasoning = reply.reasoning;
    if (f.read(text, &r)) {
      r.format = f.name;
      return r;
    }
  }
  reply.content = Trim(text);
  return reply;
}

}  // namespace medcred

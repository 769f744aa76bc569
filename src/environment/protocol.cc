#include "environment/protocol.h"

#include <set>

#include "common/data_file.h"
#include "common/json_util.h"
#include "common/sha256.h"

namespace medcred {
namespace {

constexpr size_t kMaxArgumentBytes = 64 * 1024;  // a tool call is small; anything bigger is refused
constexpr size_t kMaxNameChars = 200;            // one test name, modality, region
constexpr size_t kMaxDiagnosisChars = 1000;

struct ToolSpec {
  ToolName name;
  const char* text;
  std::set<std::string> allowed;  // argument names
};

const std::vector<ToolSpec>& Tools() {
  static const std::vector<ToolSpec> kTools = {
      {ToolName::kGetHistory, "get_history", {}},
      {ToolName::kPhysicalExam, "physical_exam", {}},
      {ToolName::kOrderLabs, "order_labs", {"tests"}},
      {ToolName::kOrderMicrobiology, "order_microbiology", {"tests"}},
      {ToolName::kOrderImaging, "order_imaging", {"modality", "region"}},
      {ToolName::kOrderEcg, "order_ecg", {}},
      {ToolName::kSubmitDiagnosis, "submit_diagnosis", {"diagnosis", "icd10", "differential", "confidence"}},
  };
  return kTools;
}

Result<std::string> ShortString(const nlohmann::json& v, const std::string& where, size_t max_chars,
                                bool allow_empty = false) {
  if (!v.is_string()) return Status::BadInput(where + " must be a string");
  const std::string s = v.get<std::string>();
  if (!allow_empty && s.find_first_not_of(" \t\r\n") == std::string::npos)
    return Status::BadInput(where + " must not be empty");
  if (s.size() > max_chars)
    return Status::BadInput(where + " is longer than " + std::to_string(max_chars) + " characters");
  return s;
}

Result<std::vector<std::string>> StringList(const nlohmann::json& v, const std::string& where, size_t min, size_t max) {
  if (!v.is_array() || v.size() < min || v.size() > max) {
    return Status::BadInput(where + " must be a list of " + std::to_string(min) + " to " + std::to_string(max) +
                            " strings");
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    MEDCRED_ASSIGN_OR_RETURN(std::string s, ShortString(v[i], where + "[" + std::to_string(i) + "]", kMaxNameChars));
    out.push_back(std::move(s));
  }
  return out;
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

}  // namespace

const char* ToolNameString(ToolName name) {
  for (const auto& t : Tools()) {
    if (t.name == name) return t.text;
  }
  return "?";
}

Result<Protocol> Protocol::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(f.text, f.path));
  if (!j.is_object()) return Status::BadInput(f.path + ": not a JSON object");
  Protocol p;
  p.sha256_ = f.sha256;
  auto text = [&](const char* key, std::string* out) -> Status {
    if (!j.contains(key) || !j[key].is_string()) return Status::BadInput(f.path + ": \"" + key + "\" must be a string");
    *out = j[key].get<std::string>();
    return Status::OK();
  };
  MEDCRED_RETURN_IF_ERROR(text("version", &p.version_));
  MEDCRED_RETURN_IF_ERROR(text("system_prompt", &p.system_prompt_));
  MEDCRED_RETURN_IF_ERROR(text("reminder", &p.reminder_));
  p.truncated_ = p.reminder_;
  if (j.contains("truncated")) MEDCRED_RETURN_IF_ERROR(text("truncated", &p.truncated_));
  if (!j.contains("tools") || !j["tools"].is_array()) return Status::BadInput(f.path + ": \"tools\" must be a list");
  p.tools_ = j["tools"];
  // The schemas must declare exactly the tools and arguments the parser accepts.
  std::set<std::string> declared;
  for (const auto& t : p.tools_) {
    const nlohmann::json fn = t.value("function", nlohmann::json::object());
    const std::string name = fn.value("name", "");
    const ToolSpec* spec = nullptr;
    for (const auto& s : Tools()) {
      if (name == s.text) spec = &s;
    }
    if (spec == nullptr) return Status::BadInput(f.path + ": tool '" + name + "' is not one of the protocol's tools");
    std::set<std::string> props;
    const nlohmann::json params = fn.value("parameters", nlohmann::json::object());
    const nlohmann::json properties = params.value("properties", nlohmann::json::object());
    for (auto it = properties.begin(); it != properties.end(); ++it) props.insert(it.key());
    if (props != spec->allowed)
      return Status::BadInput(f.path + ": tool '" + name + "' declares other arguments than the parser accepts");
    declared.insert(name);
  }
  if (declared.size() != Tools().size())
    return Status::BadInput(f.path + ": every protocol tool must be declared once");
  const nlohmann::json lim = j.value("limits", nlohmann::json::object());
  auto limit = [&](const char* key, int* out, int lo, int hi) -> Status {
    if (!lim.contains(key) || !lim[key].is_number_integer() || lim[key].get<int>() < lo || lim[key].get<int>() > hi) {
      return Status::BadInput(f.path + ": limits." + key + " must be an integer from " + std::to_string(lo) + " to " +
                              std::to_string(hi));
    }
    *out = lim[key].get<int>();
    return Status::OK();
  };
  MEDCRED_RETURN_IF_ERROR(limit("max_turns", &p.limits_.max_turns, 1, 1000));
  MEDCRED_RETURN_IF_ERROR(limit("max_tool_calls", &p.limits_.max_tool_calls, 1, 10000));
  MEDCRED_RETURN_IF_ERROR(limit("call_timeout_seconds", &p.limits_.call_timeout_seconds, 1, 3600));
  MEDCRED_RETURN_IF_ERROR(limit("max_output_tokens", &p.limits_.max_output_tokens, 1, 1000000));
  MEDCRED_RETURN_IF_ERROR(limit("reminders", &p.limits_.reminders, 0, 10));
  MEDCRED_RETURN_IF_ERROR(limit("max_tests_per_order", &p.limits_.max_tests_per_order, 1, 100));
  if (j.contains("text_mode")) {
    JsonFields t(j["text_mode"], f.path + ": text_mode");
    std::string instructions = t.Str("instructions");
    const std::string tool_line = t.Str("tool");
    p.text_result_ = t.Str("result");
    p.text_separator_ = t.Str("results_separator");
    MEDCRED_RETURN_IF_ERROR(t.status());
    std::string lines;
    for (const auto& tool : p.tools_) {
      const nlohmann::json& fn = tool["function"];
      std::string line = tool_line;
      ReplaceAll(line, "{parameters}", SafeDump(fn.value("parameters", nlohmann::json::object())));
      ReplaceAll(line, "{description}", fn.value("description", ""));
      ReplaceAll(line, "{name}", fn.value("name", ""));
      lines += (lines.empty() ? "" : "\n") + line;
    }
    ReplaceAll(instructions, "{tools}", lines);
    p.text_system_prompt_ = p.system_prompt_ + "\n\n" + instructions;
  }
  return p;
}

std::string Protocol::TextResults(const std::vector<std::pair<std::string, std::string>>& results) const {
  std::string out;
  for (const auto& [tool, result] : results) {
    std::string r = text_result_;
    ReplaceAll(r, "{result}", result);
    ReplaceAll(r, "{tool}", tool);
    out += (out.empty() ? "" : text_separator_) + r;
  }
  return out;
}

nlohmann::json ToolCall::ToJson() const {
  nlohmann::json j = {{"tool", ToolNameString(name)}};
  switch (name) {
    case ToolName::kOrderLabs:
    case ToolName::kOrderMicrobiology:
      j["tests"] = tests;
      break;
    case ToolName::kOrderImaging:
      j["modality"] = modality;
      j["region"] = region;
      break;
    case ToolName::kSubmitDiagnosis:
      j["diagnosis"] = diagnosis;
      if (icd10) j["icd10"] = *icd10;
      if (!differential.empty()) j["differential"] = differential;
      if (confidence) j["confidence"] = *confidence;
      break;
    default:
      break;
  }
  return j;
}

Result<ToolCall> ParseToolCall(std::string_view name, std::string_view arguments, int max_tests) {
  const ToolSpec* spec = nullptr;
  for (const auto& s : Tools()) {
    if (name == s.text) spec = &s;
  }
  if (spec == nullptr) {
    std::string list;
    for (const auto& s : Tools()) list += (list.empty() ? "" : ", ") + std::string(s.text);
    return Status::BadInput("unknown tool '" + std::string(name.substr(0, kMaxNameChars)) + "'; the tools are " + list);
  }
  const std::string where = spec->text;
  if (arguments.size() > kMaxArgumentBytes) return Status::BadInput(where + ": the arguments are larger than 64 KiB");
  nlohmann::json args = nlohmann::json::object();
  if (arguments.find_first_not_of(" \t\r\n") != std::string_view::npos) {
    auto parsed = ParseJson(arguments, where);
    if (!parsed.ok()) {
      if (JsonDepth(arguments) > kMaxJsonDepth)
        return Status::BadInput(where + ": the arguments are nested deeper than " + std::to_string(kMaxJsonDepth) +
                                " levels");
      return Status::BadInput(where + ": the arguments are not valid JSON");
    }
    args = std::move(*parsed);
    if (args.is_null()) args = nlohmann::json::object();
    if (!args.is_object()) return Status::BadInput(where + ": the arguments must be a JSON object");
  }
  for (const auto& [key, value] : args.items()) {
    if (!spec->allowed.count(key)) {
      return Status::BadInput(where + ": unknown argument '" + key.substr(0, kMaxNameChars) + "'");
    }
  }
  ToolCall call;
  call.name = spec->name;
  auto required = [&](const char* key) -> Status {
    if (!args.contains(key)) return Status::BadInput(where + ": the argument '" + key + "' is required");
    return Status::OK();
  };
  switch (spec->name) {
    case ToolName::kOrderLabs:
    case ToolName::kOrderMicrobiology: {
      MEDCRED_RETURN_IF_ERROR(required("tests"));
      MEDCRED_ASSIGN_OR_RETURN(call.tests,
                               StringList(args["tests"], where + ": 'tests'", 1, static_cast<size_t>(max_tests)));
      break;
    }
    case ToolName::kOrderImaging: {
      MEDCRED_RETURN_IF_ERROR(required("modality"));
      MEDCRED_RETURN_IF_ERROR(required("region"));
      MEDCRED_ASSIGN_OR_RETURN(call.modality, ShortString(args["modality"], where + ": 'modality'", kMaxNameChars));
      MEDCRED_ASSIGN_OR_RETURN(call.region, ShortString(args["region"], where + ": 'region'", kMaxNameChars, true));
      break;
    }
    case ToolName::kSubmitDiagnosis: {
      MEDCRED_RETURN_IF_ERROR(required("diagnosis"));
      MEDCRED_ASSIGN_OR_RETURN(call.diagnosis,
                               ShortString(args["diagnosis"], where + ": 'diagnosis'", kMaxDiagnosisChars, true));
      if (args.contains("icd10") && !args["icd10"].is_null()) {
        MEDCRED_ASSIGN_OR_RETURN(std::string code, ShortString(args["icd10"], where + ": 'icd10'", 16, true));
        call.icd10 = code;
      }
      if (args.contains("differential") && !args["differential"].is_null()) {
        MEDCRED_ASSIGN_OR_RETURN(call.differential,
                                 StringList(args["differential"], where + ": 'differential'", 0, 10));
      }
      if (args.contains("confidence") && !args["confidence"].is_null()) {
        const auto& c = args["confidence"];
        if (!c.is_number() || c.get<double>() < 0 || c.get<double>() > 1) {
          return Status::BadInput(where + ": 'confidence' must be a number from 0 to 1");
        }
        call.confidence = c.get<double>();
      }
      break;
    }
    case ToolName::kGetHistory:
    case ToolName::kPhysicalExam:
    case ToolName::kOrderEcg:
      break;
  }
  return call;
}

}  // namespace medcred

#include "grading/judge.h"

#include <sstream>

#include "common/data_file.h"
#include "common/json_util.h"
#include "common/text.h"

namespace medcred {
namespace {

std::string Describe(const IcdReference* ref, const std::vector<std::string>& codes) {
  if (codes.empty()) return "none";
  std::string out;
  for (const std::string& c : codes) {
    if (!out.empty()) out += "; ";
    out += c;
    const std::string& title = ref != nullptr ? ref->Title(c) : std::string();
    if (!title.empty()) out += " " + title;
  }
  return out;
}

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

}  // namespace

Result<Judge> Judge::Load(Model* model, const IcdReference* reference, const std::string& rubric_file) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(rubric_file));
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(f));
  Judge j;
  j.model_ = model;
  j.ref_ = reference;
  j.sha256_ = f.sha256;
  auto version = root["version"].value<std::string>();
  auto system = root["system"].value<std::string>();
  auto prompt = root["prompt"].value<std::string>();
  auto tool_name = root["tool"]["name"].value<std::string>();
  auto tool_desc = root["tool"]["description"].value<std::string>();
  if (!version) return Status::BadInput(f.path + ": version must be a string");
  if (!system || system->empty()) return Status::BadInput(f.path + ": system must be the judge's instructions");
  if (!prompt || prompt->find("{answer}") == std::string::npos || prompt->find("{truth}") == std::string::npos) {
    return Status::BadInput(f.path + ": prompt must contain {truth} and {answer}");
  }
  if (!tool_name || tool_name->empty() || !tool_desc)
    return Status::BadInput(f.path + ": [tool] needs name and description");
  j.version_ = *version;
  j.system_ = Trim(*system);
  j.prompt_ = Trim(*prompt);
  j.tools_ = nlohmann::json::array(
      {{{"type", "function"},
        {"function",
         {{"name", *tool_name},
          {"description", *tool_desc},
          {"parameters",
           {{"type", "object"},
            {"properties", {{"correct", {{"type", "boolean"}}}, {"reason", {{"type", "string"}}}}},
            {"required", {"correct"}}}}}}}});
  return j;
}

Result<JudgeVerdict> Judge::ParseVerdict(const ModelReply& reply) {
  for (const ModelToolCall& tc : reply.tool_calls) {
    if (tc.name != "verdict") continue;
    auto parsed = ParseJson(tc.arguments, "the judge's verdict");
    const nlohmann::json args = parsed.ok() ? *parsed : nlohmann::json();
    if (!args.is_object() || !args.contains("correct") || !args["correct"].is_boolean()) {
      return Status::BadInput("the judge's verdict call has no boolean `correct`");
    }
    JudgeVerdict v;
    v.correct = args["correct"].get<bool>();
    if (args.contains("reason") && args["reason"].is_string()) v.reason = args["reason"];
    return v;
  }
  std::istringstream in(reply.content);
  std::string first;
  in >> first;
  std::string word;
  for (char c : first) {
    if (std::isalpha(static_cast<unsigned char>(c))) word += c;
  }
  word = Upper(word);
  if (word != "CORRECT" && word != "INCORRECT") {
    return Status::BadInput("the judge replied neither CORRECT nor INCORRECT nor a verdict call");
  }
  JudgeVerdict v;
  v.correct = word == "CORRECT";
  std::getline(in, v.reason, '\0');
  v.reason = Trim(v.reason);
  return v;
}

Result<JudgeVerdict> Judge::Ask(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                                const std::string& answer_text, const std::optional<std::string>& answer_code) const {
  std::string answer = answer_text.empty() ? "(none given)" : answer_text;
  if (answer_code && !answer_code->empty()) answer += " (ICD-10-CM " + *answer_code + ")";
  std::string prompt = prompt_;
  ReplaceAll(prompt, "{truth}", Describe(ref_, truth));
  ReplaceAll(prompt, "{secondary}", Describe(ref_, secondary));
  ReplaceAll(prompt, "{answer}", answer);
  const Conversation messages = {ChatMessage::System(system_), ChatMessage::User(prompt)};
  MEDCRED_ASSIGN_OR_RETURN(ModelReply reply, model_->Complete(messages, tools_, EpisodeContext{}));
  return ParseVerdict(reply);
}

}  // namespace medcred

#include "credentials/report.h"

#include <filesystem>
#include <sstream>

#include "common/file_util.h"
#include "common/time.h"
#include "common/version.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> Strings(const nlohmann::json& j, const std::string& where) {
  std::vector<std::string> out;
  if (!j.is_array()) throw std::runtime_error(where + " is not a list");
  for (const auto& e : j) {
    if (!e.is_string()) throw std::runtime_error(where + " holds a non-string");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// Reads one episode record into a GradedEpisode and re-grades it. Throws
// std::runtime_error naming the field (caught once, by the caller, and turned
// into a BadInput naming the line).
GradedEpisode ReadEpisode(nlohmann::json& j, const Grader& grader, const Judge* judge, bool* changed) {
  GradedEpisode e;
  auto str = [&](const char* k) {
    if (!j.contains(k) || !j[k].is_string())
      throw std::runtime_error(std::string("field `") + k + "` is missing or not text");
    return j[k].get<std::string>();
  };
  auto num = [&](const char* k) {
    if (!j.contains(k) || !j[k].is_number())
      throw std::runtime_error(std::string("field `") + k + "` is missing or not a number");
    return j[k].get<double>();
  };
  e.case_id = str("case_id");
  e.split = str("split");
  e.outcome = str("outcome");
  e.turns = static_cast<int>(num("turns"));
  e.cost = num("cost");
  e.invalid_orders = static_cast<int>(j.value("invalid_orders", 0));
  e.protocol_errors = static_cast<int>(j.value("protocol_errors", 0));
  if (!j.contains("categories")) throw std::runtime_error("field `categories` is missing");
  e.categories = Strings(j["categories"], "field `categories`");
  if (!j.contains("truth") || !j["truth"].is_object()) {
    throw std::runtime_error("field `truth` is missing (written by a medcred older than 0.6; rerun the episodes)");
  }
  const auto truth = Strings(j["truth"].value("principal", nlohmann::json::array()), "field `truth.principal`");
  const auto secondary = Strings(j["truth"].value("secondary", nlohmann::json::array()), "field `truth.secondary`");
  if (j.contains("tests_ordered")) {
    for (const auto& t : Strings(j["tests_ordered"], "field `tests_ordered`")) e.tests_ordered.insert(t);
  }
  if (j.contains("tests_performed")) {
    for (const auto& t : Strings(j["tests_performed"], "field `tests_performed`")) e.tests_performed.insert(t);
  }
  const nlohmann::json& answer = j.contains("answer") ? j["answer"] : nlohmann::json(nullptr);
  std::string text;
  std::optional<std::string> code;
  if (answer.is_object()) {
    if (answer.contains("diagnosis") && answer["diagnosis"].is_string()) text = answer["diagnosis"];
    if (answer.contains("icd10") && answer["icd10"].is_string()) code = answer["icd10"].get<std::string>();
  }
  e.grade = grader.GradeAnswer(truth, secondary, text, code);
  const nlohmann::json grade = {
      {"level", e.grade.level},
      {"credit", e.grade.credit},
      {"mapped_code", e.grade.mapped_code.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.grade.mapped_code)}};
  if (j.value("grade", nlohmann::json()) != grade) {
    j["grade"] = grade;
    *changed = true;
  }
  if (judge != nullptr && answer.is_object()) {
    auto v = judge->Ask(truth, secondary, text, code);
    if (v.ok()) {
      j["judge"] = {
          {"model", judge->spec()}, {"rubric", judge->rubric_sha256()}, {"correct", v->correct}, {"reason", v->reason}};
    } else {
      j["judge"] = {{"model", judge->spec()}, {"rubric", judge->rubric_sha256()}, {"error", v.status().message()}};
    }
    *changed = true;
  }
  if (j.contains("judge") && j["judge"].is_object() && j["judge"].contains("correct") &&
      j["judge"]["correct"].is_boolean()) {
    e.judge_correct = j["judge"]["correct"].get<bool>();
  }
  return e;
}

}  // namespace

Result<RunOutputs> BuildRunOutputs(const std::string& run_dir, const Grader& grader, const Taxonomy& taxonomy,
                                   Judge* judge) {
  const std::string run_path = (fs::path(run_dir) / "run.json").string();
  const std::string episodes_path = (fs::path(run_dir) / "episodes.jsonl").string();
  std::error_code ec;
  if (!fs::exists(run_path, ec)) return Status::Usage(run_dir + " is not a run directory (no run.json)");
  MEDCRED_ASSIGN_OR_RETURN(std::string run_text, ReadWholeFile(run_path));
  nlohmann::json run = nlohmann::json::parse(run_text, nullptr, false);
  if (run.is_discarded() || !run.is_object() || !run.contains("fingerprint") || !run["fingerprint"].is_object()) {
    return Status::BadInput(run_path + ": not a run.json (no fingerprint)");
  }
  const nlohmann::json& fp = run["fingerprint"];
  std::string text;
  if (fs::exists(episodes_path, ec)) {
    MEDCRED_ASSIGN_OR_RETURN(text, ReadWholeFile(episodes_path));
  }
  std::vector<GradedEpisode> episodes;
  std::string rewritten;
  bool changed = false;
  RunOutputs out;
  std::istringstream lines(text);
  int line_no = 0;
  for (std::string line; std::getline(lines, line);) {
    ++line_no;
    if (line.empty()) continue;
    const std::string where = episodes_path + ":" + std::to_string(line_no);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::BadInput(where + ": not a JSON object");
    bool this_changed = false;
    try {
      const nlohmann::json old_grade = j.value("grade", nlohmann::json());
      episodes.push_back(ReadEpisode(j, grader, judge, &this_changed));
      if (!old_grade.is_null() && j["grade"] != old_grade) ++out.regraded;
    } catch (const std::exception& e) {  // ReadEpisode reports a bad field by exception
      return Status::BadInput(where + ": " + e.what());
    }
    changed = changed || this_changed;
    rewritten += (this_changed ? j.dump() : line) + "\n";
  }
  if (changed) MEDCRED_RETURN_IF_ERROR(WriteFileAtomically(episodes_path, rewritten, 0600));

  const Methodology& m = grader.methodology();
  out.methodology = m;
  const bool demo = run.value("demo", false);
  out.credentials = Summarize(episodes, m, taxonomy, demo);
  const Credentials& cr = out.credentials;

  nlohmann::json hashes = fp.value("hashes", nlohmann::json::object());
  hashes["lexicon"] = grader.lexicon_sha256();
  hashes["methodology"] = m.sha256;
  hashes["taxonomy"] = taxonomy.sha256();
  nlohmann::json categories = nlohmann::json::object();
  for (const CategoryResult& c : cr.categories) categories[c.name] = CategoryJson(c);
  nlohmann::json judge_json = nullptr;
  if (cr.judged > 0) {
    judge_json = {{"judged", cr.judged},
                  {"agreement", cr.judge_agreement ? nlohmann::json(*cr.judge_agreement) : nlohmann::json(nullptr)}};
  }
  out.summary = {{"model", fp.value("model", "")},
                 {"dataset", fp.value("dataset", nlohmann::json::object())},
                 {"demo", demo},
                 {"episodes", cr.episodes},
                 {"split", cr.split},
                 {"categories", categories},
                 {"outcomes", cr.outcomes},
                 {"levels", cr.levels},
                 {"judge", judge_json},
                 {"methodology_version", m.version},
                 {"medcred_version", kVersion},
                 {"hashes", hashes}};

  // credentials.json: what a registry entry is made from; ranked, publishable.
  nlohmann::json ranked = nlohmann::json::array();
  const nlohmann::json full_suites = run.value("suites", nlohmann::json::object());
  for (const CategoryResult& c : cr.categories) {
    nlohmann::json r = {{"name", c.name},
                        {"title", c.title},
                        {"kind", c.kind},
                        {"rank", c.rank},
                        {"n", c.n},
                        {"points", c.points},
                        {"correct", c.correct},
                        {"accuracy", c.accuracy},
                        {"ci_low", c.ci.low},
                        {"ci_high", c.ci.high},
                        {"tier", c.tier},
                        {"suite_sha256", c.suite_sha256},
                        {"complete_suite", full_suites.value(c.name, "") == c.suite_sha256}};
    ranked.push_back(r);
  }
  nlohmann::json settings = fp;
  settings.erase("hashes");
  settings.erase("dataset");
  settings.erase("model");
  settings.erase("case_ids");  // case ids are never published; their count is
  settings["case_ids_given"] = fp.value("case_ids", nlohmann::json::array()).size();
  settings["limits"] = run.value("limits", nlohmann::json::object());
  out.credentials_json = {{"format", "medcred-credentials-v1"},
                          {"model", fp.value("model", "")},
                          {"demo", demo},
                          {"dataset", fp.value("dataset", nlohmann::json::object())},
                          {"methodology", {{"version", m.version}, {"sha256", m.sha256}}},
                          {"split", cr.split},
                          {"confidence", m.confidence},
                          {"medcred_version", run.value("medcred_version", "")},
                          {"git_commit", run.value("git_commit", "")},
                          {"protocol_version", run.value("protocol_version", "")},
                          {"hashes", hashes},
                          {"settings", settings},
                          {"episodes", cr.episodes},
                          {"outcomes", cr.outcomes},
                          {"categories", ranked},
                          {"generated", NowIso8601Utc()}};

  MEDCRED_RETURN_IF_ERROR(
      WriteFileAtomically((fs::path(run_dir) / "summary.json").string(), out.summary.dump(2) + "\n", 0600));
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically((fs::path(run_dir) / "credentials.json").string(),
                                              out.credentials_json.dump(2) + "\n", 0600));
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically((fs::path(run_dir) / "report.html").string(), ReportHtml(out), 0600));
  return out;
}

std::string CredentialTable(const Credentials& cr) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-4s %-20s %5s %7s %7s %8s  %-15s %-14s %7s %6s\n", "rank", "category", "n", "points",
                "correct", "accuracy", "95% interval", "tier", "cost $", "turns");
  out += buf;
  for (const CategoryResult& c : cr.categories) {
    char ci[32];
    std::snprintf(ci, sizeof ci, "[%.3f, %.3f]", c.ci.low, c.ci.high);
    std::snprintf(buf, sizeof buf, "%-4d %-20s %5lld %7.1f %7lld %8.3f  %-15s %-14s %7.2f %6.1f\n", c.rank,
                  c.name.c_str(), static_cast<long long>(c.n), c.points, static_cast<long long>(c.correct), c.accuracy,
                  ci, c.tier.c_str(), c.mean_cost, c.mean_turns);
    out += buf;
  }
  return out;
}

}  // namespace medcred

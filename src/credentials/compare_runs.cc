#include "credentials/compare_runs.h"

#include <cstdio>
#include <map>
#include <set>

#include "common/file_util.h"
#include "common/json_util.h"
#include "grading/grader.h"
#include "rundir/run_dir.h"

namespace medcred {
namespace {

struct Loaded {
  RunManifest manifest;
  nlohmann::json summary;  // raw: other parts of medcred add objects (exam) this reader only compares
};

Result<Loaded> Load(const std::string& dir_path) {
  const RunDir dir(dir_path);
  MEDCRED_RETURN_IF_ERROR(dir.RequireRun());
  Loaded l;
  MEDCRED_ASSIGN_OR_RETURN(l.manifest, dir.ReadManifest());
  auto text = ReadWholeFile(dir.summary_path());
  if (!text.ok()) {
    return Status::Usage(dir.summary_path() + " is missing: build it with `medcred report " + dir_path + "`");
  }
  MEDCRED_ASSIGN_OR_RETURN(l.summary, ParseJson(*text, dir.summary_path()));
  if (!l.summary.is_object()) return Status::BadInput(dir.summary_path() + ": not a JSON object");
  return l;
}

std::string Hash(const nlohmann::json& summary, const char* name) {
  if (!summary.contains("hashes") || !summary["hashes"].is_object()) return "";
  const nlohmann::json& h = summary["hashes"];
  return h.contains(name) && h[name].is_string() ? h[name].get<std::string>() : "";
}

std::string Str(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string Short(const std::string& hash) { return hash.empty() ? "(none)" : hash.substr(0, 12); }

// Why two runs cannot be compared ("" when they can); notes for what differs but does not matter.
std::string Incompatible(const Loaded& a, const Loaded& b, std::vector<std::string>* notes) {
  std::vector<std::string> why;
  const DatasetRecord &da = a.manifest.fingerprint.dataset, &db = b.manifest.fingerprint.dataset;
  if (da.checksum_digest != db.checksum_digest) {
    why.push_back("the datasets differ (A: " + da.name + " " + Short(da.checksum_digest) + ", B: " + db.name + " " +
                  Short(db.checksum_digest) + ")");
  }
  if (Str(a.summary, "methodology_version") != Str(b.summary, "methodology_version")) {
    why.push_back("the methodology versions differ (A: " + Str(a.summary, "methodology_version") +
                  ", B: " + Str(b.summary, "methodology_version") + ")");
  }
  for (const char* h : {"methodology", "lexicon", "taxonomy"}) {
    if (Hash(a.summary, h) != Hash(b.summary, h)) {
      why.push_back(std::string("the ") + h + " files differ (A: " + Short(Hash(a.summary, h)) +
                    ", B: " + Short(Hash(b.summary, h)) + ")");
    }
  }
  const nlohmann::json none = nullptr;
  const nlohmann::json& ea = a.summary.contains("exam") ? a.summary["exam"] : none;
  const nlohmann::json& eb = b.summary.contains("exam") ? b.summary["exam"] : none;
  if (ea != eb) {
    why.push_back(std::string("the exams differ (A: ") + (ea.is_null() ? "no exam" : SafeDump(ea)) +
                  ", B: " + (eb.is_null() ? "no exam" : SafeDump(eb)) + ")");
  }
  if (Str(a.summary, "split") != Str(b.summary, "split")) {
    why.push_back("the credential splits differ (A: " + Str(a.summary, "split") + ", B: " + Str(b.summary, "split") +
                  ")");
  }
  for (const char* h : {"protocol", "catalog", "cost_table", "presentation"}) {
    const auto &ha = a.manifest.fingerprint.hashes, &hb = b.manifest.fingerprint.hashes;
    const std::string va = ha.count(h) ? ha.at(h) : "", vb = hb.count(h) ? hb.at(h) : "";
    if (va != vb)
      notes->push_back(std::string("the ") + h + " files differ (A: " + Short(va) + ", B: " + Short(vb) + ")");
  }
  std::string out;
  for (const std::string& w : why) out += (out.empty() ? "" : "; ") + w;
  return out;
}

// case id -> (categories, correct) over the credential split.
struct GradedCase {
  std::vector<std::string> categories;
  bool correct = false;
};

Result<std::map<std::string, GradedCase>> ReadEpisodes(const std::string& dir_path, const std::string& split,
                                                       double correct_at) {
  std::map<std::string, GradedCase> out;
  const RunDir dir(dir_path);
  MEDCRED_RETURN_IF_ERROR(dir.ForEachEpisode([&](EpisodeRecord& e, const RunDir::EpisodeLocation& where) -> Status {
    if (split != "all" && e.split != split) return Status::OK();
    if (!out.emplace(e.case_id, GradedCase{e.categories, e.grade.credit >= correct_at}).second) {
      return Status::BadInput(dir.episodes_path() + ":" + std::to_string(where.line) + ": a second episode of " +
                              e.case_id);
    }
    return Status::OK();
  }));
  return out;
}

}  // namespace

Result<RunComparison> CompareRuns(const std::string& run_a, const std::string& run_b) {
  MEDCRED_ASSIGN_OR_RETURN(Loaded a, Load(run_a));
  MEDCRED_ASSIGN_OR_RETURN(Loaded b, Load(run_b));
  RunComparison out;
  const std::string why = Incompatible(a, b, &out.notes);
  if (!why.empty()) return Status::Usage("cannot compare " + run_a + " with " + run_b + ": " + why);
  out.methodology_version = Str(a.summary, "methodology_version");
  out.split = Str(a.summary, "split");
  out.dataset = a.manifest.fingerprint.dataset.name;
  auto m = Methodology::Load("methodology-" + out.methodology_version + ".toml");
  if (!m.ok() || m->sha256 != Hash(a.summary, "methodology")) {
    return Status::Usage("the methodology the runs were graded under (" + out.methodology_version + ", " +
                         Short(Hash(a.summary, "methodology")) +
                         ") is not the one in data/ now: re-grade both with `medcred report`");
  }
  out.confidence = m->confidence;
  MEDCRED_ASSIGN_OR_RETURN(auto ea, ReadEpisodes(run_a, out.split, m->correct_at));
  MEDCRED_ASSIGN_OR_RETURN(auto eb, ReadEpisodes(run_b, out.split, m->correct_at));
  out.a = {run_a, a.manifest.fingerprint.model, static_cast<int64_t>(ea.size())};
  out.b = {run_b, b.manifest.fingerprint.model, static_cast<int64_t>(eb.size())};
  std::map<std::string, RunComparison::Category> cats;
  std::map<std::string, PairedTable> tables;
  for (const auto& [id, e] : ea) {
    for (const std::string& c : e.categories) {
      cats[c].n_a++;
      cats[c].correct_a += e.correct;
    }
  }
  for (const auto& [id, e] : eb) {
    for (const std::string& c : e.categories) {
      cats[c].n_b++;
      cats[c].correct_b += e.correct;
    }
    auto it = ea.find(id);
    if (it == ea.end()) continue;
    // The store's categories of the case are the same in both (same dataset and taxonomy).
    for (const std::string& c : e.categories) {
      tables[c].Add(it->second.correct, e.correct);
      if (it->second.correct && !e.correct) cats[c].only_a.push_back(id);
      if (!it->second.correct && e.correct) cats[c].only_b.push_back(id);
    }
  }
  for (auto& [name, c] : cats) {
    c.name = name;
    c.paired = Compare(tables[name], out.confidence);
    out.categories.push_back(std::move(c));
  }
  return out;
}

nlohmann::json RunComparison::ToJson() const {
  nlohmann::json cats = nlohmann::json::object();
  for (const Category& c : categories) {
    auto rate = [](int64_t k, int64_t n) { return n ? static_cast<double>(k) / static_cast<double>(n) : 0.0; };
    cats[c.name] = {{"a", {{"n", c.n_a}, {"correct", c.correct_a}, {"accuracy", rate(c.correct_a, c.n_a)}}},
                    {"b", {{"n", c.n_b}, {"correct", c.correct_b}, {"accuracy", rate(c.correct_b, c.n_b)}}},
                    {"paired", c.paired.ToJson()},
                    {"disagree", {{"only_a_correct", c.only_a}, {"only_b_correct", c.only_b}}}};
  }
  return {{"format", "medcred-compare-v1"},
          {"local_only", "holds case ids: never publish this output"},
          {"a", {{"run", a.dir}, {"model", a.model}, {"episodes", a.episodes}}},
          {"b", {{"run", b.dir}, {"model", b.model}, {"episodes", b.episodes}}},
          {"dataset", dataset},
          {"split", split},
          {"methodology_version", methodology_version},
          {"confidence", confidence},
          {"interval_method", kPairedIntervalMethod},
          {"test_method", kPairedTestMethod},
          {"notes", notes},
          {"categories", cats}};
}

std::string RunComparison::Text() const {
  std::string out = "A: " + a.model + " (" + a.dir + ")\nB: " + b.model + " (" + b.dir + ")\n";
  out += "split " + split + ", methodology " + methodology_version + "; difference A - B on the cases both ran, " +
         "Newcombe's hybrid score interval for paired proportions, exact McNemar test\n";
  for (const std::string& n : notes) out += "note: " + n + "\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-20s %5s %7s %5s %7s %6s %8s  %-17s %9s %6s %6s\n", "category", "n A", "acc A",
                "n B", "acc B", "paired", "diff", "95% interval", "McNemar p", "A only", "B only");
  out += buf;
  for (const Category& c : categories) {
    char ci[40];
    std::snprintf(ci, sizeof ci, "[%+.3f, %+.3f]", c.paired.difference_ci.low, c.paired.difference_ci.high);
    std::snprintf(
        buf, sizeof buf, "%-20s %5lld %7.3f %5lld %7.3f %6lld %+8.3f  %-17s %9.3g %6zu %6zu\n", c.name.c_str(),
        static_cast<long long>(c.n_a), c.n_a ? static_cast<double>(c.correct_a) / static_cast<double>(c.n_a) : 0.0,
        static_cast<long long>(c.n_b), c.n_b ? static_cast<double>(c.correct_b) / static_cast<double>(c.n_b) : 0.0,
        static_cast<long long>(c.paired.table.n()), c.paired.table.difference(), ci, c.paired.mcnemar_p,
        c.only_a.size(), c.only_b.size());
    out += buf;
  }
  out += "Cases where they disagree (local only: never publish case ids):\n";
  for (const Category& c : categories) {
    if (c.only_a.empty() && c.only_b.empty()) continue;
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
      return s.empty() ? std::string("-") : s;
    };
    out += "  " + c.name + ": A only " + join(c.only_a) + "\n  " + std::string(c.name.size(), ' ') + "  B only " +
           join(c.only_b) + "\n";
  }
  return out;
}

}  // namespace medcred

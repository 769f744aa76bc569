#include "credentials/report.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <string_view>

#include "common/time.h"
#include "common/version.h"
#include "credentials/clinician.h"
#include "grading/exam.h"
#include "rundir/run_dir.h"

namespace medcred {
namespace {

// Re-grades one episode against its case's truth (and asks the judge); true
// when its record changed.
bool Regrade(EpisodeRecord& e, const Case& c, const CaseTruth& truth, const Grader& grader, const Judge* judge) {
  bool changed = e.truth_principal != truth.principal || e.truth_secondary != truth.secondary ||
                 e.categories != c.categories || e.split != c.split;
  e.truth_principal = truth.principal;
  e.truth_secondary = truth.secondary;
  e.categories = c.categories;
  e.split = c.split;
  const std::string text = e.answer ? e.answer->diagnosis : "";
  const std::optional<std::string> code = e.answer ? e.answer->icd10 : std::nullopt;
  const Grade grade = grader.GradeWithDifferential(truth.principal, truth.secondary, text, code,
                                                   e.answer ? e.answer->differential : std::vector<std::string>{});
  changed = changed || grade.ToJson() != e.grade.ToJson();
  e.grade = grade;
  if (judge == nullptr || !e.answer) return changed;
  auto v = judge->Ask(truth.principal, truth.secondary, text, code);
  JudgeRecord jr{judge->spec(), judge->rubric_sha256(), std::nullopt, "", ""};
  if (v.ok()) {
    jr.correct = v->correct;
    jr.reason = v->reason;
  } else {
    jr.error = v.status().message();
  }
  e.judge = jr;
  return true;
}

// The store's case for an episode line, checked: a case of the store, seen
// once, with the store's presentation. It holds a pointer and a bit per case
// and epoch (a run's store may hold hundreds of thousands of cases): a case is
// found by the hadm_id its case id names.
class EpisodeChecker {
 public:
  EpisodeChecker(const CaseSet& cases, std::string episodes_path, int64_t epochs)
      : path_(std::move(episodes_path)), epochs_(std::max<int64_t>(epochs, 1)) {
    by_hadm_.reserve(cases.cases.size());
    for (const Case& c : cases.cases) by_hadm_.push_back(&c);
    std::sort(by_hadm_.begin(), by_hadm_.end(), [](const Case* x, const Case* y) { return x->hadm_id < y->hadm_id; });
    seen_.assign(by_hadm_.size() * static_cast<size_t>(epochs_), false);
  }
  Result<const Case*> Check(const EpisodeRecord& e, const RunDir::EpisodeLocation& where) {
    const std::string at = path_ + ":" + std::to_string(where.line);
    const size_t index = Find(e.case_id);
    if (index == by_hadm_.size()) return Status::BadInput(at + ": " + e.case_id + " is not a case of the run's store");
    // (An episode line never has an epoch below 1: EpisodeRecord::FromJson refuses it. The bit index needs it.)
    if (e.EpochOr1() < 1 || e.EpochOr1() > epochs_) {
      return Status::BadInput(at + ": epoch " + std::to_string(e.EpochOr1()) + " of a run of " +
                              std::to_string(epochs_) + " epochs");
    }
    const Case* c = by_hadm_[index];
    const size_t bit = index * static_cast<size_t>(epochs_) + static_cast<size_t>(e.EpochOr1() - 1);
    const bool again = seen_[bit];
    seen_[bit] = true;
    if (again) {
      return Status::BadInput(at + ": a second episode of " + e.case_id +
                              (epochs_ > 1 ? " in epoch " + std::to_string(e.EpochOr1()) : std::string()));
    }
    const bool legacy = e.format == "medcred-episode-v1";  // written before episodes carried the hash
    if (!legacy && !e.presentation_sha256) return Status::BadInput(at + ": the episode has no presentation hash");
    if (e.presentation_sha256 && *e.presentation_sha256 != c->presentation_sha256) {
      return Status::BadInput(at + ": the presentation of " + e.case_id + " is not the store's");
    }
    return c;
  }

 private:
  // The index in by_hadm_ of the case whose id is `case_id` ("hadm-<hadm_id>"), or by_hadm_.size().
  size_t Find(const std::string& case_id) const {
    constexpr std::string_view kPrefix = "hadm-";
    if (case_id.size() <= kPrefix.size() || case_id.compare(0, kPrefix.size(), kPrefix) != 0) return by_hadm_.size();
    int64_t hadm_id = 0;
    const char* first = case_id.data() + kPrefix.size();
    const char* last = case_id.data() + case_id.size();
    auto [end, ec] = std::from_chars(first, last, hadm_id);
    if (ec != std::errc() || end != last) return by_hadm_.size();
    auto it = std::lower_bound(by_hadm_.begin(), by_hadm_.end(), hadm_id,
                               [](const Case* c, int64_t id) { return c->hadm_id < id; });
    if (it == by_hadm_.end() || (*it)->case_id != case_id) return by_hadm_.size();
    return static_cast<size_t>(it - by_hadm_.begin());
  }

  std::string path_;
  int64_t epochs_ = 1;
  std::vector<const Case*> by_hadm_;  // the store's cases by hadm_id
  std::vector<bool> seen_;            // [index * epochs + epoch - 1]
};

GradedEpisode ToGraded(const EpisodeRecord& e) {
  GradedEpisode g;
  g.case_id = e.case_id;
  g.epoch = e.EpochOr1();
  g.categories = e.categories;
  g.split = e.split;
  g.outcome = e.outcome;
  g.turns = static_cast<int>(e.turns);
  g.cost = e.cost;
  g.invalid_orders = static_cast<int>(e.invalid_orders);
  g.protocol_errors = static_cast<int>(e.protocol_errors);
  g.grade = e.grade;
  g.tests_ordered.insert(e.tests_ordered.begin(), e.tests_ordered.end());
  g.tests_performed.insert(e.tests_performed.begin(), e.tests_performed.end());
  if (e.judge && e.judge->correct) g.judge_correct = *e.judge->correct;
  g.tool_mode = e.tool_mode;
  if (e.tokens) g.tokens = *e.tokens;
  g.top3 = e.grade.top3;
  if (e.answer) g.confidence = e.answer->confidence;
  return g;
}

SummaryFile MakeSummary(const RunManifest& run, const Credentials& cr, const Methodology& m, const Grader& grader,
                        const Taxonomy& taxonomy) {
  SummaryFile s;
  s.model = run.fingerprint.model;
  s.dataset = run.fingerprint.dataset;
  s.demo = run.demo;
  s.episodes = cr.episodes;
  s.split = cr.split;
  s.categories = cr.categories;
  s.outcomes = cr.outcomes;
  s.levels = cr.levels;
  s.tool_modes = cr.tool_modes;
  s.tokens = cr.tokens;
  if (cr.judged > 0) {
    s.judged = cr.judged;
    s.judge_agreement = cr.judge_agreement;
  }
  s.epochs = cr.epochs;
  s.methodology_version = m.version;
  s.medcred_version = kVersion;
  s.hashes = run.fingerprint.hashes;
  s.hashes["lexicon"] = grader.lexicon_sha256();
  s.hashes["methodology"] = m.sha256;
  s.hashes["taxonomy"] = taxonomy.sha256();
  return s;
}

// credentials.json: what a registry entry is made from; ranked, publishable.
CredentialsFile MakeCredentialsFile(const RunManifest& run, const SummaryFile& summary, const Credentials& cr,
                                    const Methodology& m) {
  CredentialsFile c;
  c.model = run.fingerprint.model;
  c.demo = run.demo;
  c.dataset = run.fingerprint.dataset;
  c.methodology_version = m.version;
  c.methodology_sha256 = m.sha256;
  c.split = cr.split;
  c.confidence = m.confidence;
  c.medcred_version = run.medcred_version;
  c.git_commit = run.git_commit;
  c.protocol_version = run.protocol_version;
  c.hashes = summary.hashes;
  nlohmann::json settings = run.fingerprint.ToJson();
  settings.erase("hashes");
  settings.erase("dataset");
  settings.erase("model");
  settings.erase("case_ids");  // case ids are never published; their count is
  settings["case_ids_given"] = run.fingerprint.case_ids.size();
  settings["limits"] = run.limits.ToJson();
  // How the model was reached: tool modes, sampling, context window (no URL or proxy: they name machines).
  settings["tool_modes"] = run.tool_modes;
  const nlohmann::json& ms = run.model_settings;
  for (const char* key : {"sampling", "context_window", "max_output_tokens"}) {
    if (ms.contains(key)) settings["adapter"][key] = ms[key];
  }
  c.settings = settings;
  c.episodes = cr.episodes;
  c.outcomes = cr.outcomes;
  for (const CategoryResult& r : cr.categories) {
    auto suite = run.suites.find(r.name);
    c.categories.push_back({r.name, r.title, r.kind, r.rank, r.n, r.correct, r.points, r.accuracy, r.ci.low, r.ci.high,
                            r.tier, r.suite_sha256, suite != run.suites.end() && suite->second == r.suite_sha256,
                            std::nullopt, r.epochs});
  }
  c.generated = NowIso8601Utc();
  return c;
}

// The exam's objects (issue 18): summary.json's `exam` with, per category of
// the run, its exam's size, what ran and whether that was the whole exam; and
// credentials.json's `complete_exam` per category.
void AddExam(const Exam& exam, const std::string& category, RunOutputs& out) {
  nlohmann::json j = exam.ToJson();
  std::map<std::string, const CategoryResult*> results;
  for (const CategoryResult& r : out.credentials.categories) results[r.name] = &r;
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [name, ec] : exam.categories()) {
    if (category != "all" && category != name) continue;
    nlohmann::json c = j["categories"][name];
    auto it = results.find(name);
    c["ran"] = it == results.end() ? 0 : it->second->n;
    c["complete"] = it != results.end() && it->second->suite_sha256 == ec.suite_sha256;
    cats[name] = c;
  }
  j["categories"] = cats;
  j["category"] = category;
  out.summary.exam = j;
  out.credentials_file.exam = {{"version", exam.version()}, {"cases_per_category", exam.cases_per_category()}};
  for (CredentialCategory& c : out.credentials_file.categories) {
    auto it = exam.categories().find(c.name);
    c.complete_exam = it != exam.categories().end() && it->second.suite_sha256 == c.suite_sha256;
  }
}

}  // namespace

namespace {

// The status of the run's dataset under the known datasets in use now: from
// its release digest; a run made before releases were recognized has none.
DatasetStatus StatusNow(const RunManifest& run, const KnownDatasets& known) {
  if (!run.fingerprint.dataset.release_digest.empty()) return known.StatusOf(run.fingerprint.dataset.release_digest);
  return run.demo ? DatasetStatus::kDemo : DatasetStatus::kUnrecognized;
}

}  // namespace

Result<RunOutputs> BuildRunOutputs(const std::string& run_dir, const GradingInputs& in) {
  const RunDir dir(run_dir);
  MEDCRED_RETURN_IF_ERROR(dir.RequireRun());
  MEDCRED_ASSIGN_OR_RETURN(RunDir::Lock lock, dir.LockForWriting());
  MEDCRED_ASSIGN_OR_RETURN(RunManifest run, dir.ReadManifest());
  if (!in.store_checksum_digest.empty() && run.fingerprint.dataset.checksum_digest != in.store_checksum_digest) {
    return Status::Usage(run_dir + " was made on another dataset than the store given (checksum digest " +
                         run.fingerprint.dataset.checksum_digest + ", the store's " + in.store_checksum_digest + ")");
  }
  RunOutputs out;
  const Methodology& m = in.grader->methodology();
  out.methodology = m;
  const DatasetStatus status = StatusNow(run, *in.datasets);
  run.fingerprint.dataset.status = DatasetStatusName(status);
  run.demo = status == DatasetStatus::kDemo;
  const int64_t epochs = run.fingerprint.epochs;
  CredentialsBuilder builder(m, *in.taxonomy, status, epochs);
  EpisodeChecker checker(*in.cases, dir.episodes_path(), epochs);
  // An exam run (issue 18): the exam drawn again from the store's cases; a
  // category counts only the cases of its own exam.
  std::optional<Exam> exam;
  if (!run.fingerprint.exam.empty()) {
    MEDCRED_ASSIGN_OR_RETURN(Exam drawn, Exam::Build(*in.cases, *in.taxonomy, m));
    if (drawn.version() != run.fingerprint.exam) {
      return Status::Usage(run_dir + " ran exam " + run.fingerprint.exam + ", but methodology " + m.version +
                           " defines exam " + drawn.version());
    }
    exam = std::move(drawn);
  }
  std::optional<ClinicianComparisonBuilder> clinician;
  if (in.ed_store != nullptr) {
    MEDCRED_ASSIGN_OR_RETURN(ClinicianMethodology section, LoadClinicianMethodology(m));
    auto rows = in.ed_store->CountRows("diagnosis");
    clinician.emplace(m, section, *in.grader, status, rows.ok() && *rows > 0);
  }
  MEDCRED_RETURN_IF_ERROR(dir.RewriteEpisodes([&](EpisodeRecord& e,
                                                  const RunDir::EpisodeLocation& where) -> Result<bool> {
    MEDCRED_ASSIGN_OR_RETURN(const Case* c, checker.Check(e, where));
    // A light set keeps only the principal: the whole truth is read from the store.
    std::optional<CaseTruth> whole;
    if (in.cases->light) {
      if (in.case_source == nullptr || in.store == nullptr) {
        return Status::Usage("grading a light case set needs its case source and store");
      }
      MEDCRED_ASSIGN_OR_RETURN(whole, in.case_source->TruthOf(*in.store, *c));
    }
    const CaseTruth& truth = whole ? *whole : c->truth;
    const Grade before = e.grade;
    const bool changed = Regrade(e, *c, truth, *in.grader, in.judge);
    if (before.level != e.grade.level || before.credit != e.grade.credit || before.mapped_code != e.grade.mapped_code) {
      ++out.regraded;
    }
    GradedEpisode g = ToGraded(e);
    if (exam) {
      std::erase_if(g.categories, [&](const std::string& cat) { return !exam->Contains(cat, g.case_id); });
    }
    builder.Add(g);
    // The comparison with the ED physicians pairs each case once: in an exam,
    // only in the categories whose exam holds it; with epochs, the first epoch's
    // answer (McNemar's test needs one verdict per case and side).
    if (clinician && e.EpochOr1() == 1) {
      MEDCRED_ASSIGN_OR_RETURN(std::vector<EdDiagnosisRecord> dx, in.ed_store->EdDiagnosesOf(c->hadm_id));
      clinician->Add(g.categories, c->split, e.grade, truth, EdPhysicianAnswerOf(dx, in.reference));
    }
    return changed;
  }));
  out.credentials = builder.Finish();
  out.summary = MakeSummary(run, out.credentials, m, *in.grader, *in.taxonomy);
  out.summary.hashes["datasets"] = in.datasets->sha256();
  if (clinician) out.summary.clinician_comparison = clinician->Finish();
  out.credentials_file = MakeCredentialsFile(run, out.summary, out.credentials, m);
  if (exam) AddExam(*exam, run.fingerprint.category, out);
  out.credentials_file.clinician_comparison = out.summary.clinician_comparison;
  MEDCRED_RETURN_IF_ERROR(dir.WriteSummary(out.summary));
  MEDCRED_RETURN_IF_ERROR(dir.WriteCredentials(out.credentials_file));
  MEDCRED_RETURN_IF_ERROR(dir.WriteReport(ReportHtml(out)));
  return out;
}

std::string CredentialTable(const Credentials& cr) {
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-4s %-20s %5s %7s %7s %8s  %-15s %-14s %7s %6s %9s\n", "rank", "category", "n",
                "points", "correct", "accuracy", "95% interval", "tier", "cost $", "turns", "tokens/ep");
  out += buf;
  for (const CategoryResult& c : cr.categories) {
    char ci[32];
    std::snprintf(ci, sizeof ci, "[%.3f, %.3f]", c.ci.low, c.ci.high);
    const double tokens = c.n > 0 ? static_cast<double>(c.tokens.prompt + c.tokens.completion) / c.n : 0;
    std::snprintf(buf, sizeof buf, "%-4d %-20s %5lld %7.1f %7lld %8.3f  %-15s %-14s %7.2f %6.1f %9.0f\n", c.rank,
                  c.name.c_str(), static_cast<long long>(c.n), c.points, static_cast<long long>(c.correct), c.accuracy,
                  ci, c.tier.c_str(), c.mean_cost, c.mean_turns, tokens);
    out += buf;
  }
  return out;
}

std::string ClinicianTable(const nlohmann::json& cc) {
  if (!cc.is_object() || !cc.contains("categories")) return "";
  std::string out =
      "Compared with the ED physicians (their first-listed ED diagnosis, on the same cases; a second "
      "statement beside the tier):\n";
  if (!cc.value("available", false)) return out + "  " + cc.value("note", std::string("no ED diagnoses")) + "\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-20s %6s %6s %8s %8s %8s  %-17s %8s  %s\n", "category", "cases", "paired", "model",
                "ED", "diff", "95% interval", "McNemar", "statement");
  out += buf;
  for (const auto& [name, c] : cc["categories"].items()) {
    char ci[40];
    std::snprintf(ci, sizeof ci, "[%+.3f, %+.3f]", c["difference_ci"][0].get<double>(),
                  c["difference_ci"][1].get<double>());
    std::snprintf(buf, sizeof buf, "%-20s %6lld %6lld %8.3f %8.3f %+8.3f  %-17s %8.3g  %s\n", name.c_str(),
                  static_cast<long long>(c.value("cases", int64_t{0})),
                  static_cast<long long>(c.value("n", int64_t{0})), c.value("model_accuracy", 0.0),
                  c.value("clinician_accuracy", 0.0), c.value("difference", 0.0), ci, c.value("mcnemar_p", 1.0),
                  c.value("statement", std::string()).c_str());
    out += buf;
  }
  if (cc["non_inferiority_margin"].is_number()) {
    std::snprintf(buf, sizeof buf, "non-inferior: the interval's lower bound above -%.2f (methodology [clinician])\n",
                  cc["non_inferiority_margin"].get<double>());
    out += buf;
  }
  return out;
}

}  // namespace medcred

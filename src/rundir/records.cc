#include "rundir/records.h"

#include "common/json_util.h"

namespace medcred {
namespace {

nlohmann::json Opt(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
nlohmann::json Opt(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

std::map<std::string, std::string> StringMap(JsonFields& f, const char* key) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : f.ObjOr(key).items()) {
    if (!v.is_string()) {
      f.Fail(std::string("field `") + key + "." + k + "` is not text");
      return {};
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

std::map<std::string, int64_t> CountMap(JsonFields& f, const char* key) {
  std::map<std::string, int64_t> out;
  for (const auto& [k, v] : f.ObjOr(key).items()) {
    if (!v.is_number_integer()) {
      f.Fail(std::string("field `") + key + "." + k + "` is not a whole number");
      return {};
    }
    out[k] = v.get<int64_t>();
  }
  return out;
}

}  // namespace

// ---- run.json ----------------------------------------------------------------

nlohmann::json DatasetRecord::ToJson() const {
  return {{"name", name},
          {"version", version},
          {"checksum_digest", checksum_digest},
          {"release_digest", release_digest},
          {"status", status}};
}

Result<DatasetRecord> DatasetRecord::FromJson(const nlohmann::json& j, const std::string& where) {
  JsonFields f(j, where + ": dataset");
  DatasetRecord d;
  d.name = f.StrOr("name", "");
  d.version = f.StrOr("version", "");
  d.checksum_digest = f.StrOr("checksum_digest", "");
  d.release_digest = f.StrOr("release_digest", "");
  d.status = f.StrOr("status", "unrecognized");
  MEDCRED_RETURN_IF_ERROR(f.status());
  return d;
}

nlohmann::json RunFingerprint::ToJson() const {
  nlohmann::json j = {
      {"model", model},       {"category", category},        {"split", split},   {"cases", cases},
      {"case_ids", case_ids}, {"max_turns", max_turns},      {"seed", seed},     {"tool_mode", tool_mode},
      {"shard", shard},       {"dataset", dataset.ToJson()}, {"hashes", hashes}, {"case_builder", case_builder}};
  // Only when used, so a run without them keeps its run.json of before (issue 18).
  if (!exam.empty()) j["exam"] = exam;
  if (epochs != 1) j["epochs"] = epochs;
  return j;
}

Result<RunFingerprint> RunFingerprint::FromJson(const nlohmann::json& j, const std::string& where) {
  JsonFields f(j, where + ": fingerprint");
  RunFingerprint fp;
  fp.model = f.Str("model");
  fp.category = f.StrOr("category", "all");
  fp.split = f.StrOr("split", "test");
  fp.cases = f.IntOr("cases", 0);
  fp.case_ids = f.StrsOr("case_ids");
  fp.max_turns = f.IntOr("max_turns", 0);
  fp.seed = static_cast<uint64_t>(f.IntOr("seed", 0));
  fp.tool_mode = f.StrOr("tool_mode", "auto");
  fp.shard = f.StrOr("shard", "1/1");
  fp.hashes = StringMap(f, "hashes");
  fp.case_builder = f.StrOr("case_builder", "");
  fp.exam = f.StrOr("exam", "");
  fp.epochs = f.IntOr("epochs", 1);
  MEDCRED_RETURN_IF_ERROR(f.status());
  if (fp.epochs < 1) return Status::BadInput(where + ": fingerprint.epochs must be at least 1");
  MEDCRED_ASSIGN_OR_RETURN(fp.dataset, DatasetRecord::FromJson(f.ObjOr("dataset"), where + ": fingerprint"));
  return fp;
}

nlohmann::json RunLimits::ToJson() const {
  return {{"max_turns", max_turns},
          {"max_tool_calls", max_tool_calls},
          {"call_timeout_seconds", call_timeout_seconds},
          {"max_output_tokens", max_output_tokens}};
}

nlohmann::json RunManifest::ToJson() const {
  const bool v3 = !fingerprint.exam.empty() || fingerprint.epochs != 1;
  nlohmann::json j = {{"format", v3 ? kRunFormatV3 : format},
                      {"medcred_version", medcred_version},
                      {"git_commit", git_commit},
                      {"created", created},
                      {"demo", demo},
                      {"store", store},
                      {"selected_cases", selected_cases},
                      {"limits", limits.ToJson()},
                      {"protocol_version", protocol_version},
                      {"taxonomy_version", taxonomy_version},
                      {"suites", suites},
                      {"fingerprint", fingerprint.ToJson()}};
  if (!merged_from.empty()) j["merged_from"] = merged_from;
  if (!model_settings.empty()) j["model_settings"] = model_settings;
  if (!tool_modes.empty()) j["tool_modes"] = tool_modes;
  if (!tool_refusal.empty()) j["tool_refusal"] = tool_refusal;
  return j;
}

Result<RunManifest> RunManifest::FromJson(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || !j.contains("fingerprint") || !j["fingerprint"].is_object()) {
    return Status::BadInput(where + ": not a run.json (no fingerprint)");
  }
  JsonFields f(j, where);
  RunManifest m;
  m.format = f.StrOr("format", "medcred-run-v1");
  if (m.format != kRunFormat && m.format != kRunFormatV3 && m.format != "medcred-run-v1") {
    return Status::BadInput(where + ": format " + m.format + " is not one this medcred reads (" + kRunFormat + ")");
  }
  m.medcred_version = f.StrOr("medcred_version", "");
  m.git_commit = f.StrOr("git_commit", "");
  m.created = f.StrOr("created", "");
  m.demo = f.BoolOr("demo", false);
  m.store = f.StrOr("store", "");
  m.selected_cases = f.IntOr("selected_cases", 0);
  JsonFields l(f.ObjOr("limits"), where + ": limits");
  m.limits = {l.IntOr("max_turns", 0), l.IntOr("max_tool_calls", 0), l.IntOr("call_timeout_seconds", 0),
              l.IntOr("max_output_tokens", 0)};
  m.protocol_version = f.StrOr("protocol_version", "");
  m.taxonomy_version = f.StrOr("taxonomy_version", "");
  m.suites = StringMap(f, "suites");
  m.merged_from = f.StrsOr("merged_from");
  m.model_settings = f.ObjOr("model_settings");
  m.tool_modes = CountMap(f, "tool_modes");
  m.tool_refusal = f.StrOr("tool_refusal", "");
  MEDCRED_RETURN_IF_ERROR(l.status());
  MEDCRED_RETURN_IF_ERROR(f.status());
  MEDCRED_ASSIGN_OR_RETURN(m.fingerprint, RunFingerprint::FromJson(j["fingerprint"], where));
  return m;
}

// ---- episodes.jsonl ------------------------------------------------------------

nlohmann::json AnswerRecord::ToJson() const {
  nlohmann::json j = {{"diagnosis", diagnosis}};
  if (icd10) j["icd10"] = *icd10;
  if (!differential.empty()) j["differential"] = differential;
  if (confidence) j["confidence"] = *confidence;
  return j;
}

nlohmann::json JudgeRecord::ToJson() const {
  nlohmann::json j = {{"model", model}, {"rubric", rubric}};
  if (correct) {
    j["correct"] = *correct;
    j["reason"] = reason;
  } else {
    j["error"] = error;
  }
  return j;
}

nlohmann::json EpisodeRecord::ToJson() const {
  nlohmann::json j = {{"format", epoch ? kEpisodeFormatV3 : format},
                      {"case_id", case_id},
                      {"presentation_sha256", Opt(presentation_sha256)},
                      {"categories", categories},
                      {"split", split},
                      {"outcome", outcome},
                      {"turns", turns},
                      {"tool_calls", tool_calls},
                      {"protocol_errors", protocol_errors},
                      {"invalid_orders", invalid_orders},
                      {"cost", cost},
                      {"messages", ConversationRecordJson(messages)},
                      {"orders", orders},
                      {"answer", answer ? answer->ToJson() : nlohmann::json(nullptr)},
                      {"truth", {{"principal", truth_principal}, {"secondary", truth_secondary}}},
                      {"grade", grade.ToJson()},
                      {"tests_ordered", tests_ordered},
                      {"tests_performed", tests_performed},
                      {"error", Opt(error)},
                      {"seconds", seconds},
                      {"judge", judge ? judge->ToJson() : nlohmann::json(nullptr)},
                      {"tool_mode", tool_mode}};
  if (tokens) j["tokens"] = tokens->ToJson();
  if (epoch) j["epoch"] = *epoch;
  if (sampling_seed) j["sampling_seed"] = *sampling_seed;
  return j;
}

namespace {

Result<TokenCount> ReadTokens(JsonFields& f, const char* key, const std::string& where) {
  TokenCount t;
  if (!f.Has(key)) return t;
  JsonFields tf(f.Obj(key), where + ": " + key);
  t.prompt = tf.IntOr("prompt", 0);
  t.completion = tf.IntOr("completion", 0);
  MEDCRED_RETURN_IF_ERROR(tf.status());
  return t;
}

}  // namespace

Result<EpisodeRecord> EpisodeRecord::FromJson(const nlohmann::json& j, const std::string& where) {
  JsonFields f(j, where);
  EpisodeRecord e;
  e.format = f.StrOr("format", "medcred-episode-v1");
  if (e.format != kEpisodeFormat && e.format != kEpisodeFormatV3 && e.format != "medcred-episode-v1") {
    return Status::BadInput(where + ": format " + e.format + " is not one this medcred reads (" + kEpisodeFormat + ")");
  }
  e.case_id = f.Str("case_id");
  e.presentation_sha256 = f.OptStr("presentation_sha256");
  e.categories = f.Strs("categories");
  e.split = f.Str("split");
  e.outcome = f.Str("outcome");
  e.turns = static_cast<int64_t>(f.Num("turns"));
  e.tool_calls = f.IntOr("tool_calls", 0);
  e.protocol_errors = f.IntOr("protocol_errors", 0);
  e.invalid_orders = f.IntOr("invalid_orders", 0);
  e.cost = f.Num("cost");
  e.orders = f.ArrOr("orders");
  e.tests_ordered = f.StrsOr("tests_ordered");
  e.tests_performed = f.StrsOr("tests_performed");
  e.error = f.OptStr("error");
  e.seconds = f.NumOr("seconds", 0);
  e.tool_mode = f.StrOr("tool_mode", "native");
  if (f.Has("epoch")) {
    e.epoch = f.Int("epoch");
    if (f.status().ok() && *e.epoch < 1) f.Fail("field `epoch` must be at least 1");
  }
  if (f.Has("sampling_seed")) e.sampling_seed = static_cast<uint64_t>(f.Int("sampling_seed"));
  if (f.Has("tokens")) {
    MEDCRED_ASSIGN_OR_RETURN(TokenCount t, ReadTokens(f, "tokens", where));
    e.tokens = t;
  }
  if (!f.Has("truth")) {
    f.Fail("field `truth` is missing (written by a medcred older than 0.6; rerun the episodes)");
  }
  JsonFields t(f.ObjOr("truth"), where + ": truth");
  e.truth_principal = t.StrsOr("principal");
  e.truth_secondary = t.StrsOr("secondary");
  MEDCRED_RETURN_IF_ERROR(f.status());
  MEDCRED_RETURN_IF_ERROR(t.status());
  if (f.Has("answer")) {
    JsonFields a(f.Obj("answer"), where + ": answer");
    AnswerRecord ans;
    ans.diagnosis = a.StrOr("diagnosis", "");
    ans.icd10 = a.OptStr("icd10");
    ans.differential = a.StrsOr("differential");
    ans.confidence = a.OptNum("confidence");
    MEDCRED_RETURN_IF_ERROR(a.status());
    e.answer = ans;
  }
  if (f.Has("grade")) {
    JsonFields g(f.Obj("grade"), where + ": grade");
    e.grade.level = g.StrOr("level", "none");
    e.grade.credit = g.NumOr("credit", 0);
    e.grade.mapped_code = g.StrOr("mapped_code", "");
    e.grade.explanation = g.StrOr("explanation", "");
    if (g.Has("top3")) e.grade.top3 = g.BoolOr("top3", false);
    MEDCRED_RETURN_IF_ERROR(g.status());
  }
  if (f.Has("judge")) {
    JsonFields jf(f.Obj("judge"), where + ": judge");
    JudgeRecord jr;
    jr.model = jf.StrOr("model", "");
    jr.rubric = jf.StrOr("rubric", "");
    if (jf.Has("correct")) jr.correct = jf.Bool("correct");
    jr.reason = jf.StrOr("reason", "");
    jr.error = jf.StrOr("error", "");
    MEDCRED_RETURN_IF_ERROR(jf.status());
    e.judge = jr;
  }
  if (f.Has("messages")) {
    auto messages = ConversationFromJson(f.Arr("messages"));
    if (!messages.ok()) return Status::BadInput(where + ": " + messages.status().message());
    e.messages = std::move(*messages);
  }
  MEDCRED_RETURN_IF_ERROR(f.status());
  return e;
}

// ---- summary.json --------------------------------------------------------------

namespace {

nlohmann::json BeyondAccuracyJson(const CategoryResult& c) {
  nlohmann::json bins = nlohmann::json::array();
  for (const auto& b : c.reliability) {
    bins.push_back(
        {{"lo", b.lo}, {"hi", b.hi}, {"n", b.n}, {"mean_confidence", b.mean_confidence}, {"accuracy", b.accuracy}});
  }
  return {{"top3_accuracy", Opt(c.top3_accuracy)},
          {"calibrated_n", c.calibrated_n},
          {"brier", Opt(c.brier)},
          {"reliability", bins}};
}

}  // namespace

nlohmann::json CategoryResult::ToJson() const {
  nlohmann::json j = {{"n", n},
                      {"points", points},
                      {"correct", correct},
                      {"accuracy", accuracy},
                      {"ci_low", ci.low},
                      {"ci_high", ci.high},
                      {"tier", tier},
                      {"rank", rank},
                      {"mean_cost", mean_cost},
                      {"mean_turns", mean_turns},
                      {"test_precision", Opt(test_precision)},
                      {"test_recall", Opt(test_recall)},
                      {"invalid_orders", invalid_orders},
                      {"protocol_errors", protocol_errors},
                      {"suite_sha256", suite_sha256},
                      {"judged", judged},
                      {"judge_agreement", Opt(judge_agreement)},
                      {"tokens", tokens.ToJson()},
                      {"beyond_accuracy", BeyondAccuracyJson(*this)}};
  if (!epochs.is_null()) j["epochs"] = epochs;
  return j;
}

Result<CategoryResult> CategoryResult::FromJson(const nlohmann::json& j, const std::string& name,
                                                const std::string& where) {
  JsonFields f(j, where + ": categories." + name);
  CategoryResult c;
  c.name = name;
  c.n = f.Int("n");
  c.points = f.Num("points");
  c.correct = f.Int("correct");
  c.accuracy = f.Num("accuracy");
  c.ci = {f.Num("ci_low"), f.Num("ci_high")};
  c.tier = f.Str("tier");
  c.rank = static_cast<int>(f.IntOr("rank", 0));
  c.mean_cost = f.NumOr("mean_cost", 0);
  c.mean_turns = f.NumOr("mean_turns", 0);
  c.test_precision = f.OptNum("test_precision");
  c.test_recall = f.OptNum("test_recall");
  c.invalid_orders = f.IntOr("invalid_orders", 0);
  c.protocol_errors = f.IntOr("protocol_errors", 0);
  c.suite_sha256 = f.StrOr("suite_sha256", "");
  c.judged = f.IntOr("judged", 0);
  c.judge_agreement = f.OptNum("judge_agreement");
  if (f.Has("epochs")) c.epochs = f.Obj("epochs");
  MEDCRED_ASSIGN_OR_RETURN(c.tokens, ReadTokens(f, "tokens", f.where()));
  if (f.Has("beyond_accuracy")) {  // summaries written before issue 16 have none
    JsonFields b(f.Obj("beyond_accuracy"), f.where() + ".beyond_accuracy");
    c.top3_accuracy = b.OptNum("top3_accuracy");
    c.calibrated_n = b.IntOr("calibrated_n", 0);
    c.brier = b.OptNum("brier");
    {
      for (const auto& x : b.ArrOr("reliability")) {
        JsonFields bf(x, b.where() + ".reliability[]");
        CategoryResult::ReliabilityBin bin{bf.Num("lo"), bf.Num("hi"), bf.Num("mean_confidence"), bf.Num("accuracy"),
                                           bf.Int("n")};
        MEDCRED_RETURN_IF_ERROR(bf.status());
        c.reliability.push_back(bin);
      }
    }
    MEDCRED_RETURN_IF_ERROR(b.status());
  }
  MEDCRED_RETURN_IF_ERROR(f.status());
  return c;
}

nlohmann::json SummaryFile::ToJson() const {
  nlohmann::json cats = nlohmann::json::object();
  for (const CategoryResult& c : categories) cats[c.name] = c.ToJson();
  nlohmann::json judge = nullptr;
  if (judged) judge = {{"judged", *judged}, {"agreement", Opt(judge_agreement)}};
  const bool v3 = !exam.is_null() || !epochs.is_null();
  nlohmann::json j = {{"format", v3 ? kSummaryFormatV3 : format},
                      {"model", model},
                      {"dataset", dataset.ToJson()},
                      {"demo", demo},
                      {"episodes", episodes},
                      {"split", split},
                      {"categories", cats},
                      {"outcomes", outcomes},
                      {"levels", levels},
                      {"tool_modes", tool_modes},
                      {"tokens", tokens.ToJson()},
                      {"judge", judge},
                      {"methodology_version", methodology_version},
                      {"medcred_version", medcred_version},
                      {"hashes", hashes}};
  // Issue 18's objects, each its own key and only when used.
  if (!exam.is_null()) j["exam"] = exam;
  if (!epochs.is_null()) j["epochs"] = epochs;
  if (!clinician_comparison.is_null()) j["clinician_comparison"] = clinician_comparison;
  return j;
}

Result<SummaryFile> SummaryFile::FromJson(const nlohmann::json& j, const std::string& where) {
  JsonFields f(j, where);
  SummaryFile s;
  s.format = f.StrOr("format", "medcred-summary-v1");
  s.model = f.Str("model");
  s.demo = f.BoolOr("demo", false);
  s.episodes = f.Int("episodes");
  s.split = f.StrOr("split", "test");
  s.outcomes = CountMap(f, "outcomes");
  s.levels = CountMap(f, "levels");
  s.tool_modes = CountMap(f, "tool_modes");
  MEDCRED_ASSIGN_OR_RETURN(s.tokens, ReadTokens(f, "tokens", where));
  s.methodology_version = f.StrOr("methodology_version", "");
  s.medcred_version = f.StrOr("medcred_version", "");
  s.hashes = StringMap(f, "hashes");
  if (f.Has("exam")) s.exam = f.Obj("exam");
  if (f.Has("epochs")) s.epochs = f.Obj("epochs");
  if (f.Has("clinician_comparison")) s.clinician_comparison = f.Obj("clinician_comparison");
  if (f.Has("judge")) {
    JsonFields jf(f.Obj("judge"), where + ": judge");
    s.judged = jf.Int("judged");
    s.judge_agreement = jf.OptNum("agreement");
    MEDCRED_RETURN_IF_ERROR(jf.status());
  }
  MEDCRED_RETURN_IF_ERROR(f.status());
  MEDCRED_ASSIGN_OR_RETURN(s.dataset, DatasetRecord::FromJson(f.ObjOr("dataset"), where));
  for (const auto& [name, c] : f.ObjOr("categories").items()) {
    MEDCRED_ASSIGN_OR_RETURN(CategoryResult r, CategoryResult::FromJson(c, name, where));
    s.categories.push_back(std::move(r));
  }
  std::sort(s.categories.begin(), s.categories.end(),
            [](const CategoryResult& a, const CategoryResult& b) { return a.rank < b.rank; });
  return s;
}

// ---- credentials.json ----------------------------------------------------------

nlohmann::json CredentialCategory::ToJson() const {
  nlohmann::json j = {{"name", name},
                      {"title", title},
                      {"kind", kind},
                      {"rank", rank},
                      {"n", n},
                      {"points", points},
                      {"correct", correct},
                      {"accuracy", accuracy},
                      {"ci_low", ci_low},
                      {"ci_high", ci_high},
                      {"tier", tier},
                      {"suite_sha256", suite_sha256},
                      {"complete_suite", complete_suite}};
  if (complete_exam) j["complete_exam"] = *complete_exam;
  if (!epochs.is_null()) j["epochs"] = epochs;
  return j;
}

nlohmann::json CredentialsFile::ToJson() const {
  nlohmann::json cats = nlohmann::json::array();
  bool v2 = !exam.is_null();
  for (const CredentialCategory& c : categories) {
    cats.push_back(c.ToJson());
    v2 = v2 || c.complete_exam || !c.epochs.is_null();
  }
  nlohmann::json j = {{"format", v2 ? kCredentialsFormatV2 : format},
                      {"model", model},
                      {"demo", demo},
                      {"dataset", dataset.ToJson()},
                      {"methodology", {{"version", methodology_version}, {"sha256", methodology_sha256}}},
                      {"split", split},
                      {"confidence", confidence},
                      {"medcred_version", medcred_version},
                      {"git_commit", git_commit},
                      {"protocol_version", protocol_version},
                      {"hashes", hashes},
                      {"settings", settings},
                      {"episodes", episodes},
                      {"outcomes", outcomes},
                      {"categories", cats},
                      {"generated", generated}};
  if (!exam.is_null()) j["exam"] = exam;
  if (!clinician_comparison.is_null()) j["clinician_comparison"] = clinician_comparison;
  return j;
}

Result<CredentialsFile> CredentialsFile::FromJson(const nlohmann::json& j, const std::string& where) {
  JsonFields f(j, where);
  CredentialsFile c;
  c.format = f.Str("format");
  if (f.status().ok() && c.format != kCredentialsFormat && c.format != kCredentialsFormatV2) {
    return Status::BadInput(where + ": format is not " + std::string(kCredentialsFormat) + " or " +
                            kCredentialsFormatV2 + " (rebuild it with medcred report)");
  }
  c.model = f.Str("model");
  c.demo = f.BoolOr("demo", false);
  JsonFields m(f.ObjOr("methodology"), where + ": methodology");
  c.methodology_version = m.StrOr("version", "");
  c.methodology_sha256 = m.StrOr("sha256", "");
  c.split = f.StrOr("split", "test");
  c.confidence = f.NumOr("confidence", 0.95);
  c.medcred_version = f.StrOr("medcred_version", "");
  c.git_commit = f.StrOr("git_commit", "");
  c.protocol_version = f.StrOr("protocol_version", "");
  c.hashes = StringMap(f, "hashes");
  c.settings = f.ObjOr("settings");
  c.episodes = f.IntOr("episodes", 0);
  c.outcomes = CountMap(f, "outcomes");
  c.generated = f.StrOr("generated", "");
  if (f.Has("exam")) c.exam = f.Obj("exam");
  if (f.Has("clinician_comparison")) c.clinician_comparison = f.Obj("clinician_comparison");
  for (const auto& cat : f.ArrOr("categories")) {
    JsonFields k(cat, where + ": a category");
    CredentialCategory r;
    r.name = k.Str("name");
    r.title = k.StrOr("title", "");
    r.kind = k.StrOr("kind", "");
    r.rank = static_cast<int>(k.IntOr("rank", 0));
    r.n = k.Int("n");
    r.points = k.Num("points");
    r.correct = k.Int("correct");
    r.accuracy = k.Num("accuracy");
    r.ci_low = k.Num("ci_low");
    r.ci_high = k.Num("ci_high");
    r.tier = k.Str("tier");
    r.suite_sha256 = k.StrOr("suite_sha256", "");
    r.complete_suite = k.BoolOr("complete_suite", false);
    if (k.Has("complete_exam")) r.complete_exam = k.Bool("complete_exam");
    if (k.Has("epochs")) r.epochs = k.Obj("epochs");
    MEDCRED_RETURN_IF_ERROR(k.status());
    c.categories.push_back(std::move(r));
  }
  MEDCRED_RETURN_IF_ERROR(m.status());
  MEDCRED_RETURN_IF_ERROR(f.status());
  MEDCRED_ASSIGN_OR_RETURN(c.dataset, DatasetRecord::FromJson(f.ObjOr("dataset"), where));
  return c;
}

}  // namespace medcred

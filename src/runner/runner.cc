#include "runner/runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/file_util.h"
#include "common/sha256.h"
#include "common/time.h"
#include "common/version.h"
#include "grading/exam.h"
#include "models/history.h"
#include "rundir/run_dir.h"
#include "store/postgres_store.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// The part of run.json a resumed run must agree with.
RunFingerprint Fingerprint(const RunOptions& o, const RunInputs& in) {
  RunFingerprint fp;
  fp.model = o.model;
  fp.category = o.category;
  fp.split = o.split;
  fp.cases = o.cases;
  fp.case_ids = o.case_ids;
  fp.max_turns = o.max_turns;
  fp.seed = o.seed;
  fp.tool_mode = o.tool_mode;
  fp.shard = std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count);
  if (o.exam) fp.exam = in.grader->methodology().exam->version;
  fp.epochs = o.epochs;
  fp.dataset.name = in.dataset.name;
  fp.dataset.version = in.dataset.version;
  fp.dataset.checksum_digest = in.store_summary.ChecksumDigest();
  fp.dataset.release_digest = in.dataset.release_digest;
  fp.dataset.status = DatasetStatusName(in.dataset.status);
  fp.hashes = {{"protocol", in.protocol.sha256()},
               {"taxonomy", in.taxonomy.sha256()},
               {"catalog", in.environment->catalog().sha256()},
               {"cost_table", in.environment->costs().sha256()},
               {"presentation", in.rules.sha256},
               {"icd_reference", in.reference->digest()},
               {"lexicon", in.grader->lexicon_sha256()},
               {"methodology", in.grader->methodology().sha256},
               {"datasets", in.known_datasets.sha256()}};
  // The leakage audit decides which admissions are cases (presentation v2).
  if (!in.cases.audit_terms_sha256.empty()) {
    fp.hashes["audit_terms"] = in.cases.audit_terms_sha256;
    fp.hashes["audit_lexicon"] = in.cases.audit_lexicon_sha256;
    fp.hashes["ccsr_reference"] = in.cases.ccsr_digest;
  }
  fp.case_builder = kCaseBuilderVersion;
  return fp;
}

RunManifest NewManifest(const RunOptions& o, const RunInputs& in, size_t selected, int max_turns) {
  RunManifest m;
  m.medcred_version = kVersion;
  m.git_commit = kGitCommit;
  m.created = NowIso8601Utc();
  m.demo = in.dataset.status == DatasetStatus::kDemo;
  m.store = RedactUri(o.store);  // a PostgreSQL password is never written
  m.selected_cases = static_cast<int64_t>(selected);
  const ProtocolLimits& lim = in.protocol.limits();
  m.limits = {max_turns, lim.max_tool_calls, lim.call_timeout_seconds, lim.max_output_tokens};
  m.protocol_version = in.protocol.version();
  m.taxonomy_version = in.taxonomy.version();
  // Each category's whole suite on the credential split: credentials.json
  // says whether a run covered it completely.
  const std::string credential_split = in.grader->methodology().split;
  for (const auto& [category, by_split] : in.cases.stats.suites) {
    if (by_split.count(credential_split)) m.suites[category] = by_split.at(credential_split);
  }
  m.fingerprint = Fingerprint(o, in);
  return m;
}

// A new run writes its manifest; a resumed one must match the old manifest's
// fingerprint.
Status PrepareRunDir(const RunDir& dir, const RunOptions& o, const RunInputs& in, size_t selected, int max_turns) {
  const RunManifest fresh = NewManifest(o, in, selected, max_turns);
  if (dir.Inspect() == RunDir::State::kRun) {
    if (!o.resume)
      return Status::Usage(dir.path() + " already holds a run; pass --resume to finish it, or another --out");
    MEDCRED_ASSIGN_OR_RETURN(RunManifest old, dir.ReadManifest());
    if (old.fingerprint.ToJson() != fresh.fingerprint.ToJson()) {
      return Status::Usage(dir.manifest_path() +
                           ": this run was made with other settings, files or data; resume it with the same ones");
    }
    return Status::OK();
  }
  MEDCRED_RETURN_IF_ERROR(dir.CreateForNewRun());
  return dir.WriteManifest(fresh);
}

// An episode's key: (case id, epoch).
using EpisodeKey = std::pair<std::string, int64_t>;

// The episodes already in the run directory: (case id, epoch) -> outcome.
Result<std::map<EpisodeKey, std::string>> DoneEpisodes(const RunDir& dir) {
  std::map<EpisodeKey, std::string> done;
  MEDCRED_RETURN_IF_ERROR(dir.ForEachEpisode([&](EpisodeRecord& e, const RunDir::EpisodeLocation& where) -> Status {
    if (!done.emplace(EpisodeKey{e.case_id, e.EpochOr1()}, e.outcome).second) {
      return Status::BadInput(dir.episodes_path() + ":" + std::to_string(where.line) + ": a second episode of " +
                              e.case_id + (e.epoch ? " in epoch " + std::to_string(*e.epoch) : std::string()));
    }
    return Status::OK();
  }));
  return done;
}

// One episode to run: a case and its epoch (1 in runs without epochs).
struct Todo {
  const Case* c = nullptr;
  int epoch = 1;
};

enum class ToolMode { kNative, kText };

const char* ToolModeName(ToolMode m) { return m == ToolMode::kNative ? "native" : "text"; }

// The tool mode a run's episodes start in: `auto` starts native and turns to
// text, for every later episode too, when the server refuses tools.
class ToolModes {
 public:
  explicit ToolModes(const std::string& requested)
      : requested_(requested), mode_(requested == "text" ? ToolMode::kText : ToolMode::kNative) {}
  ToolMode current() const {
    std::lock_guard<std::mutex> lock(mu_);
    return mode_;
  }
  // After a refusal of tools: true when the episode may run again in text mode.
  bool SwitchToText(const std::string& model, const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (requested_ != "auto") return false;
    if (mode_ != ToolMode::kText) {
      mode_ = ToolMode::kText;
      refusal_ = why;
      std::fprintf(stderr,
                   "medcred: %s refused tool calls (%s); running in text mode: the tools are described in the "
                   "prompt and calls are read from the reply's text (docs/models.md#text-mode)\n",
                   model.c_str(), why.c_str());
    }
    return true;
  }
  std::string refusal() const {
    std::lock_guard<std::mutex> lock(mu_);
    return refusal_;
  }

 private:
  mutable std::mutex mu_;
  const std::string requested_;
  ToolMode mode_;
  std::string refusal_;
};

// One episode's conversation: the model in the loop until it submits, stops
// or hits a limit. An external failure of the model is returned as an error
// (no episode); a refusal of tools leaves tools_refused() set.
class EpisodeLoop {
 public:
  EpisodeLoop(const Case& c, const RunInputs& in, Model& model, Episode& episode, int max_turns, ToolMode mode,
              const EpisodeContext& context)
      : in_(in), model_(model), episode_(episode), max_turns_(max_turns), mode_(mode), context_(context) {
    record_.case_id = c.case_id;
    if (context.seed) {  // a run with epochs
      record_.epoch = context.epoch;
      if (model.TakesSeed()) record_.sampling_seed = *context.seed;
    }
    record_.presentation_sha256 = c.presentation->Sha256();
    record_.categories = c.categories;
    record_.split = c.split;
    record_.tool_mode = ToolModeName(mode);
    const bool text = mode == ToolMode::kText;
    record_.messages = {ChatMessage::System(text ? in.protocol.text_system_prompt() : in.protocol.system_prompt()),
                        ChatMessage::User(PresentationText(*c.presentation))};
    tools_ = text ? nlohmann::json::array() : in.protocol.tools();
  }

  const std::optional<std::string>& tools_refused() const { return tools_refused_; }

  Result<EpisodeRecord> Run() {
    const ProtocolLimits& lim = in_.protocol.limits();
    int reminders = lim.reminders;
    const bool text = mode_ == ToolMode::kText;
    while (outcome_.empty()) {
      if (turns_ >= max_turns_) {
        End("limit", "turn limit (" + std::to_string(max_turns_) + ") reached");
        break;
      }
      ++turns_;
      EpisodeContext context = context_;
      context.turn = turns_;
      auto reply = model_.Complete(record_.messages, tools_, context);
      if (!reply.ok()) {
        // Garbage the model sent is its outcome; anything else is not an episode.
        if (reply.status().kind() != Status::Kind::kBadInput) return reply.status();
        End("error", reply.status().message());
        break;
      }
      if (reply->refusal == Refusal::kToolsUnsupported) {
        if (text)
          return Status::External(model_.spec() + " refused a request without tools: " + reply->refusal_message);
        tools_refused_ = reply->refusal_message;
        return EpisodeRecord{};
      }
      if (reply->refusal == Refusal::kContextFull) {
        End("limit", "context window: " + reply->refusal_message);
        break;
      }
      if (reply->usage) {
        if (!record_.tokens) record_.tokens = TokenCount{};
        record_.tokens->prompt += reply->usage->prompt_tokens;
        record_.tokens->completion += reply->usage->completion_tokens;
      }
      // What goes back: valid JSON arguments, ids every server accepts; the reply as it came beside it.
      const ChatMessage sent = AssistantForHistory(*reply, text, &ids_);
      record_.messages.push_back(sent);
      if (reply->tool_calls.empty()) {
        if (reminders-- > 0) {
          record_.messages.push_back(
              ChatMessage::User(reply->truncated ? in_.protocol.truncated_notice() : in_.protocol.reminder()));
          continue;
        }
        if (reply->truncated) {
          End("limit", "the reply was cut off at the output-token limit inside a tool call");
        } else {
          End("no_diagnosis", "");
        }
        break;
      }
      results_.clear();
      for (size_t i = 0; i < reply->tool_calls.size(); ++i) {
        if (!HandleToolCall(reply->tool_calls[i], text ? "" : sent.tool_calls[i].id)) break;
      }
      // Text mode: the results of one reply are one user message.
      if (text && !results_.empty()) record_.messages.push_back(ChatMessage::User(in_.protocol.TextResults(results_)));
    }
    record_.outcome = outcome_;
    record_.turns = turns_;
    record_.tool_calls = tool_calls_;
    record_.protocol_errors = protocol_errors_;
    if (!error_.empty()) record_.error = error_;
    return std::move(record_);
  }

 private:
  void End(const std::string& outcome, const std::string& error) {
    outcome_ = outcome;
    error_ = error;
  }

  void Answer(const std::string& id, const std::string& tool, const std::string& text) {
    if (mode_ == ToolMode::kText) {
      results_.emplace_back(tool, text);
    } else {
      record_.messages.push_back(ChatMessage::Tool(id, text));
    }
  }

  // Answers one tool call (the arguments as the model sent them); false when the episode ends with it.
  bool HandleToolCall(const ModelToolCall& tc, const std::string& id) {
    const ProtocolLimits& lim = in_.protocol.limits();
    if (tool_calls_ >= lim.max_tool_calls) {
      End("limit", "tool-call limit (" + std::to_string(lim.max_tool_calls) + ") reached");
      return false;
    }
    ++tool_calls_;
    auto call = ParseToolCall(tc.name, tc.arguments, lim.max_tests_per_order);
    if (!call.ok()) {
      ++protocol_errors_;
      Answer(id, tc.name.substr(0, 64), "Error: " + call.status().message());
      return true;
    }
    const ToolAnswer answer = episode_.Call(*call);
    record_.orders.push_back(answer.ToJson());
    Answer(id, tc.name, answer.Text());
    if (!answer.submitted()) return true;
    End("diagnosed", "");
    record_.answer = AnswerRecord{call->diagnosis, call->icd10, call->differential, call->confidence};
    return false;
  }

  const RunInputs& in_;
  Model& model_;
  Episode& episode_;
  const int max_turns_;
  const ToolMode mode_;
  const EpisodeContext context_;
  nlohmann::json tools_;
  ToolCallIds ids_;
  EpisodeRecord record_;
  std::vector<std::pair<std::string, std::string>> results_;  // text mode: this reply's (tool, result)
  std::optional<std::string> tools_refused_;
  std::string outcome_, error_;
  int turns_ = 0, tool_calls_ = 0, protocol_errors_ = 0;
};

// One episode, graded. A store that fails to answer (a database gone away)
// or a model that fails for an external reason fails the run instead of
// recording an episode, so `--resume` runs the case again. A refusal of tools
// runs the episode again from the start in text mode (`auto`).
Result<EpisodeRecord> RunEpisode(const Case& c, Store& store, const RunInputs& in, Model& model, int max_turns,
                                 ToolModes& modes, const EpisodeContext& context) {
  const auto start = Clock::now();
  for (;;) {
    const ToolMode mode = modes.current();
    MEDCRED_ASSIGN_OR_RETURN(Episode episode, Episode::Open(store, *in.environment, c));
    EpisodeLoop loop(c, in, model, episode, max_turns, mode, context);
    MEDCRED_ASSIGN_OR_RETURN(EpisodeRecord record, loop.Run());
    if (loop.tools_refused()) {
      if (!modes.SwitchToText(model.spec(), *loop.tools_refused())) {
        return Status::External(model.spec() + " refused tool calls (" + *loop.tools_refused() +
                                "): serve it with tool calling (docs/models.md), or run with --tool-mode auto or text");
      }
      continue;
    }
    record.invalid_orders = episode.invalid_orders();
    record.cost = model.charges_performed_tests() ? episode.performed_cost() : episode.cost();
    // The truth travels with the episode (this file stays local, mode 0600).
    record.truth_principal = c.truth.principal;
    record.truth_secondary = c.truth.secondary;
    // The deterministic grade (docs/methodology.md#grading); an episode without an answer grades `none`.
    record.grade = in.grader->GradeWithDifferential(
        c.truth.principal, c.truth.secondary, record.answer ? record.answer->diagnosis : "",
        record.answer ? record.answer->icd10 : std::nullopt,
        record.answer ? record.answer->differential : std::vector<std::string>{});
    const auto& ordered = episode.ordered_lab_concepts();
    record.tests_ordered.assign(ordered.begin(), ordered.end());
    const auto performed = episode.performed_lab_concepts();
    record.tests_performed.assign(performed.begin(), performed.end());
    record.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return record;
  }
}

// Runs `todo` on `concurrency` worker threads, each with its own store
// connection, appending each episode as it ends. The first failure stops
// every worker and is returned.
Status RunWorkers(const RunOptions& o, RunInputs& in, Model& model, int max_turns, const std::vector<Todo>& todo,
                  RunDir::EpisodeWriter& log, ToolModes& modes, std::map<std::string, int>* outcomes, int* ran) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status failure;
  auto worker = [&]() {
    auto store = OpenStore(o.store);
    if (!store.ok()) {
      std::lock_guard<std::mutex> lock(mu);
      failure = store.status();
      return;
    }
    for (size_t i = next++; i < todo.size(); i = next++) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure.ok()) return;
      }
      // A light case set: the case whole again for this episode only.
      std::optional<Result<Case>> whole;
      if (in.cases.light) whole = in.case_source->Build(**store, *todo[i].c);
      if (whole && !whole->ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (failure.ok()) failure = whole->status();
        return;
      }
      const Case& c = whole ? **whole : *todo[i].c;
      EpisodeContext context{&c, 0, todo[i].epoch, std::nullopt};
      if (o.epochs > 1) context.seed = o.seed + static_cast<uint64_t>(todo[i].epoch - 1);
      auto record = RunEpisode(c, **store, in, model, max_turns, modes, context);
      Status s = record.ok() ? log.Append(*record) : record.status();
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) {
        if (failure.ok()) failure = s;
        return;
      }
      ++(*outcomes)[record->outcome];  // counted, not kept per episode
      ++*ran;
    }
  };
  std::vector<std::thread> threads;
  const int n = std::min<int>(o.concurrency, std::max<int>(1, static_cast<int>(todo.size())));
  for (int t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return failure;
}

// run.json again, when the episodes end: the adapter's settings and the tool modes used.
Status UpdateManifest(const RunDir& dir, const Model& model, const ToolModes& modes) {
  MEDCRED_ASSIGN_OR_RETURN(RunManifest m, dir.ReadManifest());
  m.model_settings = model.Describe();
  m.tool_modes.clear();
  MEDCRED_RETURN_IF_ERROR(dir.ForEachEpisode([&](EpisodeRecord& e, const RunDir::EpisodeLocation&) -> Status {
    m.tool_modes[e.tool_mode]++;
    return Status::OK();
  }));
  if (!modes.refusal().empty()) m.tool_refusal = modes.refusal();
  return dir.WriteManifest(m);
}

}  // namespace

Status ParseShard(const std::string& text, int* k, int* n) {
  const size_t slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    size_t used = 0;
    *k = std::stoi(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("k");
    *n = std::stoi(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) throw std::invalid_argument("n");
  } catch (const std::exception&) {  // std::stoi reports by exception
    return Status::Usage("--shard '" + text + "' is not K/N, e.g. 2/8");
  }
  if (*n < 1 || *k < 1 || *k > *n) return Status::Usage("--shard " + text + ": need 1 <= K <= N");
  return Status::OK();
}

int ShardOf(const std::string& case_id, int n) {
  const std::string hex = Sha256::Hex("medcred-shard-v1:" + case_id);
  uint64_t v = std::stoull(hex.substr(0, 15), nullptr, 16);
  return static_cast<int>(v % static_cast<uint64_t>(n)) + 1;
}

Result<std::unique_ptr<RunInputs>> LoadRunInputs(const RunOptions& o) {
  auto in = std::make_unique<RunInputs>();
  MEDCRED_ASSIGN_OR_RETURN(in->taxonomy, Taxonomy::Load());
  MEDCRED_ASSIGN_OR_RETURN(in->rules, PresentationRules::Load());
  MEDCRED_ASSIGN_OR_RETURN(in->protocol, Protocol::Load());
  MEDCRED_ASSIGN_OR_RETURN(std::string ref_dir, IcdReference::FindDir(o.reference));
  MEDCRED_ASSIGN_OR_RETURN(IcdReference ref, IcdReference::Load(ref_dir));
  in->reference = std::move(ref);
  // One CCSR for the cases' leakage audit and the grader's ccsr level.
  MEDCRED_ASSIGN_OR_RETURN(Ccsr ccsr, Ccsr::Load(ref_dir));
  in->ccsr = std::make_shared<const Ccsr>(std::move(ccsr));
  MEDCRED_ASSIGN_OR_RETURN(LabCatalog catalog, LabCatalog::Load());
  // LOINC names of the lab dictionary, from the same reference folder (the catalog's hash then covers it).
  MEDCRED_RETURN_IF_ERROR(catalog.UseLoincFrom(ref_dir));
  if (!catalog.has_loinc()) std::fprintf(stderr, "medcred: %s\n", catalog.loinc_note().c_str());
  MEDCRED_ASSIGN_OR_RETURN(CostTable costs, CostTable::Load());
  MEDCRED_ASSIGN_OR_RETURN(in->store, OpenStore(o.store));
  MEDCRED_ASSIGN_OR_RETURN(in->store_summary, in->store->Summary());
  MEDCRED_ASSIGN_OR_RETURN(in->known_datasets, KnownDatasets::Load());
  in->dataset = IdentifyStore(in->store_summary, in->known_datasets);
  // The grader before the cases: loading it (its title index) needs tens of
  // MB for a moment, which should not come on top of the store's cases.
  MEDCRED_ASSIGN_OR_RETURN(Grader grader, Grader::Load(&*in->reference, in->ccsr));
  in->grader = std::move(grader);
  MEDCRED_ASSIGN_OR_RETURN(in->case_source, CaseSource::Open(*in->store, CaseInputs{&in->taxonomy, &in->rules,
                                                                                    &*in->reference, in->ccsr.get()}));
  MEDCRED_ASSIGN_OR_RETURN(in->cases, in->case_source->Collect(*in->store, /*light=*/true));
  // The diagnostic window is the taxonomy's, the same that case inclusion counted labs in.
  const WindowHours window{in->taxonomy.inclusion().window_hours_before, in->taxonomy.inclusion().window_hours_after};
  MEDCRED_ASSIGN_OR_RETURN(Environment env,
                           Environment::Create(*in->store, std::move(catalog), std::move(costs), in->rules, window));
  in->environment = std::move(env);
  return in;
}

namespace {

// Only the cases of this shard.
std::vector<const Case*> ShardCases(const std::vector<const Case*>& cases, const RunOptions& o) {
  if (o.shard_count <= 1) return cases;
  std::vector<const Case*> mine;
  for (const Case* c : cases) {
    if (ShardOf(c->case_id, o.shard_count) == o.shard_index) mine.push_back(c);
  }
  return mine;
}

}  // namespace

Result<std::vector<const Case*>> SelectCases(const CaseSet& cases, const Taxonomy& taxonomy, const RunOptions& o,
                                             const Methodology* methodology) {
  if (o.split != "test" && o.split != "dev" && o.split != "all") {
    return Status::Usage("--split must be test, dev or all");
  }
  if (o.category != "all" && taxonomy.Find(o.category) == nullptr) {
    return Status::Usage("no category '" + o.category + "' (see `medcred categories`)");
  }
  if (o.exam) {
    if (methodology == nullptr) return Status::Usage("--exam needs the methodology");
    if (o.cases > 0 || !o.case_ids.empty()) {
      return Status::Usage("--exam runs exactly the standard exam: not with --cases or --case-ids");
    }
    MEDCRED_ASSIGN_OR_RETURN(Exam exam, Exam::Build(cases, taxonomy, *methodology));
    if (o.split != "test" && o.split != methodology->split) {
      return Status::Usage("--exam is drawn from the " + methodology->split + " split: not with --split " + o.split);
    }
    if (o.category != "all" && !exam.categories().count(o.category)) {
      return Status::Usage("--exam: category " + o.category + " has no " + methodology->split + " cases in this store");
    }
    const std::set<std::string> ids = exam.CaseIds(o.category);
    std::vector<const Case*> out;
    for (const Case& c : cases.cases) {
      if (ids.count(c.case_id)) out.push_back(&c);
    }
    return ShardCases(out, o);
  }
  std::vector<const Case*> out;
  for (const Case& c : cases.cases) {
    if (o.split != "all" && c.split != o.split) continue;
    if (o.category != "all" && std::find(c.categories.begin(), c.categories.end(), o.category) == c.categories.end()) {
      continue;
    }
    out.push_back(&c);
  }
  if (!o.case_ids.empty()) {
    std::vector<const Case*> chosen;
    for (const std::string& id : o.case_ids) {
      auto it = std::find_if(cases.cases.begin(), cases.cases.end(), [&](const Case& c) { return c.case_id == id; });
      if (it == cases.cases.end()) return Status::Usage("--case-ids: no case " + id + " in this store");
      if (std::find(out.begin(), out.end(), &*it) == out.end()) {
        return Status::Usage("--case-ids: " + id + " is not in the selected split and category");
      }
      if (std::find(chosen.begin(), chosen.end(), &*it) == chosen.end()) chosen.push_back(&*it);
    }
    out = chosen;
  }
  if (o.cases > 0 && static_cast<size_t>(o.cases) < out.size()) {
    // A seeded, store-independent order: the same seed picks the same cases.
    std::vector<std::pair<std::string, const Case*>> keyed;
    for (const Case* c : out) keyed.emplace_back(Sha256::Hex(std::to_string(o.seed) + ":" + c->case_id), c);
    std::sort(keyed.begin(), keyed.end());
    keyed.resize(static_cast<size_t>(o.cases));
    out.clear();
    for (const auto& [key, c] : keyed) out.push_back(c);
  }
  return ShardCases(out, o);
}

Result<RunResult> Run(const RunOptions& o, RunInputs& in, Model& model) {
  const auto start = Clock::now();
  if (o.out_dir.empty()) return Status::Usage("no --out given");
  if (o.concurrency < 1 || o.concurrency > 256) return Status::Usage("--concurrency must be from 1 to 256");
  if (o.tool_mode != "native" && o.tool_mode != "text" && o.tool_mode != "auto")
    return Status::Usage("--tool-mode must be native, text or auto");
  if (o.tool_mode == "text" && !in.protocol.has_text_mode())
    return Status::Usage("--tool-mode text: protocol " + in.protocol.version() + " has no text mode");
  if (o.epochs < 1 || o.epochs > 1000) return Status::Usage("--epochs must be from 1 to 1000");
  MEDCRED_ASSIGN_OR_RETURN(std::vector<const Case*> selected,
                           SelectCases(in.cases, in.taxonomy, o, &in.grader->methodology()));
  const int max_turns = o.max_turns > 0 ? o.max_turns : in.protocol.limits().max_turns;

  const RunDir dir(o.out_dir);
  MEDCRED_RETURN_IF_ERROR(PrepareRunDir(dir, o, in, selected.size(), max_turns));
  MEDCRED_ASSIGN_OR_RETURN(RunDir::Lock lock, dir.LockForWriting());
  MEDCRED_RETURN_IF_ERROR(dir.CutPartialLastLine());
  MEDCRED_ASSIGN_OR_RETURN(auto done, DoneEpisodes(dir));
  RunResult result;
  for (const auto& [key, outcome] : done) result.outcomes[outcome]++;
  result.selected = static_cast<int>(selected.size());
  // Epoch by epoch: an interrupted run has whole epochs first.
  std::vector<Todo> todo;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    for (const Case* c : selected) {
      if (done.count({c->case_id, epoch})) {
        ++result.skipped;
      } else {
        todo.push_back({c, epoch});
      }
    }
  }
  MEDCRED_ASSIGN_OR_RETURN(auto log, dir.OpenEpisodeWriter());
  const auto episodes_start = Clock::now();
  // Protocol v1 has no text mode: `auto` is native there.
  ToolModes modes(o.tool_mode == "auto" && !in.protocol.has_text_mode() ? "native" : o.tool_mode);
  done.clear();
  const Status workers = RunWorkers(o, in, model, max_turns, todo, *log, modes, &result.outcomes, &result.ran);
  log.reset();
  const Status manifest = UpdateManifest(dir, model, modes);
  MEDCRED_RETURN_IF_ERROR(workers);
  MEDCRED_RETURN_IF_ERROR(manifest);
  result.episode_seconds = std::chrono::duration<double>(Clock::now() - episodes_start).count();
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

Status Merge(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) return Status::Usage("merge: no run directories given");
  const RunDir out(out_dir);
  if (out.Inspect() == RunDir::State::kRun) return Status::Usage(out_dir + " already holds a run");
  std::optional<RunManifest> first;
  std::map<std::string, int64_t> tool_modes;
  // (case id, epoch) -> where its line is: lines are copied one at a time, never all held.
  std::map<EpisodeKey, std::pair<size_t, RunDir::EpisodeLocation>> lines;
  std::vector<std::string> shards;
  for (const std::string& path : dirs) {
    const RunDir dir(path);
    MEDCRED_ASSIGN_OR_RETURN(RunManifest run, dir.ReadManifest());
    shards.push_back(run.fingerprint.shard);
    for (const auto& [mode, n] : run.tool_modes) tool_modes[mode] += n;
    if (!first) {
      first = run;
    } else {
      RunFingerprint a = run.fingerprint, b = first->fingerprint;
      a.shard = b.shard = "";
      if (a.ToJson() != b.ToJson()) {
        return Status::Usage(dir.manifest_path() + ": this run was made with other settings, files or data than " +
                             dirs[0]);
      }
    }
    const size_t index = &path - dirs.data();
    MEDCRED_RETURN_IF_ERROR(dir.ForEachEpisodeKey(
        [&](const std::string& id, int64_t epoch, const RunDir::EpisodeLocation& where) -> Status {
          if (!lines.emplace(EpisodeKey{id, epoch}, std::make_pair(index, where)).second) {
            return Status::BadInput(path + ": " + id + (epoch > 1 ? " epoch " + std::to_string(epoch) : std::string()) +
                                    " is also in another run being merged");
          }
          return Status::OK();
        }));
  }
  MEDCRED_RETURN_IF_ERROR(out.CreateForNewRun());
  MEDCRED_ASSIGN_OR_RETURN(RunDir::Lock lock, out.LockForWriting());
  RunManifest run = *first;
  run.fingerprint.shard = "merged";
  run.merged_from = shards;
  run.tool_modes = tool_modes;
  run.created = NowIso8601Utc();
  MEDCRED_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::Create(out.episodes_path(), 0600));
  for (const auto& [key, at] : lines) {
    MEDCRED_ASSIGN_OR_RETURN(std::string line, RunDir(dirs[at.first]).ReadEpisodeLineAt(at.second));
    MEDCRED_RETURN_IF_ERROR(file.Append(line + "\n"));
  }
  MEDCRED_RETURN_IF_ERROR(file.Commit());
  return out.WriteManifest(run);
}

}  // namespace medcred

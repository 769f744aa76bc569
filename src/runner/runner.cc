#include "runner/runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
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
#include "store/postgres_store.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// The part of run.json a resumed run must agree with.
nlohmann::json Fingerprint(const RunOptions& o, const RunInputs& in) {
  return {{"model", o.model},
          {"category", o.category},
          {"split", o.split},
          {"cases", o.cases},
          {"case_ids", o.case_ids},
          {"max_turns", o.max_turns},
          {"seed", o.seed},
          {"shard", std::to_string(o.shard_index) + "/" + std::to_string(o.shard_count)},
          {"dataset",
           {{"name", in.store_summary.dataset_name},
            {"version", in.store_summary.dataset_version},
            {"checksum_digest", in.store_summary.ChecksumDigest()}}},
          {"hashes",
           {{"protocol", in.protocol.sha256()},
            {"taxonomy", in.taxonomy.sha256()},
            {"catalog", in.environment->catalog().sha256()},
            {"cost_table", in.environment->costs().sha256()},
            {"presentation", in.rules.sha256},
            {"icd_reference", in.reference->digest()},
            {"lexicon", in.grader->lexicon_sha256()},
            {"methodology", in.grader->methodology().sha256}}},
          {"case_builder", kCaseBuilderVersion}};
}

// Appends one line with a single write(2): a kill leaves whole lines and at
// most one partial last line, which resume drops.
class EpisodeLog {
 public:
  Status Open(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) return Status::External(path + ": cannot open: " + std::strerror(errno));
    path_ = path;
    return Status::OK();
  }
  ~EpisodeLog() {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string data = line + "\n";
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Status::External(path_ + ": write failed: " + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    return Status::OK();
  }

 private:
  int fd_ = -1;
  std::string path_;
  std::mutex mu_;
};

// Reads episodes.jsonl: the case ids and outcomes of complete lines; a partial
// or unreadable last line is cut off the file.
Result<std::map<std::string, std::string>> ReadEpisodes(const std::string& path) {
  std::map<std::string, std::string> done;
  std::error_code ec;
  if (!fs::exists(path, ec)) return done;
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  size_t good = 0, line_no = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    ++line_no;
    if (nl == std::string::npos) break;  // the partial last line of a killed run
    nlohmann::json j = nlohmann::json::parse(text.substr(at, nl - at), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("case_id") || !j["case_id"].is_string()) {
      if (text.find('\n', nl + 1) != std::string::npos) {
        return Status::BadInput(path + ":" + std::to_string(line_no) + ": not an episode record");
      }
      break;  // a damaged last line
    }
    const std::string id = j["case_id"];
    if (!done.emplace(id, j.value("outcome", "")).second) {
      return Status::BadInput(path + ":" + std::to_string(line_no) + ": a second episode of " + id);
    }
    good = nl + 1;
    at = nl + 1;
  }
  if (good < text.size()) fs::resize_file(path, good, ec);
  if (ec) return Status::External(path + ": cannot cut the partial last line: " + ec.message());
  return done;
}

// One episode: the model in the loop until it submits, stops or hits a limit.
// A store that fails to answer (a database gone away) fails the run instead of
// recording an episode, so `--resume` runs the case again.
Result<nlohmann::json> RunEpisode(const Case& c, Store& store, const RunInputs& in, Model& model, int max_turns) {
  const auto start = Clock::now();
  const ProtocolLimits& lim = in.protocol.limits();
  nlohmann::json messages = nlohmann::json::array({{{"role", "system"}, {"content", in.protocol.system_prompt()}},
                                                   {{"role", "user"}, {"content", PresentationText(c.presentation)}}});
  nlohmann::json record = {{"case_id", c.case_id}, {"categories", c.categories}, {"split", c.split}};
  std::string outcome, error;
  nlohmann::json orders = nlohmann::json::array(), answer = nullptr;
  int turns = 0, tool_calls = 0, protocol_errors = 0, reminders = lim.reminders;
  auto episode = Episode::Open(store, *in.environment, c);
  if (!episode.ok()) return episode.status();
  while (outcome.empty()) {
    if (turns >= max_turns) {
      outcome = "limit";
      error = "turn limit (" + std::to_string(max_turns) + ") reached";
      break;
    }
    ++turns;
    EpisodeContext ctx{&c, turns};
    auto reply = model.Complete(messages, in.protocol.tools(), ctx);
    if (!reply.ok()) {
      outcome = "error";
      error = reply.status().message();
      break;
    }
    nlohmann::json assistant = {{"role", "assistant"}, {"content", reply->content}};
    if (!reply->tool_calls.empty()) {
      assistant["tool_calls"] = nlohmann::json::array();
      for (const auto& tc : reply->tool_calls) {
        assistant["tool_calls"].push_back(
            {{"id", tc.id}, {"type", "function"}, {"function", {{"name", tc.name}, {"arguments", tc.arguments}}}});
      }
    }
    messages.push_back(assistant);
    if (reply->tool_calls.empty()) {
      if (reminders-- > 0) {
        messages.push_back({{"role", "user"}, {"content", in.protocol.reminder()}});
        continue;
      }
      outcome = "no_diagnosis";
      break;
    }
    for (const auto& tc : reply->tool_calls) {
      if (tool_calls >= lim.max_tool_calls) {
        outcome = "limit";
        error = "tool-call limit (" + std::to_string(lim.max_tool_calls) + ") reached";
        break;
      }
      ++tool_calls;
      auto call = ParseToolCall(tc.name, tc.arguments, lim.max_tests_per_order);
      if (!call.ok()) {
        ++protocol_errors;
        messages.push_back(
            {{"role", "tool"}, {"tool_call_id", tc.id}, {"content", "Error: " + call.status().message()}});
        continue;
      }
      ToolResult r = episode->Call(*call);
      orders.push_back(r.record);
      messages.push_back({{"role", "tool"}, {"tool_call_id", tc.id}, {"content", r.text}});
      if (r.submitted) {
        outcome = "diagnosed";
        answer = call->ToJson();
        answer.erase("tool");
        break;
      }
    }
  }
  record["outcome"] = outcome;
  record["turns"] = turns;
  record["tool_calls"] = tool_calls;
  record["protocol_errors"] = protocol_errors;
  record["invalid_orders"] = episode->invalid_orders();
  record["cost"] = episode->cost();
  record["messages"] = messages;
  record["orders"] = orders;
  record["answer"] = answer;
  // The truth travels with the episode (this file stays local, mode 0600), so
  // `medcred report` can re-grade it without the store.
  record["truth"] = {{"principal", c.truth.principal}, {"secondary", c.truth.secondary}};
  // The deterministic grade (SPEC 7); an episode without an answer grades `none`.
  const std::string text = answer.is_object() ? answer.value("diagnosis", "") : "";
  std::optional<std::string> code;
  if (answer.is_object() && answer.contains("icd10")) code = answer["icd10"].get<std::string>();
  const Grade grade = in.grader->GradeAnswer(c.truth.principal, c.truth.secondary, text, code);
  record["grade"] = {
      {"level", grade.level},
      {"credit", grade.credit},
      {"mapped_code", grade.mapped_code.empty() ? nlohmann::json(nullptr) : nlohmann::json(grade.mapped_code)}};
  record["tests_ordered"] = episode->ordered_lab_concepts();
  record["tests_performed"] = episode->performed_lab_concepts();
  record["error"] = error.empty() ? nlohmann::json(nullptr) : nlohmann::json(error);
  record["seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
  return record;
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
  MEDCRED_ASSIGN_OR_RETURN(LabCatalog catalog, LabCatalog::Load());
  MEDCRED_ASSIGN_OR_RETURN(CostTable costs, CostTable::Load());
  MEDCRED_ASSIGN_OR_RETURN(in->store, OpenStore(o.store));
  MEDCRED_ASSIGN_OR_RETURN(in->store_summary, in->store->Summary());
  MEDCRED_ASSIGN_OR_RETURN(in->cases, BuildCases(*in->store, CaseInputs{&in->taxonomy, &in->rules, &*in->reference}));
  MEDCRED_ASSIGN_OR_RETURN(
      Environment env, Environment::Create(*in->store, std::move(catalog), std::move(costs), in->rules, WindowHours{}));
  in->environment = std::move(env);
  MEDCRED_ASSIGN_OR_RETURN(Grader grader, Grader::Load(&*in->reference));
  in->grader = std::move(grader);
  return in;
}

Result<std::vector<const Case*>> SelectCases(const CaseSet& cases, const Taxonomy& taxonomy, const RunOptions& o) {
  if (o.split != "test" && o.split != "dev" && o.split != "all") {
    return Status::Usage("--split must be test, dev or all");
  }
  if (o.category != "all" && taxonomy.Find(o.category) == nullptr) {
    return Status::Usage("no category '" + o.category + "' (see `medcred categories`)");
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
  if (o.shard_count > 1) {
    std::vector<const Case*> mine;
    for (const Case* c : out) {
      if (ShardOf(c->case_id, o.shard_count) == o.shard_index) mine.push_back(c);
    }
    out = mine;
  }
  return out;
}

Result<RunResult> Run(const RunOptions& o, RunInputs& in, Model& model) {
  const auto start = Clock::now();
  if (o.out_dir.empty()) return Status::Usage("no --out given");
  if (o.concurrency < 1 || o.concurrency > 256) return Status::Usage("--concurrency must be from 1 to 256");
  MEDCRED_ASSIGN_OR_RETURN(std::vector<const Case*> selected, SelectCases(in.cases, in.taxonomy, o));
  const int max_turns = o.max_turns > 0 ? o.max_turns : in.protocol.limits().max_turns;

  std::error_code ec;
  const std::string run_json = (fs::path(o.out_dir) / "run.json").string();
  const std::string episodes_path = (fs::path(o.out_dir) / "episodes.jsonl").string();
  const nlohmann::json fingerprint = Fingerprint(o, in);
  if (fs::exists(run_json, ec)) {
    if (!o.resume)
      return Status::Usage(o.out_dir + " already holds a run; pass --resume to finish it, or another --out");
    MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(run_json));
    nlohmann::json old = nlohmann::json::parse(text, nullptr, false);
    if (old.is_discarded() || !old.contains("fingerprint")) return Status::BadInput(run_json + ": not a run.json");
    if (old["fingerprint"] != fingerprint) {
      return Status::Usage(run_json +
                           ": this run was made with other settings, files or data; resume it with the same ones");
    }
  } else {
    fs::create_directories(o.out_dir, ec);
    if (ec) return Status::External(o.out_dir + ": cannot create: " + ec.message());
    fs::permissions(o.out_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    // Each category's whole suite on the credential split: credentials.json
    // says whether a run covered it completely.
    nlohmann::json suites = nlohmann::json::object();
    const std::string credential_split = in.grader->methodology().split;
    for (const auto& [category, by_split] : in.cases.stats.suites) {
      if (by_split.count(credential_split)) suites[category] = by_split.at(credential_split);
    }
    const nlohmann::json run = {{"medcred_version", kVersion},
                                {"git_commit", kGitCommit},
                                {"created", NowIso8601Utc()},
                                {"demo", in.store_summary.demo},
                                {"store", RedactUri(o.store)},  // a PostgreSQL password is never written
                                {"selected_cases", selected.size()},
                                {"limits",
                                 {{"max_turns", max_turns},
                                  {"max_tool_calls", in.protocol.limits().max_tool_calls},
                                  {"call_timeout_seconds", in.protocol.limits().call_timeout_seconds},
                                  {"max_output_tokens", in.protocol.limits().max_output_tokens}}},
                                {"protocol_version", in.protocol.version()},
                                {"taxonomy_version", in.taxonomy.version()},
                                {"suites", suites},
                                {"fingerprint", fingerprint}};
    MEDCRED_RETURN_IF_ERROR(WriteFileAtomically(run_json, run.dump(2) + "\n", 0600));
  }

  MEDCRED_ASSIGN_OR_RETURN(auto done, ReadEpisodes(episodes_path));
  RunResult result;
  result.selected = static_cast<int>(selected.size());
  std::vector<const Case*> todo;
  for (const Case* c : selected) {
    if (done.count(c->case_id)) {
      ++result.skipped;
    } else {
      todo.push_back(c);
    }
  }

  EpisodeLog log;
  MEDCRED_RETURN_IF_ERROR(log.Open(episodes_path));
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status failure;
  std::map<std::string, std::string> outcomes = done;
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
      auto record = RunEpisode(*todo[i], **store, in, model, max_turns);
      Status s = record.ok() ? log.Append(record->dump()) : record.status();
      std::lock_guard<std::mutex> lock(mu);
      if (!s.ok()) {
        failure = s;
        return;
      }
      outcomes[todo[i]->case_id] = (*record)["outcome"].get<std::string>();
      ++result.ran;
    }
  };
  std::vector<std::thread> threads;
  const int n = std::min<int>(o.concurrency, std::max<int>(1, static_cast<int>(todo.size())));
  const auto episodes_start = Clock::now();
  for (int t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  result.episode_seconds = std::chrono::duration<double>(Clock::now() - episodes_start).count();
  if (!failure.ok()) return failure;

  for (const auto& [id, outcome] : outcomes) result.outcomes[outcome]++;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

Status Merge(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) return Status::Usage("merge: no run directories given");
  std::error_code ec;
  if (fs::exists(fs::path(out_dir) / "run.json", ec)) return Status::Usage(out_dir + " already holds a run");
  nlohmann::json first;
  std::map<std::string, std::string> lines;  // case id -> episode line
  std::vector<std::string> shards;
  for (const std::string& dir : dirs) {
    const std::string run_json = (fs::path(dir) / "run.json").string();
    MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(run_json));
    nlohmann::json run = nlohmann::json::parse(text, nullptr, false);
    if (run.is_discarded() || !run.contains("fingerprint")) return Status::BadInput(run_json + ": not a run.json");
    nlohmann::json fp = run["fingerprint"];
    shards.push_back(fp.value("shard", ""));
    fp.erase("shard");
    if (first.is_null()) {
      first = run;
    } else {
      nlohmann::json want = first["fingerprint"];
      want.erase("shard");
      if (fp != want)
        return Status::Usage(run_json + ": this run was made with other settings, files or data than " + dirs[0]);
    }
    MEDCRED_ASSIGN_OR_RETURN(auto done, ReadEpisodes((fs::path(dir) / "episodes.jsonl").string()));
    MEDCRED_ASSIGN_OR_RETURN(std::string episodes, ReadWholeFile((fs::path(dir) / "episodes.jsonl").string()));
    std::istringstream in(episodes);
    for (std::string line; std::getline(in, line);) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      const std::string id = j["case_id"];
      if (!lines.emplace(id, line).second)
        return Status::BadInput(dir + ": " + id + " is also in another run being merged");
    }
  }
  fs::create_directories(out_dir, ec);
  if (ec) return Status::External(out_dir + ": cannot create: " + ec.message());
  fs::permissions(out_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  nlohmann::json run = first;
  run["fingerprint"]["shard"] = "merged";
  run["merged_from"] = shards;
  run["created"] = NowIso8601Utc();
  std::string all;
  for (const auto& [id, line] : lines) all += line + "\n";
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically((fs::path(out_dir) / "episodes.jsonl").string(), all, 0600));
  return WriteFileAtomically((fs::path(out_dir) / "run.json").string(), run.dump(2) + "\n", 0600);
}

}  // namespace medcred

#include "runner/runner.h"
#include "runner/runner_testing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "grading/exam.h"
#include "ingest/ingest.h"
#include "models/baselines.h"
#include "models/labs_bayes.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using ::testing::HasSubstr;

using test::Calls;
using test::Scripted;

std::vector<nlohmann::json> Episodes(const std::string& dir) { return test::ReadEpisodeLines(dir); }

using RunnerTest = test::SyntheticRunTest;

TEST_F(RunnerTest, EveryCaseGetsExactlyOneEpisodeWithTheRightOutcome) {
  Scripted good([](const EpisodeContext& ctx) -> Result<ModelReply> {
    if (ctx.turn == 1) return Calls({{"get_history", ""}, {"order_labs", R"({"tests": ["BMP", "troponin"]})"}});
    return Calls({{"submit_diagnosis", R"({"diagnosis": "myocardial infarction", "icd10": "I21.4"})"}});
  });
  auto r = medcred::Run(Options("good"), *inputs_, good);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->selected, 4);
  EXPECT_EQ(r->outcomes["diagnosed"], 4);
  auto eps = Episodes(tmp_ / "good");
  ASSERT_EQ(eps.size(), 4u);
  std::set<std::string> ids;
  for (const auto& e : eps) {
    ids.insert(e["case_id"].get<std::string>());
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["turns"], 2);
    EXPECT_EQ(e["answer"]["icd10"], "I21.4");
    EXPECT_GT(e["cost"].get<double>(), 0);
    EXPECT_EQ(e["messages"][0]["role"], "system");
    EXPECT_EQ(e["orders"].size(), 3u);
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(fs::status(tmp_ / "good").permissions() & fs::perms::all, fs::perms::owner_all);
  // The store's whole truth travels with each episode (the run holds its
  // cases light, with the principal only); summary and credentials are built
  // afterwards.
  for (const auto& e : eps) {
    const Case* c = nullptr;
    for (const Case& k : inputs_->cases.cases) {
      if (k.case_id == e["case_id"]) c = &k;
    }
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(e["truth"]["principal"], c->truth.principal);
    auto truth = inputs_->case_source->TruthOf(*inputs_->store, *c);
    ASSERT_TRUE(truth.ok()) << truth.status().message();
    EXPECT_EQ(e["truth"]["secondary"], truth->secondary);
  }
  EXPECT_FALSE(fs::exists(tmp_ / "good/summary.json"));
  auto run = nlohmann::json::parse(test::ReadFile(tmp_ / "good/run.json"));
  EXPECT_EQ(run["fingerprint"]["dataset"]["checksum_digest"].get<std::string>().size(), 64u);
  EXPECT_TRUE(run["suites"].is_object());
}

TEST_F(RunnerTest, RemindersLimitsProtocolErrorsAndFailures) {
  Scripted silent([](const EpisodeContext&) -> Result<ModelReply> {
    return ModelReply{"I think it is a heart attack.", {}};
  });
  auto r = medcred::Run(Options("silent"), *inputs_, silent);
  ASSERT_TRUE(r.ok());
  for (const auto& e : Episodes(tmp_ / "silent")) {
    EXPECT_EQ(e["outcome"], "no_diagnosis");
    EXPECT_EQ(e["turns"], 2);  // one reminder, then the episode ends
  }

  Scripted endless([](const EpisodeContext&) -> Result<ModelReply> {
    return Calls({{"order_labs", R"({"tests": ["CBC"]})"},
                  {"order_labs", R"({"tests": ["BMP"]})"},
                  {"order_labs", R"({"tests": ["LFTs"]})"}});
  });
  r = medcred::Run(Options("endless"), *inputs_, endless);
  ASSERT_TRUE(r.ok());
  for (const auto& e : Episodes(tmp_ / "endless")) {
    EXPECT_EQ(e["outcome"], "limit");
    EXPECT_EQ(e["tool_calls"], 40);
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("tool-call limit"));
  }
  RunOptions few = Options("turns");
  few.max_turns = 3;
  Scripted chatty([](const EpisodeContext&) -> Result<ModelReply> { return Calls({{"get_history", ""}}); });
  r = medcred::Run(few, *inputs_, chatty);
  ASSERT_TRUE(r.ok());
  for (const auto& e : Episodes(tmp_ / "turns")) {
    EXPECT_EQ(e["outcome"], "limit");
    EXPECT_EQ(e["turns"], 3);
  }

  Scripted sloppy([](const EpisodeContext& ctx) -> Result<ModelReply> {
    if (ctx.turn == 1)
      return Calls({{"order_labs", R"({"tests": "CBC"})"}, {"order_pizza", "{}"}, {"order_labs", "{oops"}});
    return Calls({{"submit_diagnosis", R"({"diagnosis": "pneumonia"})"}});
  });
  r = medcred::Run(Options("sloppy"), *inputs_, sloppy);
  ASSERT_TRUE(r.ok());
  for (const auto& e : Episodes(tmp_ / "sloppy")) {
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["protocol_errors"], 3);
    EXPECT_THAT(e["messages"][3]["content"].get<std::string>(), HasSubstr("Error: order_labs: 'tests' must be a list"));
  }
}

// An outage is not a zero: a model call that fails for an external reason
// stops the run (exit 3, naming the endpoint), nothing is recorded for that
// case, and --resume runs it again. Garbage the model sends is its outcome.
TEST_F(RunnerTest, AnEndpointOutageStopsTheRunAndResumeRunsThoseCasesAgain) {
  const std::string down_case = inputs_->cases.cases[1].case_id;
  auto answer = [](const EpisodeContext& ctx) -> Result<ModelReply> {
    if (ctx.turn == 1) return Calls({{"get_history", ""}});
    return Calls({{"submit_diagnosis", R"({"diagnosis": "sepsis"})"}});
  };
  Scripted outage([&](const EpisodeContext& ctx) -> Result<ModelReply> {
    if (ctx.case_->case_id == down_case) {
      return Status::External("openai: http://127.0.0.1:9/v1/chat/completions: Couldn't connect to server");
    }
    return answer(ctx);
  });
  RunOptions o = Options("outage");
  auto r = medcred::Run(o, *inputs_, outage);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kExternal);
  EXPECT_EQ(r.status().exit_code(), 3);
  EXPECT_THAT(r.status().message(), HasSubstr("127.0.0.1:9"));
  for (const auto& e : Episodes(o.out_dir)) {
    EXPECT_NE(e["case_id"], down_case) << "an outage was recorded as an episode";
    EXPECT_NE(e["outcome"], "error");
  }
  o.resume = true;
  Scripted back(answer);
  r = medcred::Run(o, *inputs_, back);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GE(r->ran, 1);
  auto eps = Episodes(o.out_dir);
  ASSERT_EQ(eps.size(), 4u);
  for (const auto& e : eps) EXPECT_EQ(e["outcome"], "diagnosed");

  Scripted babble(
      [](const EpisodeContext&) -> Result<ModelReply> { return Status::BadInput("the agent's reply: not JSON"); });
  r = medcred::Run(Options("garbage"), *inputs_, babble);
  ASSERT_TRUE(r.ok()) << r.status().message();
  for (const auto& e : Episodes(tmp_ / "garbage")) {
    EXPECT_EQ(e["outcome"], "error");
    EXPECT_EQ(e["error"], "the agent's reply: not JSON");
  }
}

TEST_F(RunnerTest, ResumeDropsAPartialLineAndRunsOnlyWhatIsMissing) {
  NullBaseline null_model;
  RunOptions o = Options("resume");
  o.cases = 2;
  ASSERT_TRUE(medcred::Run(o, *inputs_, null_model).ok());
  ASSERT_EQ(Episodes(o.out_dir).size(), 2u);
  // Another selection in the same directory is refused.
  o.cases = 0;
  o.resume = true;
  auto mismatch = medcred::Run(o, *inputs_, null_model);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_THAT(mismatch.status().message(), HasSubstr("other settings"));
  o.cases = 2;
  // A run killed mid-write leaves a partial line.
  { std::ofstream(o.out_dir + "/episodes.jsonl", std::ios::app) << "{\"case_id\": \"hadm-3"; }
  auto r = medcred::Run(o, *inputs_, null_model);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->skipped, 2);
  EXPECT_EQ(r->ran, 0);
  EXPECT_EQ(Episodes(o.out_dir).size(), 2u);
  // Without --resume an existing run directory is refused.
  o.resume = false;
  EXPECT_EQ(medcred::Run(o, *inputs_, null_model).status().kind(), Status::Kind::kUsage);
}

TEST_F(RunnerTest, KilledAtAnyMomentAndResumedEndsAsAnUninterruptedRun) {
  auto slow = [](const EpisodeContext& ctx) -> Result<ModelReply> {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    if (ctx.turn < 3) return Calls({{"order_labs", R"({"tests": ["CBC"]})"}});
    return Calls({{"submit_diagnosis", R"({"diagnosis": "sepsis", "icd10": "A41.9"})"}});
  };
  Scripted reference_model(slow);
  ASSERT_TRUE(medcred::Run(Options("whole"), *inputs_, reference_model).ok());
  auto lines = [](const std::string& path) {
    std::ifstream in(path);
    return static_cast<int>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
  };
  // Kill points: as soon as run.json exists (nothing done), and as soon as the
  // first episode is written (mid-run: 4 cases of ~180 ms on 2 threads).
  for (int min_lines : {0, 1}) {
    const std::string dir = tmp_ / ("killed" + std::to_string(min_lines));
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      Scripted m(slow);
      RunOptions o = Options("killed" + std::to_string(min_lines));
      o.concurrency = 2;
      (void)medcred::Run(o, *inputs_, m);
      _exit(0);
    }
    for (int i = 0; i < 2000; ++i) {
      if (fs::exists(dir + "/run.json") && (min_lines == 0 || lines(dir + "/episodes.jsonl") >= min_lines)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_LT(lines(dir + "/episodes.jsonl"), 4) << "the kill came after the run had finished";
    RunOptions o = Options("killed" + std::to_string(min_lines));
    o.resume = true;
    Scripted m(slow);
    auto r = medcred::Run(o, *inputs_, m);
    ASSERT_TRUE(r.ok()) << r.status().message();
    std::map<std::string, nlohmann::json> got, want;
    for (const auto& e : Episodes(dir)) {
      EXPECT_TRUE(got.emplace(e["case_id"], nlohmann::json{e["outcome"], e["answer"], e["orders"]}).second)
          << "duplicate";
    }
    for (const auto& e : Episodes(tmp_ / "whole"))
      want.emplace(e["case_id"], nlohmann::json{e["outcome"], e["answer"], e["orders"]});
    EXPECT_EQ(got, want) << "killed after " << min_lines << " episode(s)";
  }
}

TEST_F(RunnerTest, ShardsPartitionTheCasesAndSelectionIsDeterministic) {
  std::set<std::string> all, seen;
  RunOptions o = Options("x");
  auto base = SelectCases(inputs_->cases, inputs_->taxonomy, o);
  ASSERT_TRUE(base.ok());
  for (const Case* c : *base) all.insert(c->case_id);
  o.shard_count = 3;
  for (int k = 1; k <= 3; ++k) {
    o.shard_index = k;
    auto part = SelectCases(inputs_->cases, inputs_->taxonomy, o);
    ASSERT_TRUE(part.ok());
    for (const Case* c : *part) EXPECT_TRUE(seen.insert(c->case_id).second) << "in two shards";
  }
  EXPECT_EQ(seen, all);
  o = Options("x");
  o.cases = 2;
  o.seed = 7;
  auto a = SelectCases(inputs_->cases, inputs_->taxonomy, o), b = SelectCases(inputs_->cases, inputs_->taxonomy, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->size(), 2u);
  o.cases = 0;
  o.case_ids = {"hadm-999"};
  EXPECT_EQ(SelectCases(inputs_->cases, inputs_->taxonomy, o).status().kind(), Status::Kind::kUsage);
  o.case_ids = {"hadm-301"};
  o.category = "cardiology";
  EXPECT_THAT(SelectCases(inputs_->cases, inputs_->taxonomy, o).status().message(), HasSubstr("not in the selected"));
  int k = 0, n = 0;
  EXPECT_TRUE(ParseShard("2/8", &k, &n).ok());
  EXPECT_EQ(k, 2);
  EXPECT_EQ(n, 8);
  EXPECT_FALSE(ParseShard("9/8", &k, &n).ok());
  EXPECT_FALSE(ParseShard("2-8", &k, &n).ok());
  EXPECT_FALSE(ParseShard("2/8x", &k, &n).ok());
}

TEST_F(RunnerTest, ShardsRunApartAndMergedEqualOneWholeRun) {
  Scripted doctor([](const EpisodeContext& ctx) -> Result<ModelReply> {
    if (ctx.turn == 1) return Calls({{"order_labs", R"({"tests": ["CBC"]})"}});
    return Calls({{"submit_diagnosis", R"({"diagnosis": "sepsis"})"}});
  });
  ASSERT_TRUE(medcred::Run(Options("whole"), *inputs_, doctor).ok());
  std::vector<std::string> parts;
  for (int k = 1; k <= 3; ++k) {
    RunOptions o = Options("part" + std::to_string(k));
    o.shard_index = k;
    o.shard_count = 3;
    ASSERT_TRUE(medcred::Run(o, *inputs_, doctor).ok());
    parts.push_back(o.out_dir);
  }
  ASSERT_TRUE(Merge(parts, tmp_ / "merged").ok());
  auto key = [](const std::vector<nlohmann::json>& eps) {
    std::map<std::string, nlohmann::json> m;
    for (const auto& e : eps) m[e["case_id"]] = nlohmann::json{e["outcome"], e["answer"], e["orders"]};
    return m;
  };
  EXPECT_EQ(key(Episodes(tmp_ / "merged")), key(Episodes(tmp_ / "whole")));
  EXPECT_EQ(Episodes(tmp_ / "merged").size(), 4u);
  // The same shard twice, or a run with other settings, is refused.
  EXPECT_FALSE(Merge({parts[0], parts[0]}, tmp_ / "twice").ok());
  RunOptions other = Options("other");
  other.max_turns = 5;
  ASSERT_TRUE(medcred::Run(other, *inputs_, doctor).ok());
  EXPECT_EQ(Merge({parts[0], other.out_dir}, tmp_ / "mixed").kind(), Status::Kind::kUsage);
}

// ---- issue 18: the standard exam and epochs ----------------------------------

// A model whose answer depends on the epoch (so epochs are told apart), that
// takes a sampling seed and remembers the ones it was sent.
class EpochModel : public Model {
 public:
  explicit EpochModel(int sleep_ms = 0) : sleep_ms_(sleep_ms) {}
  std::string spec() const override { return "test:epochs"; }
  bool TakesSeed() const override { return true; }
  Result<ModelReply> Complete(const Conversation&, const nlohmann::json&, const EpisodeContext& ctx) override {
    if (sleep_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    if (ctx.turn == 1) return Calls({{"order_labs", R"({"tests": ["CBC"]})"}});
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ctx.seed) seeds_[{ctx.case_->case_id, ctx.epoch}] = *ctx.seed;
    }
    if (ctx.epoch == 1) return Calls({{"submit_diagnosis", R"({"diagnosis": "sepsis", "icd10": "A41.9"})"}});
    return Calls({{"submit_diagnosis", R"({"diagnosis": "myocardial infarction", "icd10": "I21.4"})"}});
  }
  std::map<std::pair<std::string, int>, uint64_t> seeds() {
    std::lock_guard<std::mutex> lock(mu_);
    return seeds_;
  }

 private:
  int sleep_ms_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> seeds_;
};

// (case id, epoch) -> what the episode did.
std::map<std::pair<std::string, int64_t>, nlohmann::json> ByEpisode(const std::vector<nlohmann::json>& eps) {
  std::map<std::pair<std::string, int64_t>, nlohmann::json> m;
  for (const auto& e : eps) {
    const int64_t epoch = e.value("epoch", int64_t{1});
    EXPECT_TRUE(m.emplace(std::make_pair(e["case_id"].get<std::string>(), epoch),
                          nlohmann::json{e["outcome"], e["answer"], e["orders"], e.value("sampling_seed", -1)})
                    .second)
        << "a second episode of " << e["case_id"] << " epoch " << epoch;
  }
  return m;
}

// summary.json of a run, rebuilt from its episodes.
nlohmann::json Summary(const std::string& dir, const RunInputs& in) {
  auto out = BuildRunOutputs(dir, test::Grading(in));
  EXPECT_TRUE(out.ok()) << out.status().message();
  return nlohmann::json::parse(test::ReadFile(dir + "/summary.json"));
}

TEST_F(RunnerTest, AnExamSelectsEachDrawnCaseOnceAndRefusesOtherSelections) {
  RunOptions o = Options("x");
  o.split = "test";
  o.exam = true;
  const Methodology& m = inputs_->grader->methodology();
  auto selected = SelectCases(inputs_->cases, inputs_->taxonomy, o, &m);
  ASSERT_TRUE(selected.ok()) << selected.status().message();
  auto exam = Exam::Build(inputs_->cases, inputs_->taxonomy, m);
  ASSERT_TRUE(exam.ok());
  std::set<std::string> ids;
  for (const Case* c : *selected) EXPECT_TRUE(ids.insert(c->case_id).second) << "run twice: " << c->case_id;
  EXPECT_EQ(ids, exam->CaseIds("all"));
  EXPECT_FALSE(ids.empty());
  // A small store: every test case of each category is in its exam.
  for (const auto& [name, ec] : exam->categories()) EXPECT_EQ(static_cast<int64_t>(ec.case_ids.size()), ec.available);
  o.cases = 2;
  EXPECT_THAT(SelectCases(inputs_->cases, inputs_->taxonomy, o, &m).status().message(), HasSubstr("--exam"));
  o.cases = 0;
  o.split = "dev";
  EXPECT_EQ(SelectCases(inputs_->cases, inputs_->taxonomy, o, &m).status().kind(), Status::Kind::kUsage);
  o.split = "test";
  o.category = "obstetrics";  // no case of the synthetic release
  EXPECT_THAT(SelectCases(inputs_->cases, inputs_->taxonomy, o, &m).status().message(), HasSubstr("obstetrics"));
}

TEST_F(RunnerTest, AnExamRunWithTwoEpochsKilledAndResumedEndsAsAnUninterruptedRun) {
  auto exam_options = [&](const std::string& out) {
    RunOptions o = Options(out);
    o.split = "test";
    o.exam = true;
    o.epochs = 2;
    o.seed = 40;
    return o;
  };
  EpochModel reference_model(40);
  ASSERT_TRUE(medcred::Run(exam_options("whole"), *inputs_, reference_model).ok());
  const auto whole = ByEpisode(Episodes(tmp_ / "whole"));
  ASSERT_EQ(whole.size(), 8u);  // 4 test cases x 2 epochs
  for (const auto& [key, what] : whole) {
    EXPECT_EQ(what[3], 40 + key.second - 1) << "epoch e sends seed + e - 1";
    EXPECT_EQ(what[1]["icd10"], key.second == 1 ? "A41.9" : "I21.4");
  }
  for (const auto& e : Episodes(tmp_ / "whole")) EXPECT_EQ(e["format"], "medcred-episode-v3");
  const nlohmann::json whole_summary = Summary(tmp_ / "whole", *inputs_);
  ASSERT_TRUE(whole_summary["exam"].is_object());
  EXPECT_EQ(whole_summary["exam"]["version"], "exam-v1");
  EXPECT_EQ(whole_summary["epochs"]["k"], 2);
  for (const auto& [name, c] : whole_summary["exam"]["categories"].items()) {
    EXPECT_TRUE(c["complete"].get<bool>()) << name;
    EXPECT_EQ(c["ran"], c["size"]) << name;
  }
  // credentials.json (what a registry entry is made from) says each category's exam was run whole.
  const auto cred = nlohmann::json::parse(test::ReadFile(tmp_ / "whole/credentials.json"));
  EXPECT_EQ(cred["format"], "medcred-credentials-v2");
  EXPECT_EQ(cred["exam"]["version"], "exam-v1");
  for (const auto& c : cred["categories"]) {
    EXPECT_EQ(c["complete_exam"], true) << c["name"];
    EXPECT_EQ(c["epochs"]["k"], 2) << c["name"];
  }
  EXPECT_EQ(cred.dump().find("hadm-"), std::string::npos) << "no case id in credentials.json";
  for (const auto& [name, c] : whole_summary["categories"].items()) {
    EXPECT_EQ(c["epochs"]["k"], 2) << name;
    EXPECT_EQ(c["epochs"]["episodes"], 2 * c["n"].get<int>()) << name;
  }
  // Agreement across epochs, counted from the graded episodes: cases whose two epochs are both right or both wrong.
  std::map<std::string, std::vector<bool>> right;
  for (const auto& e : Episodes(tmp_ / "whole")) right[e["case_id"]].push_back(e["grade"]["credit"].get<double>() >= 1);
  int agree = 0;
  for (const auto& [id, r] : right) agree += r.size() == 2 && r[0] == r[1];
  EXPECT_DOUBLE_EQ(whole_summary["epochs"]["agreement"].get<double>(), agree / 4.0);
  auto lines = [](const std::string& path) {
    std::ifstream in(path);
    return static_cast<int>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
  };
  // Killed before any episode, and after the third (inside epoch 1 or at the start of epoch 2).
  for (int min_lines : {0, 3}) {
    const std::string out = "killed" + std::to_string(min_lines);
    const std::string dir = tmp_ / out;
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      EpochModel m(40);
      RunOptions o = exam_options(out);
      o.concurrency = 2;
      (void)medcred::Run(o, *inputs_, m);
      _exit(0);
    }
    for (int i = 0; i < 4000; ++i) {
      if (fs::exists(dir + "/run.json") && (min_lines == 0 || lines(dir + "/episodes.jsonl") >= min_lines)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_LT(lines(dir + "/episodes.jsonl"), 8) << "the kill came after the run had finished";
    RunOptions o = exam_options(out);
    o.resume = true;
    EpochModel m(5);
    auto r = medcred::Run(o, *inputs_, m);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(ByEpisode(Episodes(dir)), whole) << "killed after " << min_lines << " episode(s)";
    EXPECT_EQ(Summary(dir, *inputs_), whole_summary) << "killed after " << min_lines << " episode(s)";
  }
  // Resuming with other epochs or without --exam is refused: the fingerprint differs.
  RunOptions three = exam_options("whole");
  three.resume = true;
  three.epochs = 3;
  EpochModel m;
  EXPECT_EQ(medcred::Run(three, *inputs_, m).status().kind(), Status::Kind::kUsage);
  // Shards of an exam with epochs merge into the whole run.
  std::vector<std::string> parts;
  for (int k = 1; k <= 2; ++k) {
    RunOptions o = exam_options("part" + std::to_string(k));
    o.shard_index = k;
    o.shard_count = 2;
    ASSERT_TRUE(medcred::Run(o, *inputs_, m).ok());
    parts.push_back(o.out_dir);
  }
  ASSERT_TRUE(Merge(parts, tmp_ / "merged").ok());
  EXPECT_EQ(ByEpisode(Episodes(tmp_ / "merged")), whole);
  nlohmann::json merged_summary = Summary(tmp_ / "merged", *inputs_);
  EXPECT_EQ(merged_summary, whole_summary);
  EXPECT_FALSE(Merge({parts[0], parts[0]}, tmp_ / "twice").ok()) << "an episode in two shards";
}

TEST_F(RunnerTest, OneEpochRunsWriteTheFilesOfBeforeExamsAndEpochs) {
  // K = 1 is the default and its files are those medcred wrote before issue 18.
  EpochModel m;
  ASSERT_TRUE(medcred::Run(Options("plain"), *inputs_, m).ok());
  RunOptions one = Options("one");
  one.epochs = 1;
  ASSERT_TRUE(medcred::Run(one, *inputs_, m).ok());
  for (const std::string& dir : {tmp_ / "plain", tmp_ / "one"}) {
    auto run = nlohmann::json::parse(test::ReadFile(dir + "/run.json"));
    EXPECT_EQ(run["format"], "medcred-run-v2");
    EXPECT_FALSE(run["fingerprint"].contains("exam"));
    EXPECT_FALSE(run["fingerprint"].contains("epochs"));
    for (const auto& e : Episodes(dir)) {
      EXPECT_EQ(e["format"], "medcred-episode-v2");
      EXPECT_FALSE(e.contains("epoch"));
      EXPECT_FALSE(e.contains("sampling_seed"));
    }
    const nlohmann::json summary = Summary(dir, *inputs_);
    EXPECT_EQ(summary["format"], "medcred-summary-v2");
    EXPECT_FALSE(summary.contains("exam"));
    EXPECT_FALSE(summary.contains("epochs"));
    auto cred = nlohmann::json::parse(test::ReadFile(dir + "/credentials.json"));
    EXPECT_EQ(cred["format"], "medcred-credentials-v1");
    for (const auto& c : cred["categories"]) EXPECT_FALSE(c.contains("complete_exam") || c.contains("epochs"));
  }
  EXPECT_EQ(test::ReadFile(tmp_ / "plain/summary.json"), test::ReadFile(tmp_ / "one/summary.json"));
  EXPECT_TRUE(m.seeds().empty()) << "no per-epoch seed without epochs: the adapter sends its own";
}

TEST_F(RunnerTest, LabsBayesOrdersItsPanelAndNeverLearnsFromThePatientItScores) {
  auto trained =
      LabsBayesBaseline::Train(inputs_->cases, *inputs_->store, *inputs_->environment, inputs_->case_source.get());
  ASSERT_TRUE(trained.ok()) << trained.status().message();
  // Relabel each case in turn: its own prediction must not move (its fold is held out).
  for (size_t i = 0; i < inputs_->cases.cases.size(); ++i) {
    CaseSet relabelled = inputs_->cases;
    relabelled.cases[i].truth.principal = {"Z999"};
    auto other =
        LabsBayesBaseline::Train(relabelled, *inputs_->store, *inputs_->environment, inputs_->case_source.get());
    ASSERT_TRUE(other.ok());
    const std::string id = inputs_->cases.cases[i].case_id;
    EXPECT_EQ((*other)->Predict(id), (*trained)->Predict(id)) << id;
  }
  // Deterministic: the same store, the same answers.
  auto again =
      LabsBayesBaseline::Train(inputs_->cases, *inputs_->store, *inputs_->environment, inputs_->case_source.get());
  for (const Case& c : inputs_->cases.cases) EXPECT_EQ((*again)->Predict(c.case_id), (*trained)->Predict(c.case_id));
  ASSERT_TRUE(medcred::Run(Options("bayes"), *inputs_, **trained).ok());
  for (const auto& e : Episodes(tmp_ / "bayes")) {
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["turns"], 2);
    EXPECT_EQ(e["orders"][0]["tool"], "order_labs");
    EXPECT_GT(e["cost"].get<double>(), 0);
  }
}

}  // namespace
}  // namespace medcred

// The exec: adapter end to end: shell-script agents (the simplest agents in
// "any language") that work, crash, hang or babble.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "ingest/ingest.h"
#include "models/exec_model.h"
#include "models/record_replay.h"
#include "runner/runner.h"
#include "runner/runner_testing.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

class ExecRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::ReferenceDir().empty()) GTEST_SKIP() << "no ICD reference";
    inputs_ = test::SyntheticRunInputs(tmp_);
    ASSERT_NE(inputs_, nullptr);
  }
  std::string Agent(const std::string& name, const std::string& body) {
    const std::string path = tmp_ / (name + ".sh");
    std::ofstream(path) << "#!/bin/sh\n" << body;
    chmod(path.c_str(), 0755);
    return path;
  }
  std::vector<nlohmann::json> RunAgent(const std::string& path, int timeout_seconds = 10) {
    ExecModel model(path, timeout_seconds);
    RunOptions o;
    o.store = tmp_ / "s.db";
    o.split = "all";
    o.model = model.spec();
    o.out_dir = tmp_ / ("run-" + std::to_string(runs_++));
    o.concurrency = 2;
    auto r = medcred::Run(o, *inputs_, model);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::vector<nlohmann::json> out;
    std::ifstream in(o.out_dir + "/episodes.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    EXPECT_EQ(out.size(), 4u);
    return out;
  }
  TempDir tmp_;
  std::unique_ptr<RunInputs> inputs_;
  int runs_ = 0;
};

// Takes the history, then submits; keeps no state (each turn has the whole conversation).
const char* kGoodAgent = R"(while IFS= read -r line; do
  case "$line" in
    *'"role":"tool"'*) echo '{"content":"","tool_calls":[{"id":"s","name":"submit_diagnosis","arguments":{"diagnosis":"sepsis","icd10":"A41.9"}}]}' ;;
    *) echo '{"tool_calls":[{"id":"h","name":"get_history","arguments":{}},{"id":"l","name":"order_labs","arguments":"{\"tests\":[\"lactate\"]}"}]}' ;;
  esac
done
)";

TEST_F(ExecRun, AnAgentInAnyLanguageWorksTheCases) {
  for (const auto& e : RunAgent(Agent("good", kGoodAgent))) {
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["answer"]["icd10"], "A41.9");
    EXPECT_EQ(e["turns"], 2);
    EXPECT_EQ(e["orders"].size(), 3u);
  }
}

TEST_F(ExecRun, CrashingHangingAndBabblingAgentsEndAsErrors) {
  for (const auto& e : RunAgent(Agent("crash", "read line\nexit 3\n"))) {
    EXPECT_EQ(e["outcome"], "error");
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("exited without answering"));
  }
  for (const auto& e : RunAgent(Agent("babble", "while read line; do echo 'I am an agent'; done\n"))) {
    EXPECT_EQ(e["outcome"], "error");
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("not one JSON object"));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string pids = tmp_ / "pids";
  for (const auto& e :
       RunAgent(Agent("hang", "echo $$ >> " + pids + "\nread line\nexec sleep 60\n"), /*timeout_seconds=*/1)) {
    EXPECT_EQ(e["outcome"], "error");
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("did not answer within 1 s"));
  }
  // Hung agents are killed, not waited for: four 1-second timeouts on two threads,
  // and none of their processes (the script's shell, now `sleep`) survives.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 30.0);
  std::ifstream pid_file(pids);
  int agents = 0;
  // A killed grandchild may take a moment to go, and stays a zombie until its
  // new parent reaps it: alive means running, for up to 2 s after the run.
  auto running = [](int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state)) return false;
    return state != "Z" && state != "X";
  };
  for (int pid; pid_file >> pid; ++agents) {
    bool alive = running(pid);
    for (int i = 0; alive && i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      alive = running(pid);
    }
    EXPECT_FALSE(alive) << "agent process " << pid << " survived";
  }
  EXPECT_EQ(agents, 4);
  for (const auto& e : RunAgent(Agent("missing", "exec /nonexistent/agent\n"))) EXPECT_EQ(e["outcome"], "error");
}

TEST_F(ExecRun, ARecordedRunReplaysWithoutTheAgent) {
  const std::string agent = Agent("good", kGoodAgent);
  auto run = [&](Model& m, const std::string& out) {
    RunOptions o;
    o.store = tmp_ / "s.db";
    o.split = "all";
    o.model = "exec:" + agent;
    o.out_dir = tmp_ / out;
    o.concurrency = 2;
    EXPECT_TRUE(medcred::Run(o, *inputs_, m).ok());
    std::map<std::string, nlohmann::json> eps;
    std::ifstream in(o.out_dir + "/episodes.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      eps[j["case_id"]] = nlohmann::json{j["outcome"], j["answer"], j["orders"], j["messages"]};
    }
    return eps;
  };
  RecordingModel recorder(std::make_unique<ExecModel>(agent, 10), tmp_ / "recorded/cache");
  const auto recorded = run(recorder, "recorded");
  ASSERT_EQ(recorded.size(), 4u);
  std::filesystem::remove(agent);  // no agent any more
  ReplayModel replay("exec:" + agent, tmp_ / "recorded/cache");
  EXPECT_EQ(run(replay, "replayed"), recorded);
  // A cache that lacks the requests fails each episode as an error.
  ReplayModel empty("exec:" + agent, tmp_ / "nothing");
  for (const auto& [id, e] : run(empty, "empty")) EXPECT_EQ(e[0], "error");
}

TEST(ParseAgentReply, AcceptsBothShapesOfToolCall) {
  auto r = ParseAgentReply(
      R"({"tool_calls":[{"id":"a","function":{"name":"order_ecg","arguments":"{}"}},{"name":"get_history"}]})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tool_calls.size(), 2u);
  EXPECT_EQ(r->tool_calls[0].name, "order_ecg");
  EXPECT_EQ(r->tool_calls[1].name, "get_history");
  EXPECT_EQ(r->tool_calls[1].id, "call_1");
  EXPECT_FALSE(ParseAgentReply("[1,2]").ok());
  EXPECT_FALSE(ParseAgentReply("").ok());
}

}  // namespace
}  // namespace medcred

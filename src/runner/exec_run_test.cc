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
  // Runs the agent; the run's status, and its episodes.
  Status RunAgentStatus(const std::string& path, std::vector<nlohmann::json>* episodes, int timeout_seconds = 10,
                        std::vector<std::string> hidden_env = {}) {
    ExecModel model(path, timeout_seconds, std::move(hidden_env));
    RunOptions o;
    o.store = tmp_ / "s.db";
    o.split = "all";
    o.model = model.spec();
    o.out_dir = tmp_ / ("run-" + std::to_string(runs_++));
    o.concurrency = 2;
    auto r = medcred::Run(o, *inputs_, model);
    std::ifstream in(o.out_dir + "/episodes.jsonl");
    for (std::string line; std::getline(in, line);) episodes->push_back(nlohmann::json::parse(line));
    return r.status();
  }
  std::vector<nlohmann::json> RunAgent(const std::string& path, int timeout_seconds = 10,
                                       std::vector<std::string> hidden_env = {}) {
    std::vector<nlohmann::json> out;
    const Status s = RunAgentStatus(path, &out, timeout_seconds, std::move(hidden_env));
    EXPECT_TRUE(s.ok()) << s.message();
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

// An agent that crashes, hangs or cannot be started is an outage, not the
// model's answer: the run stops (exit 3) naming the agent and records no
// episode for that case. Babble (a line that is not JSON) is the model's: `error`.
TEST_F(ExecRun, CrashingAndHangingAgentsStopTheRunBabblingOnesEndAsErrors) {
  std::vector<nlohmann::json> eps;
  Status s = RunAgentStatus(Agent("crash", "read line\nexit 3\n"), &eps);
  EXPECT_EQ(s.kind(), Status::Kind::kExternal);
  EXPECT_THAT(s.message(), HasSubstr("exited without answering"));
  EXPECT_THAT(s.message(), HasSubstr("crash.sh"));
  EXPECT_TRUE(eps.empty());
  for (const auto& e : RunAgent(Agent("babble", "while read line; do echo 'I am an agent'; done\n"))) {
    EXPECT_EQ(e["outcome"], "error");
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("not one JSON object"));
  }
  const auto start = std::chrono::steady_clock::now();
  const std::string pids = tmp_ / "pids";
  eps.clear();
  s = RunAgentStatus(Agent("hang", "echo $$ >> " + pids + "\nread line\nexec sleep 60\n"), &eps,
                     /*timeout_seconds=*/1);
  EXPECT_EQ(s.kind(), Status::Kind::kExternal);
  EXPECT_THAT(s.message(), HasSubstr("did not answer within 1 s"));
  EXPECT_TRUE(eps.empty());
  // Hung agents are killed, not waited for, and none of their processes (the
  // script's shell, now `sleep`) survives. The run stops at the first
  // failure: the agents started are the two workers' first.
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
  EXPECT_GE(agents, 1);
  EXPECT_LE(agents, 2);
  eps.clear();
  s = RunAgentStatus(Agent("missing", "exec /nonexistent/agent\n"), &eps);
  EXPECT_EQ(s.kind(), Status::Kind::kExternal);
  EXPECT_TRUE(eps.empty());
}

// Agents never see the API key: neither MEDCRED_API_KEY nor the variable --api-key-env names.
TEST_F(ExecRun, AgentsDoNotInheritTheApiKey) {
  setenv("MEDCRED_API_KEY", "sk-default-5ecret", 1);
  setenv("OTHER_KEY_VAR", "sk-other-5ecret", 1);
  setenv("HARMLESS_VAR", "visible", 1);
  const std::string agent = Agent("env", R"(while IFS= read -r line; do
  printf '{"content":"%s|%s|%s","tool_calls":[{"name":"submit_diagnosis","arguments":{"diagnosis":"sepsis"}}]}\n' "$MEDCRED_API_KEY" "$OTHER_KEY_VAR" "$HARMLESS_VAR"
done
)");
  for (const auto& e : RunAgent(agent, 10, {"OTHER_KEY_VAR"})) {
    ASSERT_EQ(e["messages"].size(), 4u);
    EXPECT_EQ(e["messages"][2]["content"], "||visible");
  }
  unsetenv("MEDCRED_API_KEY");
  unsetenv("OTHER_KEY_VAR");
}

// Tool arguments nested 100,000 levels deep neither crash the run nor a resume of it.
TEST_F(ExecRun, ArgumentsNested100000DeepAreGarbageNotACrash) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string agent =
      Agent("deep",
            "while IFS= read -r line; do\n  echo '{\"tool_calls\":[{\"name\":\"order_labs\",\"arguments\":{\"tests\":" +
                deep + "}}]}'\ndone\n");
  for (const auto& e : RunAgent(agent)) {
    EXPECT_EQ(e["outcome"], "error");
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("nested deeper than 64"));
  }
  // Arguments as a string holding the same: a protocol error sent back, then the agent submits.
  const std::string as_string = Agent("deep_string", R"(while IFS= read -r line; do
  case "$line" in
    *'"role":"tool"'*) echo '{"tool_calls":[{"name":"submit_diagnosis","arguments":{"diagnosis":"sepsis"}}]}' ;;
    *) printf '{"tool_calls":[{"name":"order_labs","arguments":"{\"tests\": %s}"}]}
' ")" + deep + R"(" ;;
  esac
done
)");
  for (const auto& e : RunAgent(as_string)) {
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["protocol_errors"], 1);
    // What went back is a valid, shallow object; what came is kept as it came.
    EXPECT_EQ(e["messages"][2]["tool_calls"][0]["function"]["arguments"], "{}");
  }
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
  // A cache that lacks the requests cannot reproduce the run: it stops, and records nothing.
  ReplayModel empty("exec:" + agent, tmp_ / "nothing");
  RunOptions o;
  o.store = tmp_ / "s.db";
  o.split = "all";
  o.model = "exec:" + agent;
  o.out_dir = tmp_ / "empty";
  auto r = medcred::Run(o, *inputs_, empty);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("no recorded reply"));
  EXPECT_TRUE(test::ReadEpisodeLines(o.out_dir).empty());
}

}  // namespace
}  // namespace medcred

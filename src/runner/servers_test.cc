// Real local servers out of the box: every situation of
// testdata/server_situations.tsv (a server's request rules and refusals, the
// model's reply format) played in process by server_emulator.h, run with
// medcred's openai: adapter in the default tool mode (auto). Each episode must
// end as the table says; the record keeps what the model sent, what went back,
// the tool mode, the tokens and the adapter's settings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "models/openai_model.h"
#include "runner/runner.h"
#include "runner/runner_testing.h"
#include "runner/server_emulator.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;

class Servers : public test::SyntheticRunTest {
 protected:
  // Runs the situation; its episodes, and run.json.
  std::vector<nlohmann::json> RunSituation(test::Situation s, nlohmann::json* manifest, Status* status = nullptr) {
    // The suite waits 2 s for a loading model, not 12.
    if (s.IntRule("loading") > 0) s.rules["loading"] = "2";
    test::ServerEmulator server(s);
    OpenAIOptions oo;
    EXPECT_TRUE(ParseOpenAISpec(server.spec(), &oo).ok());
    oo.backoff_seconds = 0.01;
    oo.loading_poll_seconds = 0.1;
    oo.wait_for_model_seconds = 30;
    auto m = OpenAIModel::Create(oo);
    EXPECT_TRUE(m.ok()) << m.status().message();
    RunOptions o = Options("run-" + s.name);
    o.model = (*m)->spec();
    o.concurrency = 2;
    auto r = medcred::Run(o, *inputs_, **m);
    if (status != nullptr) {
      *status = r.status();
    } else {
      EXPECT_TRUE(r.ok()) << r.status().message();
    }
    *manifest = nlohmann::json::parse(test::ReadFile(o.out_dir + "/run.json"));
    return test::ReadEpisodeLines(o.out_dir);
  }
};

TEST_F(Servers, EverySituationOfTheTableEndsAsExpected) {
  const auto situations = test::LoadSituations();
  ASSERT_GE(situations.size(), 45u);
  for (const test::Situation& s : situations) {
    SCOPED_TRACE(s.name);
    nlohmann::json run;
    const auto episodes = RunSituation(s, &run);
    ASSERT_EQ(episodes.size(), 4u);
    const bool refused = !s.Rule("refuse").empty();
    for (const auto& e : episodes) {
      EXPECT_EQ(e["outcome"], s.expect) << e.value("error", nlohmann::json()).dump();
      EXPECT_EQ(e["tool_mode"], refused ? "text" : "native");
      if (s.expect == "limit") {
        EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("context window"));
      }
      if (s.expect != "diagnosed") continue;
      EXPECT_EQ(e["answer"]["icd10"], "J18.9");
      EXPECT_EQ(e["protocol_errors"], 0);
      ASSERT_TRUE(e.contains("tokens"));
      EXPECT_GT(e["tokens"]["prompt"].get<int>(), 0);
      // What went back: ids of 9 letters and digits, unique, answered by tool messages with the same id;
      // arguments valid JSON objects. What came is beside it.
      std::set<std::string> ids;
      for (const auto& m : e["messages"]) {
        if (m["role"] == "assistant") {
          EXPECT_TRUE(m.contains("reply"));
          for (const auto& tc : m.value("tool_calls", nlohmann::json::array())) {
            const std::string id = tc["id"];
            EXPECT_EQ(id.size(), 9u) << id;
            EXPECT_TRUE(ids.insert(id).second) << id;
            EXPECT_TRUE(nlohmann::json::parse(tc["function"]["arguments"].get<std::string>()).is_object());
          }
        }
        if (m["role"] == "tool") {
          EXPECT_TRUE(ids.count(m["tool_call_id"].get<std::string>()));
        }
      }
    }
    EXPECT_EQ(run["tool_modes"][refused ? "text" : "native"], 4);
    if (refused) {
      EXPECT_FALSE(run["tool_refusal"].get<std::string>().empty());
    }
    if (!s.Rule("probe").empty()) {
      EXPECT_EQ(run["model_settings"]["context_window"], s.IntRule("window"));
    }
    EXPECT_EQ(run["model_settings"]["sampling"]["temperature"], 0);
  }
}

// --tool-mode native: a server without tool calling is not talked around; the
// run stops (exit 3) saying so, and records nothing.
TEST_F(Servers, NativeModeAgainstAServerWithoutToolsStopsTheRun) {
  for (const test::Situation& s : test::LoadSituations()) {
    if (s.name != "ollama_model_without_tools") continue;
    test::ServerEmulator server(s);
    OpenAIOptions oo;
    ASSERT_TRUE(ParseOpenAISpec(server.spec(), &oo).ok());
    auto m = OpenAIModel::Create(oo);
    ASSERT_TRUE(m.ok());
    RunOptions o = Options("native-only");
    o.model = (*m)->spec();
    o.tool_mode = "native";
    auto r = medcred::Run(o, *inputs_, **m);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().exit_code(), 3);
    EXPECT_THAT(r.status().message(), HasSubstr("does not support tools"));
    EXPECT_THAT(r.status().message(), HasSubstr("--tool-mode"));
    EXPECT_TRUE(test::ReadEpisodeLines(o.out_dir).empty());
    // --tool-mode text never sends tools: the same server works at once.
    o = Options("text-only");
    o.model = (*m)->spec();
    o.tool_mode = "text";
    r = medcred::Run(o, *inputs_, **m);
    ASSERT_TRUE(r.ok()) << r.status().message();
    for (const auto& e : test::ReadEpisodeLines(o.out_dir)) {
      EXPECT_EQ(e["outcome"], "diagnosed");
      EXPECT_EQ(e["tool_mode"], "text");
      // The tools are described in the system prompt; results come back as one user message.
      EXPECT_THAT(e["messages"][0]["content"].get<std::string>(), HasSubstr("- order_labs: "));
      EXPECT_THAT(e["messages"][3]["content"].get<std::string>(), HasSubstr("Result of get_history:"));
      EXPECT_EQ(e["messages"][3]["role"], "user");
    }
  }
}

// The server still loading the model is waited for, with a message, within --wait-for-model.
TEST_F(Servers, AServerStillLoadingIsWaitedForWithinABound) {
  test::Situation s;
  for (const auto& x : test::LoadSituations()) {
    if (x.name == "llamacpp_loading") s = x;
  }
  ASSERT_EQ(s.name, "llamacpp_loading");
  s.rules["loading"] = "3600";
  test::ServerEmulator server(s);
  OpenAIOptions oo;
  ASSERT_TRUE(ParseOpenAISpec(server.spec(), &oo).ok());
  oo.wait_for_model_seconds = 1;
  oo.loading_poll_seconds = 0.2;
  auto m = OpenAIModel::Create(oo);
  ASSERT_TRUE(m.ok());
  testing::internal::CaptureStderr();
  const auto start = std::chrono::steady_clock::now();
  auto reply = (*m)->Complete({ChatMessage::User("hello")}, nlohmann::json::array(), EpisodeContext{});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().kind(), Status::Kind::kExternal);
  EXPECT_THAT(reply.status().message(), HasSubstr("still loading the model after 1 s (--wait-for-model)"));
  EXPECT_THAT(err, HasSubstr("is loading the model (HTTP 503: Loading model)"));
  EXPECT_LT(seconds, 5);
  EXPECT_GE(server.requests(), 4);
}

}  // namespace
}  // namespace medcred

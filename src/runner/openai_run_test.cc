// Runs against a real HTTP server in this process (cpp-httplib) playing
// scripted models: a good doctor, and endpoints that fail in every way the
// issue names. Every run completes, every case gets exactly one episode line
// with the right outcome, and the API key appears in no file.
#include <httplib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "ingest/ingest.h"
#include "models/openai_model.h"
#include "runner/runner.h"
#include "runner/runner_testing.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using ::testing::HasSubstr;

constexpr const char* kKey = "sk-test-5ecret-never-on-disk";

nlohmann::json Reply(const nlohmann::json& tool_calls, const std::string& content = "") {
  nlohmann::json msg = {{"role", "assistant"}, {"content", content}};
  if (!tool_calls.empty()) msg["tool_calls"] = tool_calls.is_array() ? tool_calls : nlohmann::json::array({tool_calls});
  nlohmann::json choice = {{"index", 0}, {"message", msg}, {"finish_reason", "stop"}};
  nlohmann::json out = {{"id", "x"}, {"object", "chat.completion"}};
  out["choices"] = nlohmann::json::array({choice});
  return out;
}

nlohmann::json Call(const std::string& name, const std::string& args, int i = 0) {
  return {
      {"id", "call_" + std::to_string(i)}, {"type", "function"}, {"function", {{"name", name}, {"arguments", args}}}};
}

// A scripted OpenAI-compatible server: the request's "model" picks the behaviour.
class FakeEndpoint {
 public:
  FakeEndpoint() {
    server_.Post("/v1/chat/completions",
                 [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int requests(const std::string& model) {
    std::lock_guard<std::mutex> lock(mu_);
    return count_[model];
  }
  std::vector<double> times(const std::string& model) {
    std::lock_guard<std::mutex> lock(mu_);
    return times_[model];
  }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") != std::string("Bearer ") + kKey) {
      res.status = 401;
      return;
    }
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    const std::string model = body.is_discarded() ? "" : body.value("model", "");
    int n = 0, seen = 0;  // requests of this model; times this exact body was sent
    {
      std::lock_guard<std::mutex> lock(mu_);
      n = ++count_[model];
      seen = ++bodies_[req.body];
      const double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
      if (n == 1) first_body_[model] = req.body;
      if (req.body == first_body_[model]) times_[model].push_back(now);
    }
    int tool_messages = 0;
    for (const auto& m : body["messages"]) tool_messages += m.value("role", "") == "tool";
    auto good = [&]() {
      if (tool_messages == 0) {
        return Reply({Call("get_history", "{}", 0), Call("order_labs", R"({"tests": ["BMP", "troponin"]})", 1)});
      }
      return Reply({Call("submit_diagnosis", R"({"diagnosis": "NSTEMI", "icd10": "I21.4"})")});
    };
    nlohmann::json out;
    if (model == "good") {
      out = good();
    } else if (model == "flaky500") {
      if (seen == 1) {  // every request fails once, then succeeds when retried
        res.status = 500;
        res.set_content("{\"error\": \"overloaded\"}", "application/json");
        return;
      }
      out = good();
    } else if (model == "ratelimit") {
      if (n == 1) {
        res.status = 429;
        res.set_header("Retry-After", "1");
        return;
      }
      out = good();
    } else if (model == "truncated") {
      if (seen == 1) {
        res.set_content(R"({"choices": [{"message": {"content": "I will order)", "application/json");
        return;
      }
      out = good();
    } else if (model == "badargs") {
      out = tool_messages == 0 ? Reply({Call("order_labs", "{tests: CBC")}) : good();
    } else if (model == "unknowntool") {
      out = tool_messages == 0 ? Reply({Call("order_pizza", "{}")}) : good();
    } else if (model == "silent") {
      out = Reply(nlohmann::json::array(), "I would like to think about this.");
    } else if (model == "endless") {
      out = Reply({Call("order_labs", R"({"tests": ["CBC"]})")});
    } else if (model == "huge") {
      out = Reply({Call("submit_diagnosis", R"({"diagnosis": "pneumonia"})")}, std::string(2 << 20, 'x'));
    } else if (model == "textaction") {
      out = Reply(nlohmann::json::array(),
                  R"(Done. {"tool": "submit_diagnosis", "arguments": {"diagnosis": "pneumonia"}})");
    } else if (model == "hang") {
      std::this_thread::sleep_for(std::chrono::milliseconds(2500));
      out = good();
    } else {
      res.status = 404;
      return;
    }
    res.set_content(out.dump(), "application/json");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, int> count_;
  std::map<std::string, std::vector<double>> times_;  // arrivals of each model's first request body
  std::map<std::string, int> bodies_;
  std::map<std::string, std::string> first_body_;
};

class OpenAIRun : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::ReferenceDir().empty()) GTEST_SKIP() << "no ICD reference";
    setenv("MEDCRED_TEST_KEY", kKey, 1);
    inputs_ = test::SyntheticRunInputs(tmp_);
    ASSERT_NE(inputs_, nullptr);
  }

  // Runs `model` against the fake endpoint; returns the episodes by case id.
  std::map<std::string, nlohmann::json> RunModel(const std::string& model, int timeout_seconds = 10, int retries = 3) {
    OpenAIOptions oo;
    oo.model = model;
    oo.base_url = endpoint_.base_url();
    oo.api_key_env = "MEDCRED_TEST_KEY";
    oo.timeout_seconds = timeout_seconds;
    oo.max_retries = retries;
    oo.backoff_seconds = 0.01;
    auto m = OpenAIModel::Create(oo);
    EXPECT_TRUE(m.ok()) << m.status().message();
    RunOptions o;
    o.store = tmp_ / "s.db";
    o.split = "all";
    o.model = (*m)->spec();
    o.out_dir = tmp_ / model;
    o.concurrency = 4;
    auto r = medcred::Run(o, *inputs_, **m);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::map<std::string, nlohmann::json> out;
    std::ifstream in(o.out_dir + "/episodes.jsonl");
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line);
      EXPECT_TRUE(out.emplace(j["case_id"], j).second) << "two episodes for one case";
    }
    EXPECT_EQ(out.size(), 4u) << model;
    // The key is sent, never stored.
    for (const auto& f : fs::directory_iterator(o.out_dir)) {
      EXPECT_THAT(test::ReadFile(f.path().string()), ::testing::Not(HasSubstr(kKey))) << f.path();
    }
    return out;
  }

  TempDir tmp_;
  std::unique_ptr<RunInputs> inputs_;
  FakeEndpoint endpoint_;
};

TEST_F(OpenAIRun, AGoodDoctorIsDiagnosedEveryTime) {
  for (const auto& [id, e] : RunModel("good")) {
    EXPECT_EQ(e["outcome"], "diagnosed") << id;
    EXPECT_EQ(e["answer"]["icd10"], "I21.4");
    EXPECT_EQ(e["turns"], 2);
    EXPECT_EQ(e["protocol_errors"], 0);
  }
  EXPECT_EQ(endpoint_.requests("good"), 8);
}

TEST_F(OpenAIRun, ServerErrorsRateLimitsAndTruncatedBodiesAreRetried) {
  for (const auto& [id, e] : RunModel("flaky500")) EXPECT_EQ(e["outcome"], "diagnosed") << id;
  for (const auto& [id, e] : RunModel("truncated")) EXPECT_EQ(e["outcome"], "diagnosed") << id;
  for (const auto& [id, e] : RunModel("ratelimit")) EXPECT_EQ(e["outcome"], "diagnosed") << id;
  // Retry-After: 1 was honoured: the rate-limited request came again at least ~1 s later.
  auto t = endpoint_.times("ratelimit");
  ASSERT_GE(t.size(), 2u);
  EXPECT_GE(t[1] - t[0], 0.9);
}

TEST_F(OpenAIRun, BadModelsEndWithTheRightOutcome) {
  for (const auto& [id, e] : RunModel("badargs")) {
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["protocol_errors"], 1);
  }
  for (const auto& [id, e] : RunModel("unknowntool")) {
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["protocol_errors"], 1);
    EXPECT_THAT(e["messages"][3]["content"].get<std::string>(), HasSubstr("unknown tool 'order_pizza'"));
  }
  for (const auto& [id, e] : RunModel("silent")) {
    EXPECT_EQ(e["outcome"], "no_diagnosis");
    EXPECT_EQ(e["turns"], 2);
  }
  for (const auto& [id, e] : RunModel("endless")) EXPECT_EQ(e["outcome"], "limit");
  for (const auto& [id, e] : RunModel("huge")) EXPECT_EQ(e["outcome"], "diagnosed");
  for (const auto& [id, e] : RunModel("textaction")) {
    EXPECT_EQ(e["outcome"], "diagnosed");
    EXPECT_EQ(e["answer"]["diagnosis"], "pneumonia");
  }
}

TEST_F(OpenAIRun, AHangingEndpointTimesOutAndTheEpisodeIsAnError) {
  for (const auto& [id, e] : RunModel("hang", /*timeout_seconds=*/1, /*retries=*/1)) {
    EXPECT_EQ(e["outcome"], "error");
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("Timeout"));
    EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("after 2 attempts"));
  }
}

TEST_F(OpenAIRun, AnEndpointThatIsDownIsAnErrorNotACrash) {
  OpenAIOptions oo;
  oo.model = "good";
  oo.base_url = "http://127.0.0.1:1/v1";  // nothing listens on port 1
  oo.max_retries = 1;
  oo.backoff_seconds = 0.01;
  auto m = OpenAIModel::Create(oo);
  ASSERT_TRUE(m.ok());
  auto reply = (*m)->Complete(Conversation{}, nlohmann::json::array(), EpisodeContext{});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().kind(), Status::Kind::kExternal);
  EXPECT_THAT(reply.status().message(), HasSubstr("127.0.0.1:1"));
}

}  // namespace
}  // namespace medcred

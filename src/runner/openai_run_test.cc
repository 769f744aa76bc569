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
    } else if (model == "retry_after_day") {
      res.status = 429;
      res.set_header("Retry-After", "100000");
      return;
    } else if (model == "always500") {
      res.status = 500;
      res.set_content(
          R"({"error":{"code":500,"message":"Failed to parse tool call arguments as JSON","type":"server_error"}})",
          "application/json");
      return;
    } else if (model == "huge100") {
      out = Reply({Call("submit_diagnosis", R"({"diagnosis": "pneumonia"})")}, std::string(16 << 20, 'x'));
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

  std::unique_ptr<OpenAIModel> Model(const std::string& model, int timeout_seconds, int retries,
                                     double max_call_seconds = 300) {
    OpenAIOptions oo;
    oo.model = model;
    oo.base_url = endpoint_.base_url();
    oo.api_key_env = "MEDCRED_TEST_KEY";
    oo.timeout_seconds = timeout_seconds;
    oo.max_retries = retries;
    oo.backoff_seconds = 0.01;
    oo.max_call_seconds = max_call_seconds;
    auto m = OpenAIModel::Create(oo);
    EXPECT_TRUE(m.ok()) << m.status().message();
    return m.ok() ? std::move(*m) : nullptr;
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

// A hanging endpoint is an outage: the run stops (exit 3) naming it, and records nothing.
TEST_F(OpenAIRun, AHangingEndpointTimesOutAndStopsTheRun) {
  auto m = Model("hang", /*timeout_seconds=*/1, /*retries=*/1);
  RunOptions o;
  o.store = tmp_ / "s.db";
  o.split = "all";
  o.model = m->spec();
  o.out_dir = tmp_ / "hang";
  o.concurrency = 4;
  auto r = medcred::Run(o, *inputs_, *m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().exit_code(), 3);
  EXPECT_THAT(r.status().message(), HasSubstr("Timeout"));
  EXPECT_THAT(r.status().message(), HasSubstr("after 2 attempts"));
  EXPECT_THAT(r.status().message(), HasSubstr(endpoint_.base_url()));
  EXPECT_TRUE(test::ReadEpisodeLines(o.out_dir).empty());
}

// Retry-After: 100000 does not put a call to sleep for a day: it is cut to
// 60 s, and no call outlives --max-call-seconds.
TEST_F(OpenAIRun, RetryAfterOfADayIsCutAndACallIsBoundedInTime) {
  auto m = Model("retry_after_day", 10, 4, /*max_call_seconds=*/3);
  const auto start = std::chrono::steady_clock::now();
  auto reply = m->Complete({ChatMessage::User("hi")}, nlohmann::json::array(), EpisodeContext{});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().kind(), Status::Kind::kExternal);
  EXPECT_THAT(reply.status().message(), HasSubstr("HTTP 429"));
  EXPECT_LT(seconds, 5);
}

// A 500 with the same body for the same request is deterministic: asked twice, not five times.
TEST_F(OpenAIRun, TheSameServerErrorTwiceIsNotRetriedFurther) {
  auto m = Model("always500", 10, 4);
  auto reply = m->Complete({ChatMessage::User("hi")}, nlohmann::json::array(), EpisodeContext{});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().kind(), Status::Kind::kExternal);
  // The body's message survives, not only "HTTP 500".
  EXPECT_THAT(reply.status().message(), HasSubstr("HTTP 500: Failed to parse tool call arguments as JSON"));
  EXPECT_THAT(reply.status().message(), HasSubstr("the same answer twice"));
  EXPECT_EQ(endpoint_.requests("always500"), 2);
}

// A reply larger than 8 MiB is refused (as exec's are), not stored whole twice.
TEST_F(OpenAIRun, AReplyLargerThan8MiBIsRefused) {
  auto m = Model("huge100", 10, 4);
  auto reply = m->Complete({ChatMessage::User("hi")}, nlohmann::json::array(), EpisodeContext{});
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(reply.status().message(), HasSubstr("larger than 8 MiB"));
  EXPECT_EQ(endpoint_.requests("huge100"), 1);
}

// http_proxy / ALL_PROXY never carry a loopback request (patient data, the key) to a proxy.
TEST_F(OpenAIRun, LoopbackRequestsNeverGoThroughAProxy) {
  httplib::Server proxy;
  std::atomic<int> proxied{0};
  proxy.set_pre_routing_handler([&](const httplib::Request&, httplib::Response& res) {
    ++proxied;
    res.status = 502;
    return httplib::Server::HandlerResponse::Handled;
  });
  const int port = proxy.bind_to_any_port("127.0.0.1");
  std::thread t([&] { proxy.listen_after_bind(); });
  while (!proxy.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  const char* names[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"};
  for (const char* n : names) setenv(n, url.c_str(), 1);
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  auto m = Model("good", 10, 1);
  auto reply = m->Complete({ChatMessage::User("hi")}, nlohmann::json::array(), EpisodeContext{});
  for (const char* n : names) unsetenv(n);
  proxy.stop();
  t.join();
  ASSERT_TRUE(reply.ok()) << reply.status().message();
  EXPECT_EQ(proxied.load(), 0);
  EXPECT_TRUE(m->Describe()["proxy"].is_null());
}

// Which proxy libcurl would use, as run.json records it: never one for loopback, and NO_PROXY honoured.
TEST(ProxyFromEnvironment, NamesTheVariableAndHostNeverCredentials) {
  setenv("https_proxy", "http://user:pa55@proxy.example:3128", 1);
  unsetenv("no_proxy");
  unsetenv("NO_PROXY");
  EXPECT_EQ(ProxyFromEnvironment("https://api.example.org/v1"), "https_proxy (proxy.example:3128)");
  EXPECT_EQ(ProxyFromEnvironment("http://127.0.0.1:8080/v1"), std::nullopt);
  EXPECT_EQ(ProxyFromEnvironment("https://localhost/v1"), std::nullopt);
  setenv("no_proxy", "localhost,.example.org", 1);
  EXPECT_EQ(ProxyFromEnvironment("https://api.example.org/v1"), std::nullopt);
  EXPECT_EQ(ProxyFromEnvironment("https://api.example.com/v1"), "https_proxy (proxy.example:3128)");
  OpenAIOptions o;
  o.model = "m";
  o.base_url = "https://api.example.com/v1";
  o.allow_remote = true;  // no connection is made
  auto m = OpenAIModel::Create(o);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)->Describe()["proxy"], "https_proxy (proxy.example:3128)");
  EXPECT_EQ((*m)->Describe().dump().find("pa55"), std::string::npos);
  unsetenv("https_proxy");
  unsetenv("no_proxy");
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

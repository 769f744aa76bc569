// The request cache under RUN_DIR/cache: written atomically under unique
// temporary names, so identical requests raced by many episodes all succeed,
// and a reply is kept whole (reasoning, finish_reason, usage).
#include "models/record_replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "testing/testing.h"

namespace medcred {
namespace {

class Echo : public Model {
 public:
  std::string spec() const override { return "test:echo"; }
  Result<ModelReply> Complete(const Conversation&, const nlohmann::json&, const EpisodeContext&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ModelReply r("thinking done", {{"call00001", "order_ecg", "{}"}});
    r.reasoning = "an ECG is cheap";
    r.finish_reason = "tool_calls";
    r.usage = TokenUsage{812, 37};
    r.format = "native";
    return r;
  }
};

// --concurrency 32: identical requests race on one cache file; none fails, and the file is whole.
TEST(RecordCache, IdenticalRequestsAt32AtOnceAllSucceed) {
  test::TempDir tmp;
  RecordingModel recorder(std::make_unique<Echo>(), tmp / "cache");
  const Conversation messages = {ChatMessage::System("s"), ChatMessage::User("u")};
  std::atomic<int> failures{0};
  for (int round = 0; round < 5; ++round) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 32; ++t) {
      threads.emplace_back([&] {
        auto r = recorder.Complete(messages, nlohmann::json::array(), EpisodeContext{});
        if (!r.ok()) ++failures;
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  int files = 0;
  for (const auto& f : std::filesystem::directory_iterator(tmp / "cache")) {
    ++files;
    EXPECT_EQ(f.path().extension(), ".json") << f.path() << " left behind";
  }
  EXPECT_EQ(files, 1);
  ReplayModel replay("test:echo", tmp / "cache");
  auto r = replay.Complete(messages, nlohmann::json::array(), EpisodeContext{});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->reasoning, "an ECG is cheap");
  EXPECT_EQ(r->finish_reason, "tool_calls");
  ASSERT_TRUE(r->usage.has_value());
  EXPECT_EQ(r->usage->prompt_tokens, 812);
  EXPECT_EQ(r->tool_calls[0].name, "order_ecg");
}

TEST(RecordCache, ACacheFileNested100000DeepIsBadInputNotACrash) {
  test::TempDir tmp;
  const Conversation messages = {ChatMessage::User("u")};
  std::filesystem::create_directories(tmp / "cache");
  test::WriteFile(tmp / ("cache/" + RequestHash("test:echo", messages, nlohmann::json::array()) + ".json"),
                  "{\"tool_calls\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
  ReplayModel replay("test:echo", tmp / "cache");
  auto r = replay.Complete(messages, nlohmann::json::array(), EpisodeContext{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), Status::Kind::kBadInput);
}

}  // namespace
}  // namespace medcred

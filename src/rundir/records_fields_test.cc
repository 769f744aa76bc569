// The records keep the new fields (tool mode, tokens, each reply as it came,
// the adapter's settings) and still read files written before them.
#include "rundir/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace medcred {
namespace {

TEST(Records, AnEpisodeWrittenBeforeToolModesAndTokensStillLoads) {
  const nlohmann::json old = nlohmann::json::parse(R"({"format": "medcred-episode-v2", "case_id": "hadm-1",
      "categories": ["sepsis"], "split": "test", "outcome": "diagnosed", "turns": 2, "cost": 12.5,
      "messages": [{"role": "assistant", "content": "", "tool_calls": [{"id": "c0", "type": "function",
        "function": {"name": "get_history", "arguments": "{}"}}]}],
      "truth": {"principal": ["A419"], "secondary": []}})");
  auto e = EpisodeRecord::FromJson(old, "episodes.jsonl:1");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->tool_mode, "native");
  EXPECT_FALSE(e->tokens.has_value());
  ASSERT_EQ(e->messages.size(), 1u);
  EXPECT_FALSE(e->messages[0].reply.has_value());
}

TEST(Records, ToolModeTokensAndTheRawReplyRoundTrip) {
  EpisodeRecord e;
  e.case_id = "hadm-1";
  e.categories = {"sepsis"};
  e.split = "test";
  e.outcome = "diagnosed";
  e.tool_mode = "text";
  e.tokens = TokenCount{1200, 80};
  ChatMessage m = ChatMessage::Assistant(ModelReply("{\"tool\": \"order_ecg\"}", {}));
  ModelReply raw("<think>ECG first</think>{\"tool\": \"order_ecg\"}", {{"", "order_ecg", "{}"}});
  raw.reasoning = "ECG first";
  raw.finish_reason = "stop";
  raw.usage = TokenUsage{1200, 80};
  raw.format = "json_action";
  m.reply = raw;
  e.messages = {m};
  auto back = EpisodeRecord::FromJson(nlohmann::json::parse(e.ToJson().dump()), "x");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->tool_mode, "text");
  ASSERT_TRUE(back->tokens.has_value());
  EXPECT_EQ(back->tokens->prompt, 1200);
  ASSERT_TRUE(back->messages[0].reply.has_value());
  EXPECT_EQ(back->messages[0].reply->content, raw.content);
  EXPECT_EQ(back->messages[0].reply->tool_calls, raw.tool_calls);
  EXPECT_EQ(back->messages[0].reply->format, "json_action");
  EXPECT_EQ(back->messages[0].reply->usage, raw.usage);
}

TEST(Records, RunJsonBeforeModelSettingsStillLoadsAndTheNewOnesRoundTrip) {
  nlohmann::json old = {{"format", "medcred-run-v2"}, {"fingerprint", {{"model", "baseline:null"}}}};
  auto m = RunManifest::FromJson(old, "run.json");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->fingerprint.tool_mode, "auto");
  EXPECT_TRUE(m->model_settings.empty());
  m->model_settings = {{"context_window", 8192}, {"sampling", {{"temperature", 0}, {"seed", 3}}}};
  m->tool_modes = {{"text", 4}};
  m->tool_refusal = "tools param requires --jinja flag";
  auto back = RunManifest::FromJson(m->ToJson(), "run.json");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->model_settings["context_window"], 8192);
  EXPECT_EQ(back->tool_modes.at("text"), 4);
  EXPECT_EQ(back->tool_refusal, m->tool_refusal);
}

TEST(Records, SummaryWithoutTokensStillLoads) {
  nlohmann::json old = {{"model", "baseline:null"},
                        {"episodes", 4},
                        {"categories",
                         {{"sepsis",
                           {{"n", 4},
                            {"points", 1.0},
                            {"correct", 1},
                            {"accuracy", 0.25},
                            {"ci_low", 0.05},
                            {"ci_high", 0.7},
                            {"tier", "demo"}}}}}};
  auto s = SummaryFile::FromJson(old, "summary.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->tokens.prompt, 0);
  EXPECT_EQ(s->categories[0].tokens.completion, 0);
}

}  // namespace
}  // namespace medcred

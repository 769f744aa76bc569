// What medcred sends back of a reply: arguments every server parses, ids every server accepts.
#include "models/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace medcred {
namespace {

TEST(History, ArgumentsGoBackAsJsonObjects) {
  EXPECT_EQ(ArgumentsForHistory(R"({"tests": ["CBC"]})"), R"({"tests":["CBC"]})");
  for (const char* bad : {"", "  ", "{tests: CBC", "null", "[1, 2]", "\"CBC\"", "{\"a\": 1"})
    EXPECT_EQ(ArgumentsForHistory(bad), "{}") << bad;
  EXPECT_EQ(ArgumentsForHistory(std::string(100000, '[') + std::string(100000, ']')), "{}");
}

TEST(History, IdsAreNineLettersAndDigitsAndUniqueInTheConversation) {
  ToolCallIds ids;
  std::set<std::string> seen;
  // llama.cpp's 32 characters, vLLM's chatcmpl-tool-…, LM Studio's "", TGI's "0", Ollama's call_…,
  // the same id twice, and a good Mistral id (kept).
  for (const char* proposed : {"r7Yb2QkT9mWc4XzL1nPa8GdE5sHf3JuV", "chatcmpl-tool-3c9e1b7a", "", "", "0", "0",
                               "call_k2w9x4m1", "Xk3pQ9vLm", "Xk3pQ9vLm", "call00001"}) {
    const std::string id = ids.Assign(proposed);
    EXPECT_TRUE(IsPortableToolCallId(id)) << id;
    EXPECT_TRUE(seen.insert(id).second) << "id " << id << " given twice";
  }
  EXPECT_TRUE(seen.count("Xk3pQ9vLm"));
}

TEST(History, WhatWasSentBackAndWhatCameAreBothKept) {
  ModelReply reply("<think>hmm</think>Ordering.", {{"", "order_labs", "{tests: CBC"}, {"", "order_ecg", ""}});
  reply.history_content = "Ordering.";
  ToolCallIds ids;
  ChatMessage m = AssistantForHistory(reply, /*text_mode=*/false, &ids);
  EXPECT_EQ(m.content, "Ordering.");
  ASSERT_EQ(m.tool_calls.size(), 2u);
  EXPECT_EQ(m.tool_calls[0].arguments, "{}");
  EXPECT_EQ(m.tool_calls[1].arguments, "{}");
  EXPECT_NE(m.tool_calls[0].id, m.tool_calls[1].id);
  ASSERT_TRUE(m.reply.has_value());
  EXPECT_EQ(m.reply->tool_calls[0].arguments, "{tests: CBC");
  // The wire form has no trace of the raw reply; the record has it, and reads back.
  EXPECT_FALSE(m.ToJson().contains("reply"));
  const nlohmann::json rec = m.ToRecordJson();
  auto back = ChatMessage::FromJson(rec);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_TRUE(back->reply.has_value());
  EXPECT_EQ(back->reply->content, reply.content);
  EXPECT_EQ(back->reply->tool_calls, reply.tool_calls);
  EXPECT_EQ(back->tool_calls, m.tool_calls);
  // Text mode: the reply goes back as text, without tool calls.
  m = AssistantForHistory(reply, /*text_mode=*/true, &ids);
  EXPECT_TRUE(m.tool_calls.empty());
}

}  // namespace
}  // namespace medcred

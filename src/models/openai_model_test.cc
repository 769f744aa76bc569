#include "models/openai_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace medcred {
namespace {

using ::testing::HasSubstr;

TEST(OpenAISpec, ParsesModelAndBaseUrl) {
  OpenAIOptions o;
  ASSERT_TRUE(ParseOpenAISpec("openai:llama-3.1-8b@http://127.0.0.1:8080/v1/", &o).ok());
  EXPECT_EQ(o.model, "llama-3.1-8b");
  EXPECT_EQ(o.base_url, "http://127.0.0.1:8080/v1");
  EXPECT_FALSE(ParseOpenAISpec("openai:@http://x", &o).ok());
  EXPECT_FALSE(ParseOpenAISpec("openai:model", &o).ok());
  EXPECT_FALSE(ParseOpenAISpec("openai:model@", &o).ok());
}

TEST(OpenAIGuard, OnlyLoopbackHostsWithoutPermission) {
  for (const char* h : {"localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST"})
    EXPECT_TRUE(IsLoopbackHost(h)) << h;
  for (const char* h : {"api.openai.com", "10.0.0.1", "128.0.0.1", "127.0.0.1.evil.com", "127.0.0", "127.0.0.256", "",
                        "0.0.0.0", "localhost.example"}) {
    EXPECT_FALSE(IsLoopbackHost(h)) << h;
  }
  OpenAIOptions o;
  o.model = "gpt";
  o.base_url = "https://api.openai.com/v1";
  auto m = OpenAIModel::Create(o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().kind(), Status::Kind::kUsage);
  EXPECT_THAT(m.status().message(), HasSubstr("physionet.org"));
  o.allow_remote = true;
  EXPECT_TRUE(OpenAIModel::Create(o).ok());  // no connection is made to create it
  o.base_url = "not a url";
  EXPECT_FALSE(OpenAIModel::Create(o).ok());
}

TEST(ParseChatCompletion, NativeToolCallsAndTheTextFallback) {
  auto r = ParseChatCompletion(R"({"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[
      {"id":"a1","type":"function","function":{"name":"order_labs","arguments":"{\"tests\":[\"CBC\"]}"}}]}}]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0].id, "a1");
  EXPECT_EQ(r->tool_calls[0].name, "order_labs");
  EXPECT_EQ(r->tool_calls[0].arguments, R"({"tests":["CBC"]})");
  // Arguments as an object (some Ollama versions).
  r = ParseChatCompletion(
      R"({"choices":[{"message":{"tool_calls":[{"function":{"name":"get_history","arguments":{}}}]}}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tool_calls[0].arguments, "{}");
  // A JSON action in plain text.
  r = ParseChatCompletion(
      R"({"choices":[{"message":{"content":"Submitting. {\"tool\": \"submit_diagnosis\", \"arguments\": {\"diagnosis\": \"pneumonia\"}}"}}]})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tool_calls.size(), 1u);
  EXPECT_EQ(r->tool_calls[0].name, "submit_diagnosis");
  EXPECT_EQ(nlohmann::json::parse(r->tool_calls[0].arguments)["diagnosis"], "pneumonia");
  // Plain text only: no tool call.
  r = ParseChatCompletion(R"({"choices":[{"message":{"content":"Let me think."}}]})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tool_calls.empty());
  EXPECT_EQ(r->content, "Let me think.");
  // Malformed bodies.
  EXPECT_FALSE(ParseChatCompletion("{\"choices\": [").ok());
  EXPECT_FALSE(ParseChatCompletion("{\"error\": \"overloaded\"}").ok());
  EXPECT_FALSE(ParseChatCompletion("[]").ok());
  EXPECT_FALSE(ParseChatCompletion(R"({"choices":[]})").ok());
}

}  // namespace
}  // namespace medcred

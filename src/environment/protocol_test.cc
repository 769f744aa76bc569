#include "environment/protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/data_file.h"
#include "common/sha256.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;

TEST(Protocol, V2DeclaresTheSevenToolsWithTheirLimits) {
  auto p = Protocol::Load();
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->version(), "v2");
  auto file = LoadDataFile("protocol-v2.json");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(p->sha256(), Sha256::Hex(file->text));
  std::vector<std::string> names;
  for (const auto& t : p->tools()) names.push_back(t["function"]["name"]);
  EXPECT_THAT(names, ::testing::UnorderedElementsAre("get_history", "physical_exam", "order_labs", "order_microbiology",
                                                     "order_imaging", "order_ecg", "submit_diagnosis"));
  // The protocol's default limits (docs/methodology.md#the-episode).
  EXPECT_EQ(p->limits().max_turns, 20);
  EXPECT_EQ(p->limits().max_tool_calls, 40);
  EXPECT_EQ(p->limits().call_timeout_seconds, 120);
  EXPECT_EQ(p->limits().max_output_tokens, 4000);
  EXPECT_EQ(p->limits().reminders, 1);
  EXPECT_THAT(p->system_prompt(), HasSubstr("submit_diagnosis"));
}

// v2 is v1 with text mode: the same prompt, tools and limits for native tool calling.
TEST(Protocol, V1StillLoadsAndV2OnlyAddsTextMode) {
  auto v1 = Protocol::Load("protocol-v1.json");
  auto v2 = Protocol::Load("protocol-v2.json");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_EQ(v1->version(), "v1");
  EXPECT_NE(v1->sha256(), v2->sha256());
  EXPECT_EQ(v1->system_prompt(), v2->system_prompt());
  EXPECT_EQ(v1->tools(), v2->tools());
  EXPECT_EQ(v1->reminder(), v2->reminder());
  EXPECT_EQ(v1->truncated_notice(), v1->reminder());
  EXPECT_NE(v2->truncated_notice(), v2->reminder());
  EXPECT_FALSE(v1->has_text_mode());
  ASSERT_TRUE(v2->has_text_mode());
  // Text mode: the native prompt, then every tool with its description and argument schema.
  const std::string& text = v2->text_system_prompt();
  EXPECT_EQ(text.rfind(v2->system_prompt(), 0), 0u);
  for (const auto& t : v2->tools()) {
    EXPECT_THAT(text, HasSubstr("- " + t["function"]["name"].get<std::string>() + ": " +
                                t["function"]["description"].get<std::string>()));
  }
  EXPECT_THAT(text, HasSubstr(R"({"tool": "NAME", "arguments": {...}})"));
  EXPECT_THAT(text, HasSubstr(R"("required":["tests"])"));
  EXPECT_EQ(v2->TextResults({{"get_history", "No history."}, {"order_ecg", "not performed"}}),
            "Result of get_history:\nNo history.\n\nResult of order_ecg:\nnot performed");
}

TEST(ParseToolCall, ArgumentsNested100000DeepAreRefusedNotACrash) {
  const std::string deep = "{\"tests\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto c = ParseToolCall("order_labs", deep, 20);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().kind(), Status::Kind::kBadInput);
  // Within the size limit, too deep is said so.
  const std::string deep_small = "{\"tests\": " + std::string(1000, '[') + std::string(1000, ']') + "}";
  c = ParseToolCall("order_labs", deep_small, 20);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(), HasSubstr("nested deeper than 64"));
}

TEST(ParseToolCall, AcceptsWellFormedCalls) {
  auto c = ParseToolCall("order_labs", R"({"tests": ["CBC", "lactate"]})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->name, ToolName::kOrderLabs);
  EXPECT_THAT(c->tests, ::testing::ElementsAre("CBC", "lactate"));

  c = ParseToolCall("get_history", "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, ToolName::kGetHistory);
  EXPECT_TRUE(ParseToolCall("physical_exam", "{}").ok());
  EXPECT_TRUE(ParseToolCall("order_ecg", "null").ok());

  c = ParseToolCall("order_imaging", R"({"modality": "CT", "region": "head"})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->modality, "CT");
  EXPECT_EQ(c->region, "head");

  c = ParseToolCall(
      "submit_diagnosis",
      R"({"diagnosis": "NSTEMI", "icd10": "I21.4", "differential": ["unstable angina"], "confidence": 0.7})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->diagnosis, "NSTEMI");
  EXPECT_EQ(c->icd10, "I21.4");
  EXPECT_EQ(c->differential.size(), 1u);
  EXPECT_DOUBLE_EQ(*c->confidence, 0.7);
  EXPECT_EQ(c->ToJson()["tool"], "submit_diagnosis");

  c = ParseToolCall("submit_diagnosis", R"({"diagnosis": "sepsis", "icd10": null})");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->icd10.has_value());
}

struct BadCall {
  const char* name;
  std::string tool, args, expect;
};

class ParseToolCallBad : public ::testing::TestWithParam<BadCall> {};

TEST_P(ParseToolCallBad, GivesTheModelOneClearSentence) {
  auto c = ParseToolCall(GetParam().tool, GetParam().args);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(c.status().message(), HasSubstr(GetParam().expect));
  EXPECT_EQ(c.status().message().find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseToolCallBad,
    ::testing::Values(
        BadCall{"UnknownTool", "order_pizza", "{}", "unknown tool 'order_pizza'; the tools are get_history"},
        BadCall{"NotJson", "order_labs", "{tests: [CBC]}", "order_labs: the arguments are not valid JSON"},
        BadCall{"TruncatedJson", "order_labs", R"({"tests": ["CBC")", "not valid JSON"},
        BadCall{"NotAnObject", "order_labs", R"(["CBC"])", "must be a JSON object"},
        BadCall{"MissingTests", "order_labs", "{}", "the argument 'tests' is required"},
        BadCall{"TestsAsString", "order_labs", R"({"tests": "CBC"})", "'tests' must be a list of 1 to 20 strings"},
        BadCall{"EmptyTests", "order_labs", R"({"tests": []})", "'tests' must be a list of 1 to 20 strings"},
        BadCall{"TooManyTests", "order_labs",
                R"({"tests": ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u"]})",
                "1 to 20"},
        BadCall{"NumberInTests", "order_microbiology", R"({"tests": ["blood culture", 7]})",
                "'tests'[1] must be a string"},
        BadCall{"BlankTest", "order_labs", R"({"tests": ["  "]})", "'tests'[0] must not be empty"},
        BadCall{"ExtraArgument", "order_labs", R"({"tests": ["CBC"], "stat": true})", "unknown argument 'stat'"},
        BadCall{"ArgumentsToNoArgTool", "get_history", R"({"detail": "full"})",
                "get_history: unknown argument 'detail'"},
        BadCall{"NoRegion", "order_imaging", R"({"modality": "CT"})", "the argument 'region' is required"},
        BadCall{"NoDiagnosis", "submit_diagnosis", R"({"icd10": "I214"})", "the argument 'diagnosis' is required"},
        BadCall{"ConfidenceOutOfRange", "submit_diagnosis", R"({"diagnosis": "x", "confidence": 1.5})",
                "'confidence' must be a number from 0 to 1"},
        BadCall{"ConfidenceAsText", "submit_diagnosis", R"({"diagnosis": "x", "confidence": "high"})",
                "'confidence' must be a number"},
        BadCall{"HugeArguments", "order_labs", std::string(70000, ' ') + "{}", "larger than 64 KiB"},
        BadCall{"LongTestName", "order_labs", "{\"tests\": [\"" + std::string(300, 'a') + "\"]}",
                "longer than 200 characters"}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace medcred

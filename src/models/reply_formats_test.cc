// The reply formats of real local servers, one fixture each
// (src/models/testdata/reply_formats/, with README.md naming the source of
// every shape), read as a correct reader must read them (expected.tsv).
#include "models/reply_formats.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "models/endpoint_errors.h"
#include "models/openai_model.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;

std::string FixtureDir() { return std::string(MEDCRED_SOURCE_DIR) + "/src/models/testdata/reply_formats/"; }

nlohmann::json Fixture(const std::string& name) { return nlohmann::json::parse(test::ReadFile(FixtureDir() + name)); }

struct Expected {
  std::string fixture, expect, calls, content, reasoning;
};

std::vector<Expected> ExpectedTable() {
  std::vector<Expected> rows;
  std::ifstream in(FixtureDir() + "expected.tsv");
  bool header = true;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, '\t');) f.push_back(field);
    f.resize(5);
    rows.push_back({f[0], f[1], f[2], f[3], f[4]});
  }
  return rows;
}

// Every fixture, read as the table says; a failure names the fixture.
TEST(ReplyFormats, EveryFixtureReadsAsItsServerMeantIt) {
  const auto rows = ExpectedTable();
  ASSERT_EQ(rows.size(), 61u);
  int replies = 0, refusals = 0;
  for (const Expected& row : rows) {
    SCOPED_TRACE(row.fixture);
    const nlohmann::json f = Fixture(row.fixture);
    if (f.contains("status") && f.contains("body")) {
      ++refusals;
      const EndpointError e = ReadEndpointError(f["status"].get<long>(), f["body"].get<std::string>());
      const char* meaning = e.meaning == ErrorMeaning::kToolsUnsupported ? "tools_unsupported"
                            : e.meaning == ErrorMeaning::kContextFull    ? "context_full"
                            : e.meaning == ErrorMeaning::kLoading        ? "loading"
                                                                         : "other";
      EXPECT_EQ(meaning, row.expect);
      if (row.expect == "context_full") {
        EXPECT_EQ(std::to_string(e.context_window), row.calls);
      }
      EXPECT_FALSE(e.message.empty());
      EXPECT_NE(e.message[0], '{') << "the envelope's message, not the envelope: " << e.message;
      continue;
    }
    ++replies;
    auto r = ParseChatCompletion(f.dump());
    ASSERT_TRUE(r.ok()) << r.status().message();
    nlohmann::json calls = nlohmann::json::array();
    for (const auto& c : r->tool_calls) calls.push_back({c.name, nlohmann::json::parse(c.arguments)});
    EXPECT_EQ(calls, nlohmann::json::parse(row.calls));
    if (row.expect == "truncated") {
      EXPECT_TRUE(r->truncated);
    } else {
      EXPECT_FALSE(r->truncated);
      EXPECT_EQ(r->format, row.expect);
    }
    if (!row.content.empty()) {
      EXPECT_EQ(r->history_content.value_or(r->content), row.content);
    }
    EXPECT_EQ(!r->reasoning.empty(), row.reasoning == "yes") << r->reasoning;
    // The reasoning never leaks into what is sent back.
    if (row.reasoning == "yes") {
      EXPECT_EQ(r->history_content.value_or(r->content).find("think>"), std::string::npos);
    }
  }
  EXPECT_EQ(replies, 37);
  EXPECT_EQ(refusals, 24);
}

// The table of formats: each entry's own fixture is read in that format.
TEST(ReplyFormats, EachFormatReadsItsOwnFixture) {
  std::set<std::string> names;
  for (const ReplyFormat& f : ReplyFormats()) {
    SCOPED_TRACE(f.name);
    EXPECT_TRUE(names.insert(f.name).second) << "two formats named " << f.name;
    EXPECT_GT(std::string(f.source).size(), 10u);
    const nlohmann::json body = Fixture(f.fixture);
    const TextReply r = ReadTextToolCalls(body["choices"][0]["message"]["content"].get<std::string>());
    EXPECT_EQ(r.format, f.name);
    EXPECT_FALSE(r.calls.empty());
    EXPECT_FALSE(r.unreadable);
  }
  EXPECT_EQ(names.size(), 11u);
}

TEST(ReplyFormats, MistralAndNemoCarryTheirIds) {
  TextReply r =
      ReadTextToolCalls(Fixture("mistral_call_id.json")["choices"][0]["message"]["content"].get<std::string>());
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].id, "Xk3pQ9vLm");
  r = ReadTextToolCalls(Fixture("mistral_pre_v11.json")["choices"][0]["message"]["content"].get<std::string>());
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[1].id, "a1B2c3D4e");
}

TEST(ReplyFormats, ProseAndBracesAreNotCalls) {
  for (const char* text :
       {"I would order a CBC and a BMP.", "The lab values were {\"wbc\": 14.2}.", "Consider [pneumonia, sepsis] first.",
        "{\"name\": \"John\"}", "", "<think>{\"tool\": \"x\"}"}) {
    SCOPED_TRACE(text);
    const TextReply r = ReadTextToolCalls(text);
    EXPECT_TRUE(r.calls.empty());
    EXPECT_EQ(r.format, "");
  }
}

TEST(ReplyFormats, ThinkingIsSetApartEvenWhenThePromptOpenedIt) {
  TextReply r = ReadTextToolCalls("weighing {options}\n</think>\n{\"tool\": \"order_ecg\", \"arguments\": {}}");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].name, "order_ecg");
  EXPECT_EQ(r.reasoning, "weighing {options}");
  // An unclosed <think> (cut off while thinking) holds no call.
  r = ReadTextToolCalls("<think>I will call {\"tool\": \"order_ecg\"} next");
  EXPECT_TRUE(r.calls.empty());
  EXPECT_THAT(r.reasoning, HasSubstr("order_ecg"));
}

TEST(ReplyFormats, PythonLiteralsAndJsonInArguments) {
  TextReply r = ReadTextToolCalls(
      "[submit_diagnosis(diagnosis='sepsis', icd10=\"A41.9\", differential=['UTI', \"pneumonia\"], confidence=.8), "
      "order_labs(tests=('CBC',)), physical_exam(verbose=True, note=None, extra={'a': -1.5e2})]");
  ASSERT_EQ(r.format, "pythonic");
  ASSERT_EQ(r.calls.size(), 3u);
  EXPECT_EQ(
      r.calls[0].arguments,
      nlohmann::json::parse(
          R"({"diagnosis": "sepsis", "icd10": "A41.9", "differential": ["UTI", "pneumonia"], "confidence": 0.8})"));
  EXPECT_EQ(r.calls[1].arguments, nlohmann::json::parse(R"({"tests": ["CBC"]})"));
  EXPECT_EQ(r.calls[2].arguments, nlohmann::json::parse(R"({"verbose": true, "note": null, "extra": {"a": -150.0}})"));
  // A string holding JSON is decoded (some models double-encode their arguments).
  r = ReadTextToolCalls(R"(<tool_call>{"name": "order_labs", "arguments": "{\"tests\": [\"CBC\"]}"}</tool_call>)");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].arguments, nlohmann::json::parse(R"({"tests": ["CBC"]})"));
  // Qwen3 XML values: text stays text, JSON is decoded.
  r = ReadTextToolCalls(
      "<function=submit_diagnosis>\n<parameter=diagnosis>\nsepsis, urinary source\n</parameter>\n"
      "<parameter=confidence>\n0.6\n</parameter>\n</function>");
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].arguments,
            nlohmann::json::parse(R"({"diagnosis": "sepsis, urinary source", "confidence": 0.6})"));
}

TEST(ReplyFormats, ACallCutOffIsUnreadableNotExecuted) {
  for (const char* text :
       {"<tool_call>\n{\"name\": \"submit_diagnosis\", \"arguments\": {\"diagnosis\": \"pneu",
        "<function=submit_diagnosis>\n<parameter=diagnosis>\ncommunity-acquired pneu",
        "[TOOL_CALLS]submit_diagnosis[ARGS]{\"diagnosis\": \"pneu", "[submit_diagnosis(diagnosis='pneu"}) {
    SCOPED_TRACE(text);
    const TextReply r = ReadTextToolCalls(text);
    EXPECT_TRUE(r.calls.empty());
    EXPECT_TRUE(r.unreadable);
  }
}

// Outside input of any shape: nesting 100,000 deep, a megabyte of braces.
TEST(ReplyFormats, HostileTextIsReadInBoundedWorkWithoutCrashing) {
  const std::string deep =
      "{\"tool\": \"order_labs\", \"arguments\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  for (const std::string& text :
       {deep, "<tool_call>" + deep + "</tool_call>", "[TOOL_CALLS]" + std::string(100000, '['),
        std::string(1 << 20, '{'), std::string(1 << 20, '['), "[f(a=" + std::string(100000, '[') + ")]",
        std::string(200000, '"') + "{"}) {
    const TextReply r = ReadTextToolCalls(text);
    EXPECT_TRUE(r.calls.empty());
  }
}

}  // namespace
}  // namespace medcred

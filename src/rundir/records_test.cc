// The run directory's typed records: what they write, that they read back
// what they wrote, that files of the format before versions still load, and
// that a bad field is named, never thrown.
#include "rundir/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace medcred {
namespace {

using ::testing::HasSubstr;

EpisodeRecord SampleEpisode() {
  EpisodeRecord e;
  e.case_id = "hadm-1";
  e.presentation_sha256 = std::string(64, 'a');
  e.categories = {"cardiology", "emergency_medicine"};
  e.split = "test";
  e.outcome = "diagnosed";
  e.turns = 3;
  e.tool_calls = 2;
  e.cost = 12.5;
  e.messages = {ChatMessage::System("be a doctor"), ChatMessage::User("a patient"),
                ChatMessage::Assistant(ModelReply{"", {{"c1", "submit_diagnosis", R"({"diagnosis":"NSTEMI"})"}}}),
                ChatMessage::Tool("c1", "Diagnosis submitted.")};
  e.orders = nlohmann::json::array({{{"tool", "submit_diagnosis"}, {"cost", 0}}});
  e.answer = AnswerRecord{"NSTEMI", "I21.4", {"unstable angina"}, 0.8};
  e.truth_principal = {"I214"};
  e.truth_secondary = {"E119"};
  e.grade = {"exact", 1.0, "I214", "read the answer's code I214: the principal diagnosis I214"};
  e.tests_ordered = {"troponin_t"};
  e.seconds = 0.25;
  return e;
}

TEST(EpisodeRecordTest, ReadsBackWhatItWrites) {
  const EpisodeRecord e = SampleEpisode();
  const nlohmann::json j = e.ToJson();
  EXPECT_EQ(j["format"], kEpisodeFormat);
  auto back = EpisodeRecord::FromJson(j, "episodes.jsonl:1");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), j);
  ASSERT_EQ(back->messages.size(), 4u);
  EXPECT_EQ(back->messages[2].tool_calls[0].name, "submit_diagnosis");
  EXPECT_EQ(back->messages[3].tool_call_id, "c1");
  EXPECT_EQ(back->answer->differential, std::vector<std::string>{"unstable angina"});
}

TEST(EpisodeRecordTest, AnEpisodeOfTheFormatBeforeVersionsStillLoads) {
  // An episode line as medcred 0.1 wrote it: no format, no explanation, no presentation hash.
  const nlohmann::json old = nlohmann::json::parse(R"({"case_id": "hadm-7", "categories": ["neurology"],
    "split": "dev", "outcome": "no_diagnosis", "turns": 2, "tool_calls": 0, "protocol_errors": 0,
    "invalid_orders": 0, "cost": 0, "messages": [{"role": "system", "content": "x"}], "orders": [],
    "answer": null, "truth": {"principal": ["G409"], "secondary": []},
    "grade": {"level": "none", "credit": 0, "mapped_code": null}, "error": null, "seconds": 1.5})");
  auto e = EpisodeRecord::FromJson(old, "episodes.jsonl:1");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->format, "medcred-episode-v1");
  EXPECT_FALSE(e->presentation_sha256);
  EXPECT_FALSE(e->answer);
  EXPECT_EQ(e->grade.level, "none");
  EXPECT_EQ(e->truth_principal, std::vector<std::string>{"G409"});
}

TEST(EpisodeRecordTest, ABadFieldIsNamedWithItsLine) {
  nlohmann::json j = SampleEpisode().ToJson();
  j["turns"] = "three";
  auto e = EpisodeRecord::FromJson(j, "RUN/episodes.jsonl:12");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().exit_code(), 2);
  EXPECT_THAT(e.status().message(), HasSubstr("RUN/episodes.jsonl:12"));
  EXPECT_THAT(e.status().message(), HasSubstr("`turns`"));
  j = SampleEpisode().ToJson();
  j.erase("truth");
  EXPECT_THAT(EpisodeRecord::FromJson(j, "x:1").status().message(), HasSubstr("`truth`"));
  j = SampleEpisode().ToJson();
  j["format"] = "medcred-episode-v9";
  EXPECT_THAT(EpisodeRecord::FromJson(j, "x:1").status().message(), HasSubstr("not one this medcred reads"));
  EXPECT_FALSE(EpisodeRecord::FromJson(nlohmann::json::array(), "x:1").ok());
}

TEST(RunManifestTest, ReadsBackAndKeepsTheFingerprint) {
  RunManifest m;
  m.medcred_version = "0.1.0";
  m.demo = true;
  m.store = "postgresql://u:***@h/db";
  m.selected_cases = 171;
  m.limits = {20, 40, 120, 4000};
  m.suites = {{"cardiology", std::string(64, 'b')}};
  m.fingerprint.model = "baseline:null";
  m.fingerprint.case_ids = {"hadm-1"};
  m.fingerprint.dataset = {"mimic-iv-demo", "2.2", std::string(64, 'c'), std::string(64, 'd'), "demo"};
  m.fingerprint.hashes = {{"protocol", std::string(64, 'e')}};
  auto back = RunManifest::FromJson(m.ToJson(), "run.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), m.ToJson());
  EXPECT_EQ(back->fingerprint.dataset, m.fingerprint.dataset);
  EXPECT_THAT(RunManifest::FromJson(nlohmann::json::object(), "r/run.json").status().message(),
              HasSubstr("r/run.json: not a run.json"));
}

TEST(SummaryFileTest, ReadsBackItsCategoriesInRankOrder) {
  SummaryFile s;
  s.model = "m";
  s.episodes = 3;
  CategoryResult a, b;
  a.name = "neurology";
  a.rank = 2;
  a.n = 2;
  a.tier = "demo";
  b.name = "cardiology";
  b.rank = 1;
  b.n = 1;
  b.tier = "demo";
  b.test_precision = 0.5;
  s.categories = {b, a};
  s.outcomes = {{"diagnosed", 3}};
  auto back = SummaryFile::FromJson(s.ToJson(), "summary.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->categories.size(), 2u);
  EXPECT_EQ(back->categories[0].name, "cardiology");
  EXPECT_EQ(*back->categories[0].test_precision, 0.5);
  EXPECT_FALSE(back->categories[1].test_precision);
}

TEST(CredentialsFileTest, RefusesAnotherFormat) {
  CredentialsFile c;
  c.model = "m";
  c.categories.push_back(
      {"cardiology", "Cardiology", "diagnosis", 1, 10, 8, 8, 0.8, 0.49, 0.94, "demo", "", true, std::nullopt, nullptr});
  auto back = CredentialsFile::FromJson(c.ToJson(), "credentials.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->ToJson(), c.ToJson());
  EXPECT_EQ(c.ToJson()["format"], "medcred-credentials-v1");
  // An exam run with epochs (issue 18) is format v2, and reads back whole.
  CredentialsFile exam = c;
  exam.exam = {{"version", "exam-v1"}, {"cases_per_category", 200}};
  exam.categories[0].complete_exam = true;
  exam.categories[0].epochs = {{"k", 2}, {"n_effective", 12.5}};
  EXPECT_EQ(exam.ToJson()["format"], "medcred-credentials-v2");
  auto exam_back = CredentialsFile::FromJson(exam.ToJson(), "credentials.json");
  ASSERT_TRUE(exam_back.ok()) << exam_back.status().message();
  EXPECT_EQ(exam_back->ToJson(), exam.ToJson());
  nlohmann::json j = c.ToJson();
  j["format"] = "something-else";
  EXPECT_THAT(CredentialsFile::FromJson(j, "credentials.json").status().message(),
              HasSubstr("format is not medcred-credentials-v1"));
}

}  // namespace
}  // namespace medcred

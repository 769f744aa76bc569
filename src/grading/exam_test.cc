// The standard exam (issue 18): methodology v2's [exam], its power
// calculation, and the seeded draw. Cases here are synthetic (made-up ids).
#include "grading/exam.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "common/sha256.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;

TEST(ExamRules, MethodologyV2DefinesTheExamAndV1StaysLoadable) {
  auto v2 = Methodology::Load();
  ASSERT_TRUE(v2.ok()) << v2.status().message();
  EXPECT_EQ(v2->version, "v2");
  ASSERT_TRUE(v2->exam.has_value());
  EXPECT_EQ(v2->exam->version, "exam-v1");
  EXPECT_EQ(v2->exam->cases, 200);
  auto v1 = Methodology::Load("methodology-v1.toml");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(v1->version, "v1");
  EXPECT_FALSE(v1->exam.has_value());
  EXPECT_NE(v1->sha256, v2->sha256);
  CaseSet none;
  auto t = Taxonomy::Load();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Exam::Build(none, *t, *v1).status().kind(), Status::Kind::kUsage);
}

TEST(ExamRules, ThePowerCalculationGivesTheDocumentedSizes) {
  // Worked by hand in docs/methodology.md#the-standard-exam: z = 1.959964,
  // z_0.80 = 0.841621; certified ((1.959964·0.458258 + 0.841621·0.4) / 0.1)² = 152.48,
  // provisional ((1.959964·0.5 + 0.841621·0.489898) / 0.1)² = 193.85.
  EXPECT_EQ(ExamCasesForTier({"certified", 100, 0.70}, 0.95, 0.80, 0.10), 153);
  EXPECT_EQ(ExamCasesForTier({"provisional", 30, 0.50}, 0.95, 0.80, 0.10), 194);
  // A tier's own min_cases is a floor; a smaller margin needs more cases.
  EXPECT_EQ(ExamCasesForTier({"certified", 500, 0.70}, 0.95, 0.80, 0.10), 500);
  EXPECT_EQ(ExamCasesForTier({"certified", 100, 0.70}, 0.95, 0.80, 0.05), 638);
  auto m = Methodology::Load();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(ExamCasesNeeded(*m, 0.80, 0.10), 194);
  EXPECT_GE(m->exam->cases, ExamCasesNeeded(*m, m->exam->power, m->exam->margin));
}

TEST(ExamRules, BadExamSectionsNameTheField) {
  auto base = LoadDataFile("methodology-v2.toml");
  ASSERT_TRUE(base.ok());
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"cases = 200", "cases = 150"},   // below the power calculation
      {"power = 0.80", "power = 1.5"},  // not a probability above one half
      {"margin = 0.10", "margin = 0"},
      {"salt = \"medcred-exam-v1\"", "salt = 3"},
  };
  for (const auto& [from, to] : bad) {
    DataFile f = *base;
    const size_t at = f.text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    f.text.replace(at, from.size(), to);
    auto m = Methodology::Parse(f);
    ASSERT_FALSE(m.ok()) << to;
    EXPECT_THAT(m.status().message(), HasSubstr("methodology-v2.toml: exam.")) << to;
  }
}

class ExamDraw : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = Taxonomy::Load();
    auto m = Methodology::Load();
    ASSERT_TRUE(t.ok() && m.ok());
    taxonomy_ = std::move(*t);
    methodology_ = *m;
    methodology_.exam->cases = 20;  // small, to draw from more than the exam holds
    // 60 synthetic test cases in cardiology, every third also in emergency medicine, and 12 dev cases.
    for (int i = 0; i < 72; ++i) {
      Case c;
      c.case_id = "hadm-" + std::to_string(1000 + i);
      c.hadm_id = 1000 + i;
      c.split = i < 60 ? "test" : "dev";
      c.categories = {"cardiology"};
      if (i % 3 == 0) c.categories.push_back("emergency_medicine");
      cases_.cases.push_back(c);
    }
  }
  Taxonomy taxonomy_;
  Methodology methodology_;
  CaseSet cases_;
};

TEST_F(ExamDraw, EachCategoryTakesItsFirstCasesByTheSaltedHashOfTheTestSplit) {
  auto exam = Exam::Build(cases_, taxonomy_, methodology_);
  ASSERT_TRUE(exam.ok()) << exam.status().message();
  ASSERT_EQ(exam->categories().size(), 2u);
  const ExamCategory& cardio = exam->categories().at("cardiology");
  const ExamCategory& ed = exam->categories().at("emergency_medicine");
  EXPECT_EQ(cardio.available, 60);
  EXPECT_EQ(cardio.case_ids.size(), 20u);
  EXPECT_EQ(ed.available, 20);         // every third of the 60 test cases
  EXPECT_EQ(ed.case_ids.size(), 20u);  // fewer than the exam asks: every case
  // The rule, restated: sort by SHA-256("medcred-exam-v1:cardiology:" + id), keep 20.
  std::vector<std::pair<std::string, std::string>> keyed;
  for (const Case& c : cases_.cases) {
    if (c.split == "test") keyed.emplace_back(Sha256::Hex("medcred-exam-v1:cardiology:" + c.case_id), c.case_id);
  }
  std::sort(keyed.begin(), keyed.end());
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(cardio.case_ids[i], keyed[i].second);
  for (const std::string& id : cardio.case_ids) EXPECT_TRUE(exam->Contains("cardiology", id));
  EXPECT_FALSE(exam->Contains("cardiology", "hadm-1061"));  // dev
  // A case drawn by both exams is one case to run.
  size_t both = 0;
  for (const std::string& id : ed.case_ids) both += exam->Contains("cardiology", id);
  EXPECT_EQ(exam->CaseIds("all").size(), 20 + 20 - both);
  EXPECT_EQ(exam->CaseIds("emergency_medicine").size(), 20u);
  EXPECT_EQ(cardio.suite_sha256, SuiteHash("cardiology", "test", cardio.case_ids, taxonomy_.sha256()));
  const nlohmann::json j = exam->ToJson();
  EXPECT_EQ(j["version"], "exam-v1");
  EXPECT_EQ(j["categories"]["cardiology"]["size"], 20);
  EXPECT_EQ(j["categories"]["cardiology"]["available"], 60);
  EXPECT_EQ(j.dump().find("hadm-"), std::string::npos) << "no case id in the exam's summary";
}

TEST_F(ExamDraw, TheDrawDependsOnTheCasesNotOnTheirOrderAndMovesWithTheSalt) {
  auto a = Exam::Build(cases_, taxonomy_, methodology_);
  std::reverse(cases_.cases.begin(), cases_.cases.end());
  auto b = Exam::Build(cases_, taxonomy_, methodology_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->categories().at("cardiology").case_ids, b->categories().at("cardiology").case_ids);
  EXPECT_EQ(a->categories().at("cardiology").suite_sha256, b->categories().at("cardiology").suite_sha256);
  methodology_.exam->salt = "another-salt";
  auto c = Exam::Build(cases_, taxonomy_, methodology_);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->categories().at("cardiology").suite_sha256, c->categories().at("cardiology").suite_sha256);
}

}  // namespace
}  // namespace medcred

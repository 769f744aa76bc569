#include "credentials/credentials.h"

#include <gtest/gtest.h>

namespace medcred {
namespace {

TEST(Wilson, MatchesTheTextbookValues) {
  // Reference values computed from the closed form (Wilson 1927; Newcombe 1998, method 3).
  EXPECT_NEAR(TwoSidedZ(0.95), 1.959964, 1e-6);
  EXPECT_NEAR(TwoSidedZ(0.99), 2.575829, 1e-6);
  EXPECT_NEAR(TwoSidedZ(0.90), 1.644854, 1e-6);
  Interval i = WilsonInterval(8, 10, 0.95);
  EXPECT_NEAR(i.low, 0.4902, 1e-4);
  EXPECT_NEAR(i.high, 0.9433, 1e-4);
  i = WilsonInterval(0, 10, 0.95);
  EXPECT_DOUBLE_EQ(i.low, 0.0);
  EXPECT_NEAR(i.high, 0.2775, 1e-4);
  i = WilsonInterval(10, 10, 0.95);
  EXPECT_NEAR(i.low, 0.7225, 1e-4);
  EXPECT_LE(i.high, 1.0);
  i = WilsonInterval(70, 100, 0.95);
  EXPECT_NEAR(i.low, 0.6042, 1e-4);
  EXPECT_NEAR(i.high, 0.7811, 1e-4);
  for (int n : {1, 2, 6, 12, 38, 130}) {  // exact ends: no rounding residue to rank by
    EXPECT_EQ(WilsonInterval(0, n, 0.95).low, 0.0) << n;
    EXPECT_EQ(WilsonInterval(n, n, 0.95).high, 1.0) << n;
  }
  i = WilsonInterval(0, 0, 0.95);
  EXPECT_EQ(i.low, 0.0);
  EXPECT_EQ(i.high, 1.0);
  // Wider at higher confidence.
  EXPECT_LT(WilsonInterval(70, 100, 0.99).low, WilsonInterval(70, 100, 0.95).low);
}

class SummarizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = Taxonomy::Load();
    ASSERT_TRUE(t.ok()) << t.status().message();
    taxonomy_ = std::move(*t);
    auto m = Methodology::Load();
    ASSERT_TRUE(m.ok()) << m.status().message();
    methodology_ = *m;
  }
  // n episodes of `category` on `split`, the first `correct` of them exact.
  void Add(const std::string& category, int n, int correct, const std::string& split = "test", double cost = 10) {
    for (int i = 0; i < n; ++i) {
      GradedEpisode e;
      e.case_id = "hadm-" + category + "-" + split + "-" + std::to_string(i);
      e.categories = {category};
      e.split = split;
      e.outcome = "diagnosed";
      e.turns = 4;
      e.cost = cost;
      e.grade.level = i < correct ? "exact" : "none";
      e.grade.credit = i < correct ? 1.0 : 0.0;
      episodes_.push_back(e);
    }
  }
  const CategoryResult& Find(const Credentials& c, const std::string& name) {
    for (const auto& r : c.categories) {
      if (r.name == name) return r;
    }
    static CategoryResult none;
    ADD_FAILURE() << "no category " << name;
    return none;
  }
  Taxonomy taxonomy_;
  Methodology methodology_;
  std::vector<GradedEpisode> episodes_;
};

TEST_F(SummarizeTest, TiersFollowTheMethodologyAtItsBoundaries) {
  Add("cardiology", 100, 81);  // lower bound 0.722 with n = 100: certified
  Add("neurology", 100, 70);   // lower bound 0.604: provisional
  Add("pulmonology", 99, 99);  // lower bound 0.963, but n = 99: provisional
  Add("nephrology", 29, 29);   // n = 29: not certified
  Add("oncology", 30, 22);     // 22/30: lower bound 0.559 with n = 30: provisional
  Add("hematology", 30, 19);   // 19/30: lower bound 0.455: not certified
  const Credentials c = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  EXPECT_EQ(Find(c, "cardiology").tier, "certified");
  EXPECT_EQ(Find(c, "neurology").tier, "provisional");
  EXPECT_EQ(Find(c, "pulmonology").tier, "provisional");
  EXPECT_EQ(Find(c, "nephrology").tier, "not certified");
  EXPECT_EQ(Find(c, "oncology").tier, "provisional");
  EXPECT_EQ(Find(c, "hematology").tier, "not certified");
  EXPECT_EQ(Find(c, "cardiology").n, 100);
  EXPECT_EQ(Find(c, "cardiology").correct, 81);
  EXPECT_DOUBLE_EQ(Find(c, "cardiology").points, 81.0);
  EXPECT_NEAR(Find(c, "cardiology").ci.low, 0.7222, 1e-4);
  // A demo run never certifies; nor does a dataset medcred does not recognize.
  const Credentials demo = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kDemo);
  for (const auto& r : demo.categories) EXPECT_EQ(r.tier, "demo") << r.name;
  EXPECT_TRUE(demo.demo());
  const Credentials unknown = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kUnrecognized);
  for (const auto& r : unknown.categories) EXPECT_EQ(r.tier, "unrecognized") << r.name;
  EXPECT_EQ(Find(unknown, "cardiology").correct, 81);  // the counts stay: only the tier is withheld
}

TEST_F(SummarizeTest, RankedByLowerBoundThenPoints) {
  Add("cardiology", 10, 5);
  Add("neurology", 20, 10);  // same accuracy, more cases: higher lower bound
  Add("pulmonology", 4, 0);
  Add("nephrology", 4, 0);  // ties pulmonology on lower bound (0) and points: by name
  const Credentials c = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  ASSERT_EQ(c.categories.size(), 4u);
  EXPECT_EQ(c.categories[0].name, "neurology");
  EXPECT_EQ(c.categories[1].name, "cardiology");
  EXPECT_EQ(c.categories[2].name, "nephrology");
  EXPECT_EQ(c.categories[3].name, "pulmonology");
  for (size_t i = 0; i < c.categories.size(); ++i) EXPECT_EQ(c.categories[i].rank, static_cast<int>(i) + 1);
}

TEST_F(SummarizeTest, OnlyTheCredentialSplitCountsButEveryOutcomeIsReported) {
  Add("cardiology", 10, 10, "test");
  Add("cardiology", 7, 0, "dev");
  episodes_.back().outcome = "limit";
  const Credentials c = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  EXPECT_EQ(Find(c, "cardiology").n, 10);
  EXPECT_EQ(Find(c, "cardiology").correct, 10);
  EXPECT_EQ(c.episodes, 17);
  EXPECT_EQ(c.outcomes.at("diagnosed"), 16);
  EXPECT_EQ(c.outcomes.at("limit"), 1);
  EXPECT_EQ(c.levels.at("exact"), 10);
  EXPECT_EQ(c.levels.at("none"), 0);
}

TEST_F(SummarizeTest, PartialCreditEarnsPointsButNotCorrect) {
  Add("cardiology", 4, 0);
  episodes_[0].grade = {"block", 0.5, "I251", ""};
  episodes_[1].grade = {"secondary", 0.5, "N179", ""};
  const Credentials c = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  EXPECT_DOUBLE_EQ(Find(c, "cardiology").points, 1.0);
  EXPECT_EQ(Find(c, "cardiology").correct, 0);
}

TEST_F(SummarizeTest, TestPrecisionAndRecallArePooledOverTheCategory) {
  Add("cardiology", 2, 1, "test", 20);
  episodes_[0].tests_ordered = {"sodium", "troponin_t", "lipase"};
  episodes_[0].tests_performed = {"sodium", "troponin_t", "potassium", "glucose"};
  episodes_[1].tests_ordered = {"lactate"};
  episodes_[1].tests_performed = {"lactate"};
  episodes_[1].cost = 40;
  episodes_[1].turns = 8;
  const Credentials c = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  const CategoryResult& r = Find(c, "cardiology");
  ASSERT_TRUE(r.test_precision && r.test_recall);
  EXPECT_DOUBLE_EQ(*r.test_precision, 3.0 / 4.0);  // 3 of 4 orders were run by the clinicians
  EXPECT_DOUBLE_EQ(*r.test_recall, 3.0 / 5.0);     // 3 of their 5 tests were ordered
  EXPECT_DOUBLE_EQ(r.mean_cost, 30.0);
  EXPECT_DOUBLE_EQ(r.mean_turns, 6.0);
  // Nothing ordered: no precision, not a precision of 0.
  episodes_.clear();
  Add("neurology", 1, 0);
  EXPECT_FALSE(
      Find(Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized), "neurology").test_precision);
}

TEST_F(SummarizeTest, JudgeAgreementIsReportedBesideTheGrade) {
  Add("cardiology", 4, 2);
  episodes_[0].judge_correct = true;   // agrees (correct)
  episodes_[1].judge_correct = false;  // disagrees
  episodes_[2].judge_correct = false;  // agrees (incorrect)
  const Credentials c = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  EXPECT_EQ(c.judged, 3);
  ASSERT_TRUE(c.judge_agreement);
  EXPECT_NEAR(*c.judge_agreement, 2.0 / 3.0, 1e-12);
  EXPECT_EQ(Find(c, "cardiology").correct, 2);  // the judge never changes the grade
}

TEST_F(SummarizeTest, ThePublishableResultHoldsNoCaseId) {
  Add("cardiology", 5, 3);
  const Credentials c = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  const std::string text = Find(c, "cardiology").ToJson().dump();
  for (const auto& e : episodes_) EXPECT_EQ(text.find(e.case_id), std::string::npos);
  EXPECT_EQ(text.find("hadm"), std::string::npos);
  // The suite hash names the set of cases: another set, another hash.
  std::vector<GradedEpisode> fewer(episodes_.begin(), episodes_.end() - 1);
  EXPECT_NE(Find(Summarize(fewer, methodology_, taxonomy_, DatasetStatus::kRecognized), "cardiology").suite_sha256,
            Find(c, "cardiology").suite_sha256);
}

// Issue 16: top-3 accuracy, the Brier score and the reliability bins are computed beside accuracy and
// change neither the tier nor the rank.
TEST_F(SummarizeTest, TopThreeAndCalibrationAreReportedBesideAccuracy) {
  Add("cardiology", 10, 4);
  for (size_t i = 0; i < episodes_.size(); ++i) {
    episodes_[i].top3 = i < 7;                               // 4 right first, 3 more in the differential
    if (i < 8) episodes_[i].confidence = i < 4 ? 0.9 : 0.2;  // 8 of 10 state a confidence
  }
  const Credentials before = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  const CategoryResult& c = Find(before, "cardiology");
  ASSERT_TRUE(c.top3_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*c.top3_accuracy, 0.7);
  EXPECT_EQ(c.calibrated_n, 8);
  ASSERT_TRUE(c.brier.has_value());
  // 4 correct at 0.9: 0.01 each; 4 wrong at 0.2: 0.04 each; mean 0.025.
  EXPECT_NEAR(*c.brier, 0.025, 1e-12);
  ASSERT_EQ(c.reliability.size(), 2u);
  EXPECT_EQ(c.reliability[0].n, 4);
  EXPECT_DOUBLE_EQ(c.reliability[0].lo, 0.2);
  EXPECT_DOUBLE_EQ(c.reliability[0].accuracy, 0.0);
  EXPECT_DOUBLE_EQ(c.reliability[1].mean_confidence, 0.9);
  EXPECT_DOUBLE_EQ(c.reliability[1].accuracy, 1.0);
  const auto j = c.ToJson();
  EXPECT_EQ(j["beyond_accuracy"]["calibrated_n"], 8);
  auto back = CategoryResult::FromJson(j, "cardiology", "summary.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->reliability.size(), 2u);
  EXPECT_DOUBLE_EQ(*back->brier, *c.brier);
  // Without the differential and confidence the accuracy, interval and tier are the same.
  for (auto& e : episodes_) {
    e.top3.reset();
    e.confidence.reset();
  }
  const Credentials after = Summarize(episodes_, methodology_, taxonomy_, DatasetStatus::kRecognized);
  const CategoryResult& plain = Find(after, "cardiology");
  EXPECT_EQ(plain.tier, c.tier);
  EXPECT_DOUBLE_EQ(plain.ci.low, c.ci.low);
  EXPECT_FALSE(plain.top3_accuracy.has_value());
  EXPECT_FALSE(plain.brier.has_value());
}

}  // namespace
}  // namespace medcred

namespace medcred {
namespace {

// Issue 18: cases run K times. Reference values from the formula of
// docs/methodology.md#repeated-runs-epochs worked by hand.
TEST(EpochStats, EpochsThatAllAgreeGiveThePlainWilsonInterval) {
  // 8 of 10 cases correct in both of their 2 epochs: the second epoch adds no information.
  std::vector<CaseEpochs> cases;
  for (int i = 0; i < 10; ++i) cases.push_back({2, i < 8 ? 2 : 0, i < 8 ? 2.0 : 0.0});
  const EpochStats s = ComputeEpochStats(cases, 0.95);
  EXPECT_EQ(s.cases, 10);
  EXPECT_EQ(s.episodes, 20);
  EXPECT_EQ(s.correct_episodes, 16);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.8);
  EXPECT_DOUBLE_EQ(s.n_effective, 10);  // p(1-p)/(s²/n) = 0.16 / (0.1778/10) = 9, held at n = 10
  EXPECT_DOUBLE_EQ(s.design_effect, 2);
  const Interval w = WilsonInterval(8, 10, 0.95);
  EXPECT_DOUBLE_EQ(s.ci.low, w.low);
  EXPECT_DOUBLE_EQ(s.ci.high, w.high);
  EXPECT_EQ(s.agreement, 1.0);
  EXPECT_EQ(s.pairwise_agreement, 1.0);
}

TEST(EpochStats, EpochsThatDisagreeNarrowTheIntervalByTheDesignEffect) {
  // 4 cases always right, 4 always wrong, 8 right in 1 of 2 epochs: p = 0.5,
  // case shares 1,1,1,1,0,0,0,0 and eight 0.5: s² = (8 × 0.25) / 15 = 0.13333,
  // var(mean) = 0.13333 / 16 = 0.0083333, n_eff = 0.25 / 0.0083333 = 30 (of 32 episodes).
  std::vector<CaseEpochs> cases;
  for (int i = 0; i < 4; ++i) cases.push_back({2, 2, 2});
  for (int i = 0; i < 4; ++i) cases.push_back({2, 0, 0});
  for (int i = 0; i < 8; ++i) cases.push_back({2, 1, 1});
  const EpochStats s = ComputeEpochStats(cases, 0.95);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.5);
  EXPECT_NEAR(s.n_effective, 30, 1e-9);
  EXPECT_NEAR(s.design_effect, 32.0 / 30.0, 1e-12);
  const Interval at30 = WilsonIntervalOf(0.5, 30, 0.95), at16 = WilsonInterval(8, 16, 0.95);
  EXPECT_NEAR(s.ci.low, at30.low, 1e-12);
  EXPECT_NEAR(s.ci.low, 0.3315, 1e-4);  // Wilson at p = 0.5, n = 30
  EXPECT_GT(s.ci.low, at16.low);        // narrower than the 16 cases alone
  EXPECT_DOUBLE_EQ(*s.agreement, 0.5);  // 8 of 16 cases unanimous
  EXPECT_DOUBLE_EQ(*s.pairwise_agreement, 0.5);
  // Whole-number Wilson agrees with the real-valued one.
  EXPECT_DOUBLE_EQ(WilsonIntervalOf(0.7, 100, 0.95).low, WilsonInterval(70, 100, 0.95).low);
}

TEST(EpochStats, BuilderCountsCasesNotEpisodesAndMatchesOneEpochRuns) {
  auto t = Taxonomy::Load();
  auto m = Methodology::Load();
  ASSERT_TRUE(t.ok() && m.ok());
  auto episode = [](int i, int epoch, bool correct) {
    GradedEpisode e;
    e.case_id = "hadm-" + std::to_string(i);
    e.epoch = epoch;
    e.categories = {"cardiology"};
    e.split = "test";
    e.outcome = "diagnosed";
    e.cost = 2;
    e.grade.level = correct ? "exact" : "none";
    e.grade.credit = correct ? 1.0 : 0.0;
    return e;
  };
  CredentialsBuilder one(*m, *t, DatasetStatus::kRecognized), two(*m, *t, DatasetStatus::kRecognized, 2);
  for (int i = 0; i < 40; ++i) {
    one.Add(episode(i, 1, i < 30));
    two.Add(episode(i, 1, i < 30));
  }
  for (int i = 0; i < 40; ++i) two.Add(episode(i, 2, i < 20));  // epoch 2: 20 right
  const Credentials a = one.Finish(), b = two.Finish();
  ASSERT_EQ(a.categories.size(), 1u);
  ASSERT_EQ(b.categories.size(), 1u);
  EXPECT_TRUE(a.categories[0].epochs.is_null());
  const CategoryResult& r = b.categories[0];
  EXPECT_EQ(r.n, 40);
  EXPECT_DOUBLE_EQ(r.accuracy, 50.0 / 80.0);
  EXPECT_DOUBLE_EQ(r.points, 25.0);
  EXPECT_EQ(r.epochs["episodes"], 80);
  EXPECT_EQ(r.epochs["correct_episodes"], 50);
  EXPECT_DOUBLE_EQ(r.epochs["agreement"].get<double>(), 30.0 / 40.0);
  // The same cases, so the same suite hash whatever the epochs.
  EXPECT_EQ(r.suite_sha256, a.categories[0].suite_sha256);
  EXPECT_DOUBLE_EQ(r.mean_cost, 2.0);
  EXPECT_EQ(b.epochs["k"], 2);
}

}  // namespace
}  // namespace medcred

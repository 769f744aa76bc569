// Paired statistics against values computed by hand: the interval with `bc -l`
// from Newcombe's formulas (Wilson bounds at z = 1.959963984540054, the phi
// correction), the McNemar p-values as 2 * sum of C(m, i) / 2^m (exact rationals).
#include "credentials/paired.h"

#include <gtest/gtest.h>

namespace medcred {
namespace {

PairedTable Table(int64_t both, int64_t only_a, int64_t only_b, int64_t neither) {
  PairedTable t;
  t.both = both;
  t.only_a = only_a;
  t.only_b = only_b;
  t.neither = neither;
  return t;
}

TEST(PairedTable, AddCountsEachCell) {
  PairedTable t;
  t.Add(true, true);
  t.Add(true, false);
  t.Add(true, false);
  t.Add(false, true);
  t.Add(false, false);
  EXPECT_EQ(t.both, 1);
  EXPECT_EQ(t.only_a, 2);
  EXPECT_EQ(t.only_b, 1);
  EXPECT_EQ(t.neither, 1);
  EXPECT_EQ(t.n(), 5);
  EXPECT_DOUBLE_EQ(t.accuracy_a(), 0.6);
  EXPECT_DOUBLE_EQ(t.accuracy_b(), 0.4);
  EXPECT_NEAR(t.difference(), 0.2, 1e-15);
}

struct IntervalCase {
  int64_t both, only_a, only_b, neither;
  double low, high;  // bc -l, 30 digits, rounded here to 12
};

TEST(NewcombePairedInterval, MatchesHandComputedValues) {
  const IntervalCase cases[] = {
      {36, 12, 2, 0, 0.056929584003, 0.340427602975},    // ad - bc < 0: phi = -24 / sqrt(43776)
      {20, 10, 4, 16, -0.027489743426, 0.258385017452},  // ad - bc = 280 > n/2: phi = 255 / sqrt(30 * 20 * 24 * 26)
      {5, 0, 0, 5, -0.166593157081, 0.166593157081},     // perfect agreement: symmetric around 0
      {1, 2, 3, 4, -0.459639422896, 0.297753956955},     // ad - bc = -2 < 0: phi = -2 / sqrt(3 * 7 * 4 * 6)
  };
  for (const auto& c : cases) {
    const Interval i = NewcombePairedInterval(Table(c.both, c.only_a, c.only_b, c.neither), 0.95);
    EXPECT_NEAR(i.low, c.low, 1e-9) << c.both << " " << c.only_a << " " << c.only_b << " " << c.neither;
    EXPECT_NEAR(i.high, c.high, 1e-9) << c.both << " " << c.only_a << " " << c.only_b << " " << c.neither;
  }
}

TEST(NewcombePairedInterval, EdgesStayInsideMinusOneToOne) {
  const Interval empty = NewcombePairedInterval(PairedTable{}, 0.95);
  EXPECT_EQ(empty.low, -1);
  EXPECT_EQ(empty.high, 1);
  // a always right, b always wrong: the difference is 1 and the upper bound exactly 1.
  const Interval all = NewcombePairedInterval(Table(0, 10, 0, 0), 0.95);
  EXPECT_LT(all.low, 1);
  EXPECT_GT(all.low, 0.5);
  EXPECT_DOUBLE_EQ(all.high, 1);
  // Swapping the answerers mirrors the interval.
  const Interval ab = NewcombePairedInterval(Table(20, 10, 4, 16), 0.95);
  const Interval ba = NewcombePairedInterval(Table(20, 4, 10, 16), 0.95);
  EXPECT_NEAR(ab.low, -ba.high, 1e-12);
  EXPECT_NEAR(ab.high, -ba.low, 1e-12);
  // A wider confidence gives a wider interval.
  const Interval wide = NewcombePairedInterval(Table(20, 10, 4, 16), 0.99);
  EXPECT_LT(wide.low, ab.low);
  EXPECT_GT(wide.high, ab.high);
}

struct McNemarCase {
  int64_t only_a, only_b;
  double p;
};

TEST(ExactMcNemarP, MatchesHandComputedValues) {
  const McNemarCase cases[] = {
      {12, 2, 0.012939453125},              // 2 * (1 + 14 + 91) / 2^14
      {10, 4, 0.1795654296875},             // 2 * (1 + 14 + 91 + 364 + 1001) / 2^14
      {4, 10, 0.1795654296875},             // symmetric
      {2, 3, 1.0},                          // 2 * 16 / 32 = 1
      {0, 5, 0.0625},                       // 2 / 2^5
      {0, 0, 1.0},                          // no discordant case
      {30, 15, 0.0356978035551946959458},   // bc: 2 * sum_{i<=15} C(45, i) / 2^45
      {100, 70, 0.0258443875813416885829},  // bc: 2 * sum_{i<=70} C(170, i) / 2^170
  };
  for (const auto& c : cases) {
    EXPECT_NEAR(ExactMcNemarP(c.only_a, c.only_b), c.p, 1e-12 * std::max(1.0, c.p)) << c.only_a << " " << c.only_b;
  }
}

TEST(Compare, JsonNamesTheMethodsAndCarriesCountsOnly) {
  const PairedComparison c = Compare(Table(36, 12, 2, 0), 0.95);
  const nlohmann::json j = c.ToJson();
  EXPECT_EQ(j["n"], 50);
  EXPECT_EQ(j["only_a_correct"], 12);
  EXPECT_EQ(j["interval_method"], "newcombe-hybrid-score-paired");
  EXPECT_EQ(j["test_method"], "exact-mcnemar");
  EXPECT_NEAR(j["difference"].get<double>(), 0.2, 1e-12);
  EXPECT_NEAR(j["mcnemar_p"].get<double>(), 0.012939453125, 1e-12);
  EXPECT_NEAR(j["difference_ci"][0].get<double>(), 0.056929584003, 1e-9);
}

}  // namespace
}  // namespace medcred

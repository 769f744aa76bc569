// Paired comparison of two answerers on the same cases (docs/methodology.md#comparing-two-runs):
// the 2x2 table of their correct/incorrect answers, the difference of their
// accuracies with Newcombe's hybrid score interval for paired proportions
// (Newcombe 1998, Stat Med 17:2635, method 10: Wilson intervals of the two
// marginal proportions combined with the phi correlation of the table, phi
// corrected towards 0 by n/2 when positive), and the exact (binomial)
// McNemar test on the discordant cases.
//
// Used by `medcred compare` (two runs) and by every report's comparison with
// the ED physicians. Holds counts only: a PairedTable may be published.
//
// Thread safety: pure functions over values.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "rundir/records.h"

namespace medcred {

// Cases both answered, split by who was correct. "a" is the first answerer
// (the model under test), "b" the second (another run, the ED physicians).
struct PairedTable {
  int64_t both = 0;    // both correct
  int64_t only_a = 0;  // a correct, b not
  int64_t only_b = 0;  // b correct, a not
  int64_t neither = 0;
  int64_t n() const { return both + only_a + only_b + neither; }
  void Add(bool a_correct, bool b_correct);
  double accuracy_a() const;  // 0 when n = 0
  double accuracy_b() const;
  double difference() const { return accuracy_a() - accuracy_b(); }
};

// Newcombe's hybrid score interval (method 10) for accuracy_a - accuracy_b at
// two-sided `confidence`; n = 0 gives [-1, 1].
Interval NewcombePairedInterval(const PairedTable& t, double confidence);

// The two-sided exact McNemar p-value: 2 * P(X <= min(b, c)) for X ~ Binomial(b + c, 1/2),
// capped at 1; 1 when there is no discordant case.
double ExactMcNemarP(int64_t only_a, int64_t only_b);

// The comparison of a table as one JSON object: n, the four counts, both
// accuracies, the difference, its interval (named), the McNemar p-value.
struct PairedComparison {
  PairedTable table;
  double confidence = 0.95;
  Interval difference_ci{-1, 1};
  double mcnemar_p = 1;
  nlohmann::json ToJson() const;
};
PairedComparison Compare(const PairedTable& t, double confidence);

// The name of the interval, as every output writes it.
inline constexpr const char* kPairedIntervalMethod = "newcombe-hybrid-score-paired";
inline constexpr const char* kPairedTestMethod = "exact-mcnemar";

}  // namespace medcred

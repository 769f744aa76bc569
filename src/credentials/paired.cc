#include "credentials/paired.h"

#include <algorithm>
#include <cmath>

#include "credentials/credentials.h"

namespace medcred {

void PairedTable::Add(bool a_correct, bool b_correct) {
  if (a_correct && b_correct) {
    ++both;
  } else if (a_correct) {
    ++only_a;
  } else if (b_correct) {
    ++only_b;
  } else {
    ++neither;
  }
}

double PairedTable::accuracy_a() const {
  return n() == 0 ? 0 : static_cast<double>(both + only_a) / static_cast<double>(n());
}

double PairedTable::accuracy_b() const {
  return n() == 0 ? 0 : static_cast<double>(both + only_b) / static_cast<double>(n());
}

Interval NewcombePairedInterval(const PairedTable& t, double confidence) {
  const int64_t n = t.n();
  if (n == 0) return {-1, 1};
  const int64_t a_right = t.both + t.only_a, b_right = t.both + t.only_b;
  const double p1 = t.accuracy_a(), p2 = t.accuracy_b();
  const Interval w1 = WilsonInterval(a_right, n, confidence), w2 = WilsonInterval(b_right, n, confidence);
  // phi of the 2x2 table, with Newcombe's correction: ad - bc is reduced by n/2
  // when positive (to 0 at most); 0 when a margin is empty.
  const double a = static_cast<double>(t.both), b = static_cast<double>(t.only_a);
  const double c = static_cast<double>(t.only_b), d = static_cast<double>(t.neither);
  const double margins = (a + b) * (c + d) * (a + c) * (b + d);
  double phi = 0;
  if (margins > 0) {
    double num = a * d - b * c;
    const double half_n = static_cast<double>(n) / 2;
    if (num > half_n) {
      num -= half_n;
    } else if (num >= 0) {
      num = 0;
    }
    phi = num / std::sqrt(margins);
  }
  const double d_hat = p1 - p2;
  const double dl1 = p1 - w1.low, du1 = w1.high - p1, dl2 = p2 - w2.low, du2 = w2.high - p2;
  const double lower = d_hat - std::sqrt(std::max(0.0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const double upper = d_hat + std::sqrt(std::max(0.0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  return {std::max(-1.0, lower), std::min(1.0, upper)};
}

double ExactMcNemarP(int64_t only_a, int64_t only_b) {
  const int64_t m = only_a + only_b;
  if (m == 0) return 1;
  const int64_t k = std::min(only_a, only_b);
  // P(X <= k) for X ~ Binomial(m, 1/2), summed in log space (m can be large).
  double tail = 0;
  for (int64_t i = 0; i <= k; ++i) {
    const double log_term = std::lgamma(static_cast<double>(m) + 1) - std::lgamma(static_cast<double>(i) + 1) -
                            std::lgamma(static_cast<double>(m - i) + 1) - static_cast<double>(m) * std::log(2.0);
    tail += std::exp(log_term);
  }
  return std::min(1.0, 2 * tail);
}

PairedComparison Compare(const PairedTable& t, double confidence) {
  PairedComparison c;
  c.table = t;
  c.confidence = confidence;
  c.difference_ci = NewcombePairedInterval(t, confidence);
  c.mcnemar_p = ExactMcNemarP(t.only_a, t.only_b);
  return c;
}

nlohmann::json PairedComparison::ToJson() const {
  return {{"n", table.n()},
          {"both_correct", table.both},
          {"only_a_correct", table.only_a},
          {"only_b_correct", table.only_b},
          {"neither_correct", table.neither},
          {"accuracy_a", table.accuracy_a()},
          {"accuracy_b", table.accuracy_b()},
          {"difference", table.difference()},
          {"difference_ci", {difference_ci.low, difference_ci.high}},
          {"confidence", confidence},
          {"interval_method", kPairedIntervalMethod},
          {"mcnemar_p", mcnemar_p},
          {"test_method", kPairedTestMethod}};
}

}  // namespace medcred

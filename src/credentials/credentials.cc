#include "credentials/credentials.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "cases/case_builder.h"

namespace medcred {

double TwoSidedZ(double confidence) {
  // No library of ours has the normal quantile; Newton's method on
  // erf(z / sqrt 2) = confidence converges in a few steps from z = 2 for any
  // confidence in (0, 1) used in practice.
  double z = 2.0;
  for (int i = 0; i < 50; ++i) {
    const double f = std::erf(z / std::numbers::sqrt2) - confidence;
    const double df = std::sqrt(2.0 / std::numbers::pi) * std::exp(-z * z / 2);
    const double step = f / df;
    z -= step;
    if (z < 1e-9) z = 1e-9;
    if (std::fabs(step) < 1e-13) break;
  }
  return z;
}

Interval WilsonInterval(int64_t correct, int64_t n, double confidence) {
  if (n <= 0) return {0, 1};
  const double z = TwoSidedZ(confidence);
  const double p = static_cast<double>(correct) / static_cast<double>(n);
  const double nn = static_cast<double>(n);
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  // At 0 and n the bounds are exactly 0 and 1; rounding would otherwise leave
  // a residue of about 1e-17 there, enough to reorder a ranking by lower bound.
  return {correct == 0 ? 0.0 : std::max(0.0, centre - half), correct == n ? 1.0 : std::min(1.0, centre + half)};
}

namespace {

struct Tally {
  CategoryResult r;
  double cost = 0, turns = 0;
  int64_t ordered = 0, performed = 0, hits = 0, judge_agree = 0;
  std::vector<std::string> ids;
};

}  // namespace

Credentials Summarize(const std::vector<GradedEpisode>& episodes, const Methodology& m, const Taxonomy& taxonomy,
                      bool demo) {
  Credentials out;
  out.demo = demo;
  out.split = m.split;
  for (const char* o : {"diagnosed", "no_diagnosis", "limit", "error"}) out.outcomes[o] = 0;
  for (const char* l : {"exact", "category", "block", "secondary", "chapter", "none"}) out.levels[l] = 0;
  int64_t agree = 0;
  std::map<std::string, Tally> tallies;
  for (const GradedEpisode& e : episodes) {
    ++out.episodes;
    ++out.outcomes[e.outcome];
    if (m.split != "all" && e.split != m.split) continue;
    ++out.levels[e.grade.level];
    const bool correct = e.grade.credit >= m.correct_at;
    if (e.judge_correct) {
      ++out.judged;
      agree += *e.judge_correct == correct;
    }
    int64_t hits = 0;
    for (const std::string& t : e.tests_ordered) hits += e.tests_performed.count(t);
    for (const std::string& name : e.categories) {
      const Category* cat = taxonomy.Find(name);
      if (cat == nullptr) continue;  // a category of another taxonomy version cannot be credentialed
      Tally& t = tallies[name];
      t.r.name = name;
      t.r.title = cat->title;
      t.r.kind = cat->kind;
      ++t.r.n;
      t.r.points += e.grade.credit;
      t.r.correct += correct;
      t.r.invalid_orders += e.invalid_orders;
      t.r.protocol_errors += e.protocol_errors;
      t.cost += e.cost;
      t.turns += e.turns;
      t.ordered += static_cast<int64_t>(e.tests_ordered.size());
      t.performed += static_cast<int64_t>(e.tests_performed.size());
      t.hits += hits;
      if (e.judge_correct) {
        ++t.r.judged;
        t.judge_agree += *e.judge_correct == correct;
      }
      t.ids.push_back(e.case_id);
    }
  }
  if (out.judged > 0) out.judge_agreement = static_cast<double>(agree) / static_cast<double>(out.judged);
  for (auto& [name, t] : tallies) {
    CategoryResult& r = t.r;
    const double n = static_cast<double>(r.n);
    r.accuracy = static_cast<double>(r.correct) / n;
    r.ci = WilsonInterval(r.correct, r.n, m.confidence);
    r.mean_cost = t.cost / n;
    r.mean_turns = t.turns / n;
    if (t.ordered > 0) r.test_precision = static_cast<double>(t.hits) / static_cast<double>(t.ordered);
    if (t.performed > 0) r.test_recall = static_cast<double>(t.hits) / static_cast<double>(t.performed);
    if (r.judged > 0) r.judge_agreement = static_cast<double>(t.judge_agree) / static_cast<double>(r.judged);
    r.suite_sha256 = SuiteHash(name, m.split, t.ids, taxonomy.sha256());
    r.tier = m.not_certified;
    for (const Tier& tier : m.tiers) {
      if (r.n >= tier.min_cases && r.ci.low >= tier.min_lower_bound) {
        r.tier = tier.name;
        break;
      }
    }
    if (demo) r.tier = "demo";
    out.categories.push_back(r);
  }
  std::sort(out.categories.begin(), out.categories.end(), [](const CategoryResult& a, const CategoryResult& b) {
    if (a.ci.low != b.ci.low) return a.ci.low > b.ci.low;
    if (a.points != b.points) return a.points > b.points;
    return a.name < b.name;
  });
  for (size_t i = 0; i < out.categories.size(); ++i) out.categories[i].rank = static_cast<int>(i) + 1;
  return out;
}

nlohmann::json CategoryJson(const CategoryResult& c) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"n", c.n},
          {"points", c.points},
          {"correct", c.correct},
          {"accuracy", c.accuracy},
          {"ci_low", c.ci.low},
          {"ci_high", c.ci.high},
          {"tier", c.tier},
          {"rank", c.rank},
          {"mean_cost", c.mean_cost},
          {"mean_turns", c.mean_turns},
          {"test_precision", opt(c.test_precision)},
          {"test_recall", opt(c.test_recall)},
          {"invalid_orders", c.invalid_orders},
          {"protocol_errors", c.protocol_errors},
          {"suite_sha256", c.suite_sha256},
          {"judged", c.judged},
          {"judge_agreement", opt(c.judge_agreement)}};
}

}  // namespace medcred

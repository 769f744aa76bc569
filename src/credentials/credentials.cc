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

Interval WilsonIntervalOf(double p, double n, double confidence) {
  if (n <= 0) return {0, 1};
  const double z = TwoSidedZ(confidence);
  const double denom = 1 + z * z / n;
  const double centre = (p + z * z / (2 * n)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom;
  return {p <= 0 ? 0.0 : std::max(0.0, centre - half), p >= 1 ? 1.0 : std::min(1.0, centre + half)};
}

nlohmann::json EpochStats::ToJson() const {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  return {{"k", k},
          {"cases", cases},
          {"episodes", episodes},
          {"correct_episodes", correct_episodes},
          {"n_effective", n_effective},
          {"design_effect", design_effect},
          {"interval", "wilson-design-effect"},
          {"agreement", opt(agreement)},
          {"pairwise_agreement", opt(pairwise_agreement)}};
}

EpochStats ComputeEpochStats(const std::vector<CaseEpochs>& cases, double confidence) {
  EpochStats s;
  s.cases = static_cast<int64_t>(cases.size());
  double sum = 0;
  int64_t multi = 0, unanimous = 0;
  double pairs = 0;
  for (const CaseEpochs& c : cases) {
    s.k = std::max(s.k, c.epochs);
    s.episodes += c.epochs;
    s.correct_episodes += c.correct;
    sum += static_cast<double>(c.correct) / static_cast<double>(c.epochs);
    if (c.epochs >= 2) {
      ++multi;
      unanimous += c.correct == 0 || c.correct == c.epochs;
      const double e = static_cast<double>(c.epochs), k = static_cast<double>(c.correct);
      pairs += (k * (k - 1) + (e - k) * (e - k - 1)) / (e * (e - 1));
    }
  }
  if (multi > 0) {
    s.agreement = static_cast<double>(unanimous) / static_cast<double>(multi);
    s.pairwise_agreement = pairs / static_cast<double>(multi);
  }
  if (s.cases == 0) {
    s.ci = {0, 1};
    return s;
  }
  const double n = static_cast<double>(s.cases);
  const double p = sum / n;
  s.accuracy = p;
  s.n_effective = n;
  if (s.cases >= 2 && p > 0 && p < 1) {
    double ss = 0;
    for (const CaseEpochs& c : cases) {
      const double y = static_cast<double>(c.correct) / static_cast<double>(c.epochs);
      ss += (y - p) * (y - p);
    }
    const double var = ss / (n - 1) / n;  // of the mean of the cases' shares
    const double episodes = static_cast<double>(s.episodes);
    s.n_effective = var > 0 ? std::clamp(p * (1 - p) / var, n, episodes) : episodes;
  }
  s.design_effect = static_cast<double>(s.episodes) / s.n_effective;
  s.ci = WilsonIntervalOf(p, s.n_effective, confidence);
  return s;
}

std::string TierOfBound(int64_t n, double lower_bound, const Methodology& m, DatasetStatus dataset) {
  if (dataset != DatasetStatus::kRecognized) return DatasetStatusName(dataset);
  for (const Tier& tier : m.tiers) {
    if (n >= tier.min_cases && lower_bound >= tier.min_lower_bound) return tier.name;
  }
  return m.not_certified;
}

std::string TierOf(int64_t correct, int64_t n, const Methodology& m, DatasetStatus dataset) {
  if (dataset != DatasetStatus::kRecognized) return DatasetStatusName(dataset);
  return TierOfBound(n, WilsonInterval(correct, n, m.confidence).low, m, dataset);
}

CredentialsBuilder::CredentialsBuilder(const Methodology& m, const Taxonomy& taxonomy, DatasetStatus dataset,
                                       int64_t epochs)
    : m_(m), taxonomy_(taxonomy), epochs_(epochs) {
  out_.dataset = dataset;
  out_.split = m.split;
  for (const char* o : {"diagnosed", "no_diagnosis", "limit", "error"}) out_.outcomes[o] = 0;
  for (const auto& [level, credit] : m.credit) out_.levels[level] = 0;
}

void CredentialsBuilder::Add(const GradedEpisode& e) {
  ++out_.episodes;
  ++out_.outcomes[e.outcome];
  ++out_.tool_modes[e.tool_mode];
  out_.tokens.prompt += e.tokens.prompt;
  out_.tokens.completion += e.tokens.completion;
  if (m_.split != "all" && e.split != m_.split) return;
  ++out_.levels[e.grade.level];
  const bool correct = e.grade.credit >= m_.correct_at;
  if (e.judge_correct) {
    ++out_.judged;
    agree_ += *e.judge_correct == correct;
  }
  int64_t hits = 0;
  for (const std::string& t : e.tests_ordered) hits += e.tests_performed.count(t);
  if (epochs_ > 1) {
    CaseEpochs& ce = by_case_[e.case_id];
    ++ce.epochs;
    ce.correct += correct;
    ce.credit += e.grade.credit;
  }
  for (const std::string& name : e.categories) {
    const Category* cat = taxonomy_.Find(name);
    if (cat == nullptr) continue;  // a category of another taxonomy version cannot be credentialed
    Tally& t = tallies_[name];
    t.r.name = name;
    t.r.title = cat->title;
    t.r.kind = cat->kind;
    ++t.r.n;
    ++t.episodes;
    t.r.points += e.grade.credit;
    t.r.correct += correct;
    t.r.invalid_orders += e.invalid_orders;
    t.r.protocol_errors += e.protocol_errors;
    t.r.tokens.prompt += e.tokens.prompt;
    t.r.tokens.completion += e.tokens.completion;
    t.cost += e.cost;
    t.turns += e.turns;
    t.ordered += static_cast<int64_t>(e.tests_ordered.size());
    t.performed += static_cast<int64_t>(e.tests_performed.size());
    t.hits += hits;
    if (e.judge_correct) {
      ++t.r.judged;
      t.judge_agree += *e.judge_correct == correct;
    }
    if (epochs_ > 1) {
      t.case_ids.insert(e.case_id);
    } else {
      t.ids.push_back(e.case_id);
    }
    // Beside accuracy, never in the tier (methodology [beyond_accuracy]).
    if (e.top3) {
      ++t.top3_n;
      t.top3_hits += *e.top3;
    }
    if (e.confidence && *e.confidence >= 0 && *e.confidence <= 1) {
      const double c = *e.confidence, y = correct ? 1.0 : 0.0;
      ++t.r.calibrated_n;
      t.brier += (c - y) * (c - y);
      const size_t bins = static_cast<size_t>(m_.reliability_bins);
      if (t.bins.empty()) {
        for (size_t b = 0; b < bins; ++b) {
          t.bins.push_back({static_cast<double>(b) / static_cast<double>(bins),
                            static_cast<double>(b + 1) / static_cast<double>(bins), 0, 0, 0});
        }
      }
      auto& bin = t.bins[std::min(bins - 1, static_cast<size_t>(c * static_cast<double>(bins)))];
      ++bin.n;
      bin.mean_confidence += c;  // sums until Finish
      bin.accuracy += y;
    }
  }
}

Credentials CredentialsBuilder::Finish() const {
  Credentials out = out_;
  if (out.judged > 0) out.judge_agreement = static_cast<double>(agree_) / static_cast<double>(out.judged);
  if (epochs_ > 1) {
    std::vector<CaseEpochs> all;
    for (const auto& [id, ce] : by_case_) all.push_back(ce);
    const EpochStats st = ComputeEpochStats(all, m_.confidence);
    out.epochs = {{"k", epochs_},
                  {"cases", st.cases},
                  {"episodes", st.episodes},
                  {"agreement", st.agreement ? nlohmann::json(*st.agreement) : nlohmann::json(nullptr)},
                  {"pairwise_agreement",
                   st.pairwise_agreement ? nlohmann::json(*st.pairwise_agreement) : nlohmann::json(nullptr)}};
  }
  for (const auto& [name, t] : tallies_) {
    CategoryResult r = t.r;
    const double episodes = static_cast<double>(t.episodes);
    std::vector<std::string> ids;
    if (epochs_ > 1) {
      // n is the cases; accuracy, points and the interval are over cases, each the mean of its epochs.
      std::vector<CaseEpochs> cases;
      r.points = 0;
      for (const std::string& id : t.case_ids) {
        const CaseEpochs& ce = by_case_.at(id);
        cases.push_back(ce);
        r.points += ce.credit / static_cast<double>(ce.epochs);
      }
      const EpochStats st = ComputeEpochStats(cases, m_.confidence);
      r.n = st.cases;
      r.accuracy = st.accuracy;
      r.correct = std::llround(st.accuracy * static_cast<double>(st.cases));
      r.ci = st.ci;
      r.epochs = st.ToJson();
      r.epochs["k"] = epochs_;
      r.tier = TierOfBound(r.n, r.ci.low, m_, out.dataset);
      ids.assign(t.case_ids.begin(), t.case_ids.end());
    } else {
      r.accuracy = static_cast<double>(r.correct) / static_cast<double>(r.n);
      r.ci = WilsonInterval(r.correct, r.n, m_.confidence);
      r.tier = TierOf(r.correct, r.n, m_, out.dataset);
      ids = t.ids;
    }
    r.mean_cost = t.cost / episodes;
    r.mean_turns = t.turns / episodes;
    if (t.ordered > 0) r.test_precision = static_cast<double>(t.hits) / static_cast<double>(t.ordered);
    if (t.performed > 0) r.test_recall = static_cast<double>(t.hits) / static_cast<double>(t.performed);
    if (r.judged > 0) r.judge_agreement = static_cast<double>(t.judge_agree) / static_cast<double>(r.judged);
    r.suite_sha256 = SuiteHash(name, m_.split, std::move(ids), taxonomy_.sha256());
    if (t.top3_n == t.episodes && t.top3_n > 0) {
      r.top3_accuracy = static_cast<double>(t.top3_hits) / static_cast<double>(t.top3_n);
    }
    if (r.calibrated_n > 0) r.brier = t.brier / static_cast<double>(r.calibrated_n);
    for (auto bin : t.bins) {
      if (bin.n == 0) continue;
      bin.mean_confidence /= static_cast<double>(bin.n);
      bin.accuracy /= static_cast<double>(bin.n);
      r.reliability.push_back(bin);
    }
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

Credentials Summarize(const std::vector<GradedEpisode>& episodes, const Methodology& m, const Taxonomy& taxonomy,
                      DatasetStatus dataset) {
  CredentialsBuilder b(m, taxonomy, dataset);
  for (const GradedEpisode& e : episodes) b.Add(e);
  return b.Finish();
}

}  // namespace medcred

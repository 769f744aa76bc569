// Credentials (SPEC 8): from graded episodes to per-category results and tiers.
//
// Per category, over the episodes of the methodology's split (`test`): n,
// points (sum of credit), correct (credit >= correct_at), accuracy with a
// Wilson score interval at the methodology's confidence, the tier (the first of
// the methodology's tiers, best first, whose minimum cases and lower bound are
// met), and beside the diagnosis: mean cost, mean turns, and the precision and
// recall of the lab tests ordered against those the clinicians ran. Categories
// are ranked by lower bound, then points, then name. A demo run's tiers are all
// "demo": it never certifies anything.
//
// Nothing here holds a case id or a value from the data: only counts, means
// and hashes, so a Credentials object may be published.
//
// Thread safety: pure functions over values.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/taxonomy.h"
#include "grading/grader.h"

namespace medcred {

struct Interval {
  double low = 0, high = 0;
};

// The Wilson score interval for `correct` successes in `n` trials at two-sided
// `confidence` (e.g. 0.95); n = 0 gives [0, 1].
Interval WilsonInterval(int64_t correct, int64_t n, double confidence);

// The standard normal quantile z with P(|Z| <= z) = confidence.
double TwoSidedZ(double confidence);

// One episode, graded: what the credentials are computed from.
struct GradedEpisode {
  std::string case_id;  // local only; never copied into Credentials
  std::vector<std::string> categories;
  std::string split;
  std::string outcome;  // diagnosed, no_diagnosis, limit, error
  int turns = 0;
  double cost = 0;
  int invalid_orders = 0;
  int protocol_errors = 0;
  Grade grade;
  std::set<std::string> tests_ordered, tests_performed;
  std::optional<bool> judge_correct;  // the optional LLM judge's verdict
};

struct CategoryResult {
  std::string name, title, kind;
  int64_t n = 0, correct = 0;
  double points = 0, accuracy = 0;
  Interval ci;
  std::string tier;
  int rank = 0;  // 1 = best
  double mean_cost = 0, mean_turns = 0;
  std::optional<double> test_precision, test_recall;  // none when nothing was ordered / performed
  int64_t invalid_orders = 0, protocol_errors = 0;
  std::string suite_sha256;               // SuiteHash of the category's case ids in this run
  std::optional<double> judge_agreement;  // share of judged episodes where judge and grade agree
  int64_t judged = 0;
};

struct Credentials {
  bool demo = false;
  std::string split;
  std::vector<CategoryResult> categories;   // ranked, best first
  std::map<std::string, int64_t> outcomes;  // over every episode of the run
  std::map<std::string, int64_t> levels;    // grade levels over the credential split
  int64_t episodes = 0;
  int64_t judged = 0;
  std::optional<double> judge_agreement;
};

// Computes the credentials of a run's episodes under a methodology. Every
// category of the taxonomy with at least one episode of the split appears.
Credentials Summarize(const std::vector<GradedEpisode>& episodes, const Methodology& methodology,
                      const Taxonomy& taxonomy, bool demo);

// SPEC 11's summary.json `categories` object for one category.
nlohmann::json CategoryJson(const CategoryResult& c);

}  // namespace medcred

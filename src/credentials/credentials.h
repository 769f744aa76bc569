// Credentials (docs/methodology.md#credentials): from graded episodes to per-category results and tiers.
//
// Per category, over the episodes of the methodology's split (`test`): n,
// points (sum of credit), correct (credit >= correct_at), accuracy with a
// Wilson score interval at the methodology's confidence, the tier (the first of
// the methodology's tiers, best first, whose minimum cases and lower bound are
// met), and beside the diagnosis: mean cost, mean turns, and the precision and
// recall of the lab tests ordered against those the clinicians ran, and the
// tokens the episodes cost (as the server counted them). Categories are
// ranked by lower bound, then points, then name. Only a recognized dataset
// earns tiers: a demo run's tiers are all "demo", and an unrecognized
// dataset's (store/datasets.h) all "unrecognized".
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
#include "rundir/records.h"
#include "store/datasets.h"

namespace medcred {

// The Wilson score interval for `correct` successes in `n` trials at two-sided
// `confidence` (e.g. 0.95); n = 0 gives [0, 1].
Interval WilsonInterval(int64_t correct, int64_t n, double confidence);

// The same for a proportion `p` of an effective sample size `n` that need not
// be whole (runs with epochs: docs/methodology.md#repeated-runs-epochs).
Interval WilsonIntervalOf(double p, double n, double confidence);

// The standard normal quantile z with P(|Z| <= z) = confidence.
double TwoSidedZ(double confidence);

// Cases run K times (issue 18): each case i has e_i epochs, c_i of them
// correct. The accuracy is the mean over cases of c_i / e_i; its interval is
// the Wilson interval at the design-effect-corrected sample size
//   n_eff = p (1 - p) / (s^2 / n),  s^2 the variance of the cases' c_i / e_i,
// held within [n, sum e_i] (n when p is 0 or 1 or n < 2): cases are the
// clusters, epochs the repeated measures within them.
struct EpochStats {
  int64_t k = 0;         // the most epochs of any case
  int64_t cases = 0;     // n
  int64_t episodes = 0;  // sum e_i
  int64_t correct_episodes = 0;
  double accuracy = 0;  // mean c_i / e_i
  double n_effective = 0;
  double design_effect = 1;  // episodes / n_effective
  Interval ci;
  std::optional<double> agreement;           // share of cases (with 2+ epochs) whose epochs all agree
  std::optional<double> pairwise_agreement;  // mean over those cases of the share of agreeing epoch pairs
  nlohmann::json ToJson() const;
};
struct CaseEpochs {
  int64_t epochs = 0, correct = 0;
  double credit = 0;
};
EpochStats ComputeEpochStats(const std::vector<CaseEpochs>& cases, double confidence);

// One episode, graded: what the credentials are computed from.
struct GradedEpisode {
  std::string case_id;  // local only; never copied into Credentials
  int64_t epoch = 1;    // --epochs K: 1..K
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
  std::string tool_mode = "native";
  TokenCount tokens;                 // as the server counted them; 0 when it did not
  std::optional<bool> top3;          // issue 16: principal matched by the diagnosis or the first differential entries
  std::optional<double> confidence;  // the model's stated confidence, 0..1, when it gave one
};

struct Credentials {
  DatasetStatus dataset = DatasetStatus::kUnrecognized;
  bool demo() const { return dataset == DatasetStatus::kDemo; }
  std::string split;
  std::vector<CategoryResult> categories;     // ranked, best first
  std::map<std::string, int64_t> outcomes;    // over every episode of the run
  std::map<std::string, int64_t> levels;      // grade levels over the credential split
  std::map<std::string, int64_t> tool_modes;  // over every episode: native/text -> episodes
  TokenCount tokens;                          // over every episode
  int64_t episodes = 0;
  int64_t judged = 0;
  std::optional<double> judge_agreement;
  nlohmann::json epochs;  // runs with epochs > 1: over every case of the split (EpochStats without the interval)
};

// Accumulates graded episodes one at a time (a run's episodes are streamed,
// never all held), then computes the credentials under a methodology. Every
// category of the taxonomy with at least one episode of the split appears.
// With `epochs` > 1 a category's n is its cases, each case run up to K times,
// and its accuracy and interval are EpochStats'; with 1, every episode is a
// case (as before epochs existed). It holds per-category accumulators and,
// per case, its ids (for the suite hash) and with epochs its epoch tally.
class CredentialsBuilder {
 public:
  CredentialsBuilder(const Methodology& methodology, const Taxonomy& taxonomy, DatasetStatus dataset,
                     int64_t epochs = 1);
  void Add(const GradedEpisode& episode);
  Credentials Finish() const;

 private:
  struct Tally {
    CategoryResult r;
    double cost = 0, turns = 0;
    int64_t ordered = 0, performed = 0, hits = 0, judge_agree = 0;
    int64_t episodes = 0;
    std::vector<std::string> ids;       // epochs == 1: one per episode
    std::set<std::string> case_ids;     // epochs > 1
    int64_t top3_n = 0, top3_hits = 0;  // per episode
    double brier = 0;                   // sum of squared errors over calibrated answers
    std::vector<CategoryResult::ReliabilityBin> bins;
  };
  const Methodology& m_;
  const Taxonomy& taxonomy_;
  const int64_t epochs_;
  std::map<std::string, CaseEpochs> by_case_;  // epochs > 1, credential split
  Credentials out_;
  int64_t agree_ = 0;
  std::map<std::string, Tally> tallies_;
};

// The same for episodes in memory.
Credentials Summarize(const std::vector<GradedEpisode>& episodes, const Methodology& methodology,
                      const Taxonomy& taxonomy, DatasetStatus dataset);

// The tier a category earns with `correct` of `n` under a methodology on a
// dataset of this status: "demo" and "unrecognized" datasets earn none.
std::string TierOf(int64_t correct, int64_t n, const Methodology& methodology, DatasetStatus dataset);
// The same from n cases and an interval's lower bound (runs with epochs).
std::string TierOfBound(int64_t n, double lower_bound, const Methodology& methodology, DatasetStatus dataset);

}  // namespace medcred

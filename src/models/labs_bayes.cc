#include "models/labs_bayes.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <optional>
#include <set>

#include "cases/case_builder.h"
#include "environment/environment.h"
#include "models/baselines.h"

namespace medcred {
namespace {

constexpr double kAlpha = 1.0;  // Laplace smoothing

std::set<std::string> Features(const Case& c, const ToolAnswer& labs) {
  std::set<std::string> f;
  for (const OrderAnswer& order : labs.orders) {
    for (const LabResultAnswer& r : order.results) {
      if (r.performed) f.insert((r.flag.empty() ? "normal:" : "abnormal:") + r.concept_name);
    }
  }
  const Presentation& p = *c.presentation;  // a whole case (Episode::Open refuses a light one)
  f.insert("age:" + std::to_string(std::min(p.age / 10, 9) * 10));
  f.insert("sex:" + p.sex);
  for (const auto& h : p.past_history) f.insert("pmh:" + h);
  return f;
}

}  // namespace

const char* LabsBayesBaseline::PanelArguments() {
  return R"({"tests": ["CBC", "BMP", "LFTs", "lipase", "troponin", "lactate", "BNP", "UA", "coags"]})";
}

Result<std::unique_ptr<LabsBayesBaseline>> LabsBayesBaseline::Train(const CaseSet& cases, Store& store,
                                                                    const Environment& env, const CaseSource* source) {
  if (cases.light && source == nullptr) return Status::Usage("labs-bayes: a light case set needs its case source");
  auto m = std::unique_ptr<LabsBayesBaseline>(new LabsBayesBaseline());
  MEDCRED_ASSIGN_OR_RETURN(ToolCall panel, ParseToolCall("order_labs", PanelArguments()));
  // One pass: each case's features, as ids in first-seen order for now, all
  // cases' in one sequence (case i's are flat[begin[i], begin[i + 1]); a
  // deque, which grows without copying what it holds, so the store's cases
  // never need twice their room).
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::string> names;
  const size_t n_cases = cases.cases.size();
  std::deque<uint32_t> flat;
  std::vector<size_t> begin(n_cases + 1, 0);
  std::vector<int> fold(n_cases);
  std::vector<std::string> label(n_cases);  // "" when the case has no truth
  for (size_t i = 0; i < n_cases; ++i) {
    std::optional<Case> whole;
    if (cases.light) {
      MEDCRED_ASSIGN_OR_RETURN(Case built, source->Build(store, cases.cases[i]));
      whole = std::move(built);
    }
    const Case& c = whole ? *whole : cases.cases[i];
    MEDCRED_ASSIGN_OR_RETURN(Episode e, Episode::Open(store, env, c));
    for (const std::string& f : Features(c, e.Call(panel))) {
      auto [it, fresh] = ids.emplace(f, static_cast<uint32_t>(names.size()));
      if (fresh) names.push_back(f);
      flat.push_back(it->second);
    }
    begin[i + 1] = flat.size();
    // The label and fold from the set's own case (a light one's truth is the set's, not the store's).
    const Case& own = cases.cases[i];
    fold[i] = FoldOf(own.subject_id);
    if (!own.truth.principal.empty()) label[i] = own.truth.principal.front().substr(0, 3);
  }
  // Renumber features in their text's order, so sums run in the order the
  // model has always used (over sorted names), and sort each case's ids.
  std::vector<uint32_t> order(names.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
  std::vector<uint32_t> rank(names.size());
  for (uint32_t r = 0; r < order.size(); ++r) rank[order[r]] = r;
  for (uint32_t& id : flat) id = rank[id];
  for (size_t i = 0; i < n_cases; ++i) std::sort(flat.begin() + begin[i], flat.begin() + begin[i + 1]);
  ids.clear();
  names.clear();
  std::set<std::string> classes;
  for (const std::string& l : label) {
    if (!l.empty()) classes.insert(l);
  }
  m->classes_.assign(classes.begin(), classes.end());
  std::unordered_map<std::string, int32_t> class_index;
  for (size_t c = 0; c < m->classes_.size(); ++c) class_index[m->classes_[c]] = static_cast<int32_t>(c);
  const size_t n_classes = m->classes_.size(), n_features = order.size();
  m->prediction_.reserve(n_cases);
  for (const Case& c : cases.cases) m->prediction_[c.case_id] = -1;

  for (int held_out = 0; held_out < 5; ++held_out) {
    // Counts over the four training folds.
    std::vector<int> n_class(n_classes, 0);
    std::vector<int> n_feature(n_classes * n_features, 0);
    std::vector<bool> in_vocabulary(n_features, false);
    int n = 0;
    for (size_t i = 0; i < n_cases; ++i) {
      if (label[i].empty() || fold[i] == held_out) continue;
      const size_t cls = static_cast<size_t>(class_index.at(label[i]));
      ++n;
      ++n_class[cls];
      for (size_t k = begin[i]; k < begin[i + 1]; ++k) {
        const uint32_t f = flat[k];
        ++n_feature[cls * n_features + f];
        in_vocabulary[f] = true;
      }
    }
    int present = 0;
    for (int k : n_class) present += k > 0;
    // Bernoulli naive Bayes: log P(c) + sum_f [x_f log p_fc + (1 - x_f) log(1 - p_fc)]
    // = base_c + sum over present f of (log p_fc - log(1 - p_fc)).
    std::vector<double> base(n_classes, 0), log_odds(n_classes * n_features, 0);
    for (size_t cls = 0; cls < n_classes; ++cls) {
      const int k = n_class[cls];
      if (k == 0) continue;
      double b = std::log((k + kAlpha) / (n + kAlpha * static_cast<double>(present)));
      for (size_t f = 0; f < n_features; ++f) {
        if (!in_vocabulary[f]) continue;
        const double p = (n_feature[cls * n_features + f] + kAlpha) / (k + 2 * kAlpha);
        b += std::log(1 - p);
        log_odds[cls * n_features + f] = std::log(p) - std::log(1 - p);
      }
      base[cls] = b;
    }
    // Every case of the held-out fold, scored once (its features copied out
    // of the deque once, not read from it for every class).
    std::vector<uint32_t> mine;
    for (size_t i = 0; i < n_cases; ++i) {
      if (fold[i] != held_out) continue;
      mine.assign(flat.begin() + begin[i], flat.begin() + begin[i + 1]);
      int32_t best = -1;
      double best_score = -INFINITY;
      for (size_t cls = 0; cls < n_classes; ++cls) {  // sorted: ties go to the smaller code
        if (n_class[cls] == 0) continue;
        double score = base[cls];
        for (uint32_t f : mine) {
          if (in_vocabulary[f]) score += log_odds[cls * n_features + f];  // unseen features carry no evidence
        }
        if (score > best_score) {
          best_score = score;
          best = static_cast<int32_t>(cls);
        }
      }
      m->prediction_[cases.cases[i].case_id] = best;
    }
  }
  return m;
}

std::string LabsBayesBaseline::Predict(const std::string& case_id) const {
  auto it = prediction_.find(case_id);
  if (it == prediction_.end() || it->second < 0) return "";
  return classes_[static_cast<size_t>(it->second)];
}

Result<ModelReply> LabsBayesBaseline::Complete(const Conversation&, const nlohmann::json&,
                                               const EpisodeContext& context) {
  ModelReply r;
  if (context.turn == 1) {
    r.tool_calls.push_back({"panel", "order_labs", PanelArguments()});
    return r;
  }
  const std::string code = Predict(context.case_->case_id);
  nlohmann::json args = {{"diagnosis", code.empty() ? "unknown" : "ICD-10-CM " + code}};
  if (!code.empty()) args["icd10"] = code;
  r.tool_calls.push_back({"submit", "submit_diagnosis", args.dump()});
  return r;
}

}  // namespace medcred

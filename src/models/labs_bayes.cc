#include "models/labs_bayes.h"

#include <cmath>

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
  const int age = c.presentation.age;
  f.insert("age:" + std::to_string(std::min(age / 10, 9) * 10));
  f.insert("sex:" + c.presentation.sex);
  for (const auto& h : c.presentation.past_history) f.insert("pmh:" + h);
  return f;
}

}  // namespace

const char* LabsBayesBaseline::PanelArguments() {
  return R"({"tests": ["CBC", "BMP", "LFTs", "lipase", "troponin", "lactate", "BNP", "UA", "coags"]})";
}

Result<std::unique_ptr<LabsBayesBaseline>> LabsBayesBaseline::Train(const CaseSet& cases, Store& store,
                                                                    const Environment& env) {
  auto m = std::unique_ptr<LabsBayesBaseline>(new LabsBayesBaseline());
  MEDCRED_ASSIGN_OR_RETURN(ToolCall panel, ParseToolCall("order_labs", PanelArguments()));
  std::map<std::string, std::string> label;  // case id -> class
  for (const Case& c : cases.cases) {
    MEDCRED_ASSIGN_OR_RETURN(Episode e, Episode::Open(store, env, c));
    m->features_[c.case_id] = Features(c, e.Call(panel));
    m->fold_[c.case_id] = FoldOf(c.subject_id);
    if (!c.truth.principal.empty()) label[c.case_id] = c.truth.principal.front().substr(0, 3);
  }
  for (int held_out = 0; held_out < 5; ++held_out) {
    FoldModel& fm = m->models_[held_out];
    std::map<std::string, int> n_class;
    std::map<std::string, std::map<std::string, int>> n_feature;
    int n = 0;
    for (const auto& [id, cls] : label) {
      if (m->fold_[id] == held_out) continue;
      ++n;
      ++n_class[cls];
      for (const auto& f : m->features_[id]) {
        ++n_feature[cls][f];
        fm.vocabulary.insert(f);
      }
    }
    // Bernoulli naive Bayes: log P(c) + sum_f [x_f log p_fc + (1 - x_f) log(1 - p_fc)]
    // = base_c + sum over present f of (log p_fc - log(1 - p_fc)).
    for (const auto& [cls, k] : n_class) {
      double base = std::log((k + kAlpha) / (n + kAlpha * static_cast<double>(n_class.size())));
      for (const auto& f : fm.vocabulary) {
        auto it = n_feature[cls].find(f);
        const double p = ((it == n_feature[cls].end() ? 0 : it->second) + kAlpha) / (k + 2 * kAlpha);
        base += std::log(1 - p);
        fm.log_odds[cls][f] = std::log(p) - std::log(1 - p);
      }
      fm.base[cls] = base;
    }
  }
  return m;
}

std::string LabsBayesBaseline::Predict(const std::string& case_id) const {
  auto f = features_.find(case_id);
  auto fold = fold_.find(case_id);
  if (f == features_.end() || fold == fold_.end()) return "";
  const FoldModel& fm = models_[fold->second];
  std::string best;
  double best_score = -INFINITY;
  for (const auto& [cls, base] : fm.base) {  // ordered: ties go to the smaller code
    double score = base;
    const auto& odds = fm.log_odds.at(cls);
    for (const auto& v : f->second) {
      auto it = odds.find(v);
      if (it != odds.end()) score += it->second;  // features never seen in training carry no evidence
    }
    if (score > best_score) {
      best_score = score;
      best = cls;
    }
  }
  return best;
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

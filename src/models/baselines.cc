#include "models/baselines.h"

#include "cases/case_builder.h"
#include "common/sha256.h"

namespace medcred {
namespace {

ModelReply Submit(const std::string& diagnosis, const std::string& icd10, int id) {
  ModelReply r;
  nlohmann::json args = {{"diagnosis", diagnosis}};
  if (!icd10.empty()) args["icd10"] = icd10;
  r.tool_calls.push_back({"call_" + std::to_string(id), "submit_diagnosis", args.dump()});
  return r;
}

}  // namespace

int FoldOf(int64_t subject_id) {
  const std::string hex = Sha256::Hex("medcred-fold-v1:" + std::to_string(subject_id));
  unsigned r = 0;
  for (size_t i = 0; i < hex.size(); i += 2)
    r = (r * 256 + static_cast<unsigned>(std::stoi(hex.substr(i, 2), nullptr, 16))) % 5;
  return static_cast<int>(r);
}

Result<ModelReply> NullBaseline::Complete(const Conversation&, const nlohmann::json&, const EpisodeContext& context) {
  return Submit("unknown", "", context.turn);
}

PriorBaseline::PriorBaseline(const CaseSet& cases) {
  // counts[(category, fold of the patient)][icd10 category] over every case.
  std::map<std::string, std::map<int, std::map<std::string, int>>> counts;
  for (const Case& c : cases.cases) {
    if (c.categories.empty() || c.truth.principal.empty()) continue;
    counts[c.categories.front()][FoldOf(c.subject_id)][c.truth.principal.front().substr(0, 3)]++;
  }
  for (const auto& [category, by_fold] : counts) {
    for (int held_out = 0; held_out < 5; ++held_out) {
      std::map<std::string, int> total;
      for (const auto& [fold, codes] : by_fold) {
        if (fold == held_out) continue;
        for (const auto& [code, n] : codes) total[code] += n;
      }
      std::string best;
      int best_n = 0;
      for (const auto& [code, n] : total) {  // ordered: ties go to the smaller code
        if (n > best_n) {
          best = code;
          best_n = n;
        }
      }
      if (!best.empty()) majority_[{category, held_out}] = best;
    }
  }
}

std::string PriorBaseline::Answer(const std::string& category, int fold) const {
  auto it = majority_.find({category, fold});
  return it == majority_.end() ? "" : it->second;
}

Result<ModelReply> PriorBaseline::Complete(const Conversation&, const nlohmann::json&, const EpisodeContext& context) {
  if (context.turn == 1) {  // a clinician would at least take the history
    ModelReply r;
    r.tool_calls.push_back({"call_1", "get_history", "{}"});
    return r;
  }
  const Case& c = *context.case_;
  const std::string code = c.categories.empty() ? "" : Answer(c.categories.front(), FoldOf(c.subject_id));
  if (code.empty()) return Submit("unknown", "", context.turn);
  return Submit("ICD-10-CM " + code, code, context.turn);
}

}  // namespace medcred

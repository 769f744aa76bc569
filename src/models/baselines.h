// Built-in baselines (docs/models.md), no network.
//
//   baseline:null   submits "unknown" at once: the floor every model must beat.
//   baseline:prior  takes the history, then submits the most frequent principal
//                   diagnosis (ICD-10-CM category) of the case's first
//                   category, counted on the other patients only: patients are
//                   split into 5 folds by a hash of subject_id, and a case is
//                   answered from the 4 folds that do not hold its patient.
//
// Thread safety: immutable after construction; Complete() is const in effect.
#pragma once

#include <map>
#include <string>

#include "models/model.h"

namespace medcred {

// The cross-fitting fold (0..4) of a patient: sha256("medcred-fold-v1:" + subject_id) mod 5.
int FoldOf(int64_t subject_id);

class NullBaseline : public Model {
 public:
  std::string spec() const override { return "baseline:null"; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;
};

class PriorBaseline : public Model {
 public:
  explicit PriorBaseline(const CaseSet& cases);
  std::string spec() const override { return "baseline:prior"; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;
  // The answer for a category when the patient's fold is held out ("" if none).
  std::string Answer(const std::string& category, int fold) const;

 private:
  // (category, held-out fold) -> the majority 3-character ICD-10-CM category.
  std::map<std::pair<std::string, int>, std::string> majority_;
};

}  // namespace medcred

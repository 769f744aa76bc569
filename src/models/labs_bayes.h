// baseline:labs-bayes (docs/models.md): orders a fixed panel, then answers with a
// Bernoulli naive Bayes over the panel's abnormal and normal results, age
// band, sex and past-history titles, predicting the principal diagnosis'
// 3-character ICD-10-CM category.
//
// Trained with patient-level 5-fold cross-fitting (FoldOf): a case is scored by
// the model fitted on the four folds that do not hold its patient, so no
// patient is scored by a model that saw them. It does not read the case's
// categories. Deterministic for a given store: features come from the same
// environment answers the model's order receives, ties go to the smaller code.
//
// Memory (issue 18): each case's features are read once, through the
// environment, and kept as sorted ids into one vocabulary while the five fold
// models are fitted one at a time (a dense class x feature table each, freed
// before the next); every case is predicted then, and only its prediction is
// kept: a class index per case.
//
// Thread safety: immutable after construction.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/model.h"

namespace medcred {

class Environment;
class Store;

class LabsBayesBaseline : public Model {
 public:
  // The panel ordered on the first turn.
  static const char* PanelArguments();

  // Computes every case's features through `env` on `store`, then fits the five fold models.
  // A light case set's cases are built whole, one at a time, by `source`.
  static Result<std::unique_ptr<LabsBayesBaseline>> Train(const CaseSet& cases, Store& store, const Environment& env,
                                                          const CaseSource* source = nullptr);

  std::string spec() const override { return "baseline:labs-bayes"; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;

  // The predicted category for a case id ("" when no model applies).
  std::string Predict(const std::string& case_id) const;

 private:
  std::vector<std::string> classes_;                     // 3-character ICD-10-CM categories, sorted
  std::unordered_map<std::string, int32_t> prediction_;  // case id -> index into classes_, -1 when none
};

}  // namespace medcred

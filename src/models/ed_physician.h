// baseline:ed-physician (docs/models.md#baselines, docs/methodology.md#the-ed-physicians-as-a-yardstick):
// the record's own clinicians as a model. For a case whose admission came through the ED, it
// answers at once with the diagnoses the ED physicians assigned at ED disposition (MIMIC-IV-ED
// `diagnosis`): the first-listed as the diagnosis (its title, and its code: ICD-10 as written,
// ICD-9 through the GEMs' first target), the others as the differential. A case without an ED
// diagnosis (no ED stay linked to the admission, or a stay with none coded) gets no answer and
// ends `no_diagnosis`, saying so. It orders nothing; its cost is that of the tests the
// clinicians actually ran in the window (Episode::performed_cost).
//
// The ED diagnoses are truth-side data: only this baseline and the comparison in every report
// (credentials/clinician.h) read them, through Store::EdDiagnosesOf; no presentation or tool does.
//
// Thread safety: immutable after construction; Complete() may be called concurrently.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cases/icd.h"
#include "models/model.h"
#include "store/records.h"

namespace medcred {

// The ED physicians' answer for one admission.
struct EdPhysicianAnswer {
  std::string diagnosis;                  // the first-listed ED diagnosis' title, as the ED coded it
  std::optional<std::string> icd10;       // its ICD-10-CM code; none for an ICD-9 code the GEMs do not map
  std::vector<std::string> differential;  // the other ED diagnoses' titles, in ED order (10 at most)
};

// The answer the ED diagnoses of an admission (Store::EdDiagnosesOf, by seq_num) give; none when
// there are none. `reference` maps ICD-9 codes (may be null: an ICD-9 code then goes as text only).
std::optional<EdPhysicianAnswer> EdPhysicianAnswerOf(const std::vector<EdDiagnosisRecord>& diagnoses,
                                                     const IcdReference* reference);

// Every case's ED physicians' answer, read from the store (one query per case): case id -> answer,
// for the cases that have one.
Result<std::map<std::string, EdPhysicianAnswer>> LoadEdPhysicianAnswers(const CaseSet& cases, Store& store,
                                                                        const IcdReference* reference);

class EdPhysicianBaseline : public Model {
 public:
  static Result<std::unique_ptr<EdPhysicianBaseline>> Create(const CaseSet& cases, Store& store,
                                                             const IcdReference* reference);
  std::string spec() const override { return "baseline:ed-physician"; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;
  bool charges_performed_tests() const override { return true; }
  std::string Notice() const override;

  size_t answered() const { return answers_.size(); }

 private:
  std::map<std::string, EdPhysicianAnswer> answers_;  // case id -> answer
  size_t cases_ = 0;
};

}  // namespace medcred

#include "models/ed_physician.h"

#include "cases/case_builder.h"
#include "store/store.h"

namespace medcred {
namespace {

// The differential's length the protocol accepts (submit_diagnosis: 10 at most).
constexpr size_t kMaxDifferential = 10;

std::optional<std::string> Icd10Of(const EdDiagnosisRecord& d, const IcdReference* reference) {
  if (d.icd_code.empty()) return std::nullopt;
  if (d.icd_version == 10) return d.icd_code;
  if (d.icd_version == 9 && reference != nullptr) {
    const auto& targets = reference->Gem(d.icd_code);
    if (!targets.empty()) return targets.front().icd10;
  }
  return std::nullopt;
}

}  // namespace

std::optional<EdPhysicianAnswer> EdPhysicianAnswerOf(const std::vector<EdDiagnosisRecord>& diagnoses,
                                                     const IcdReference* reference) {
  if (diagnoses.empty()) return std::nullopt;
  EdPhysicianAnswer a;
  const EdDiagnosisRecord& first = diagnoses.front();
  a.diagnosis = first.icd_title.empty() ? first.icd_code : first.icd_title;
  a.icd10 = Icd10Of(first, reference);
  for (size_t i = 1; i < diagnoses.size() && a.differential.size() < kMaxDifferential; ++i) {
    const EdDiagnosisRecord& d = diagnoses[i];
    const std::string text = d.icd_title.empty() ? d.icd_code : d.icd_title;
    if (!text.empty()) a.differential.push_back(text);
  }
  return a;
}

Result<std::map<std::string, EdPhysicianAnswer>> LoadEdPhysicianAnswers(const CaseSet& cases, Store& store,
                                                                        const IcdReference* reference) {
  std::map<std::string, EdPhysicianAnswer> out;
  for (const Case& c : cases.cases) {
    MEDCRED_ASSIGN_OR_RETURN(std::vector<EdDiagnosisRecord> dx, store.EdDiagnosesOf(c.hadm_id));
    if (auto a = EdPhysicianAnswerOf(dx, reference)) out.emplace(c.case_id, std::move(*a));
  }
  return out;
}

Result<std::unique_ptr<EdPhysicianBaseline>> EdPhysicianBaseline::Create(const CaseSet& cases, Store& store,
                                                                         const IcdReference* reference) {
  auto m = std::unique_ptr<EdPhysicianBaseline>(new EdPhysicianBaseline());
  MEDCRED_ASSIGN_OR_RETURN(m->answers_, LoadEdPhysicianAnswers(cases, store, reference));
  m->cases_ = cases.cases.size();
  return m;
}

std::string EdPhysicianBaseline::Notice() const {
  if (!answers_.empty()) return "";
  return "baseline:ed-physician: the store holds no ED diagnosis for any of its " + std::to_string(cases_) +
         " cases (no ED module, ed/diagnosis.csv.gz), so it has nothing to answer with: every case ends no_diagnosis";
}

Result<ModelReply> EdPhysicianBaseline::Complete(const Conversation&, const nlohmann::json&,
                                                 const EpisodeContext& context) {
  auto it = answers_.find(context.case_->case_id);
  if (it == answers_.end()) {
    return ModelReply(
        "No ED diagnosis is recorded for this admission (no ED stay led to it, or none was coded): "
        "the ED physicians have no answer to give.",
        {});
  }
  const EdPhysicianAnswer& a = it->second;
  nlohmann::json args = {{"diagnosis", a.diagnosis}};
  if (a.icd10) args["icd10"] = *a.icd10;
  if (!a.differential.empty()) args["differential"] = a.differential;
  ModelReply r;
  r.tool_calls.push_back({"call_" + std::to_string(context.turn), "submit_diagnosis", args.dump()});
  return r;
}

}  // namespace medcred

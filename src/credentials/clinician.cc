#include "credentials/clinician.h"

#include "common/data_file.h"

namespace medcred {

Result<ClinicianMethodology> ParseClinicianSection(const toml::table& root, const std::string& where) {
  ClinicianMethodology out;
  const toml::table* t = root["clinician"].as_table();
  if (t == nullptr) return out;
  out.present = true;
  auto margin = (*t)["non_inferiority_margin"].value<double>();
  if (!margin || *margin < 0 || *margin >= 1) {
    return Status::BadInput(where + ": clinician.non_inferiority_margin must be a number from 0 to 1");
  }
  out.margin = *margin;
  auto min_cases = (*t)["min_cases"].value<int64_t>();
  if (!min_cases || *min_cases < 1) {
    return Status::BadInput(where + ": clinician.min_cases must be a whole number of at least 1");
  }
  out.min_cases = *min_cases;
  auto who = (*t)["clinicians"].value<std::string>();
  if (!who || *who != "ed-physician") {
    return Status::BadInput(where + ": clinician.clinicians must be \"ed-physician\" (the only yardstick so far)");
  }
  out.clinicians = *who;
  return out;
}

Result<ClinicianMethodology> LoadClinicianMethodology(const Methodology& m) {
  const std::string name = "methodology-" + m.version + ".toml";
  auto file = LoadDataFile(name);
  // A methodology that did not come from a data file of its version has no section we can vouch for.
  if (!file.ok() || file->sha256 != m.sha256) return ClinicianMethodology{};
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(*file));
  return ParseClinicianSection(root, file->path);
}

std::string ClinicianStatement(const PairedComparison& c, const ClinicianMethodology& section) {
  if (!section.present) return "no margin";
  if (c.table.n() < section.min_cases) return "too few cases";
  if (c.difference_ci.low > 0) return "superior";
  if (c.difference_ci.low > -section.margin) return "non-inferior";
  if (c.difference_ci.high < 0) return "inferior";
  return "not shown";
}

ClinicianComparisonBuilder::ClinicianComparisonBuilder(const Methodology& methodology, ClinicianMethodology section,
                                                       const Grader& grader, DatasetStatus dataset,
                                                       bool store_has_ed_diagnoses)
    : m_(methodology),
      section_(std::move(section)),
      grader_(grader),
      dataset_(dataset),
      available_(store_has_ed_diagnoses) {}

void ClinicianComparisonBuilder::Add(const std::vector<std::string>& categories, const std::string& split,
                                     const Grade& model_grade, const CaseTruth& truth,
                                     const std::optional<EdPhysicianAnswer>& ed_answer) {
  if (m_.split != "all" && split != m_.split) return;
  std::optional<bool> ed_correct;
  if (ed_answer) {
    const Grade g = grader_.GradeAnswer(truth.principal, truth.secondary, ed_answer->diagnosis, ed_answer->icd10);
    ed_correct = g.credit >= m_.correct_at;
  }
  const bool model_correct = model_grade.credit >= m_.correct_at;
  for (const std::string& cat : categories) {
    Tally& t = tallies_[cat];
    ++t.cases;
    if (!ed_correct) {
      ++t.without;
      continue;
    }
    t.table.Add(model_correct, *ed_correct);
  }
}

nlohmann::json ClinicianComparisonBuilder::Finish() const {
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [name, t] : tallies_) {
    const PairedComparison c = Compare(t.table, m_.confidence);
    std::string statement = ClinicianStatement(c, section_);
    if (dataset_ != DatasetStatus::kRecognized) statement = DatasetStatusName(dataset_);
    cats[name] = {{"cases", t.cases},
                  {"without_ed_diagnosis", t.without},
                  {"n", t.table.n()},
                  {"model_correct", t.table.both + t.table.only_a},
                  {"clinician_correct", t.table.both + t.table.only_b},
                  {"only_model_correct", t.table.only_a},
                  {"only_clinician_correct", t.table.only_b},
                  {"model_accuracy", t.table.accuracy_a()},
                  {"clinician_accuracy", t.table.accuracy_b()},
                  {"difference", t.table.difference()},
                  {"difference_ci", {c.difference_ci.low, c.difference_ci.high}},
                  {"mcnemar_p", c.mcnemar_p},
                  {"statement", statement}};
  }
  nlohmann::json out = {
      {"clinicians", section_.clinicians},
      {"source", "MIMIC-IV-ED diagnosis: the first-listed diagnosis at ED disposition, graded as a model's answer"},
      {"available", available_},
      {"confidence", m_.confidence},
      {"interval_method", kPairedIntervalMethod},
      {"test_method", kPairedTestMethod},
      {"categories", cats}};
  if (section_.present) {
    out["non_inferiority_margin"] = section_.margin;
    out["min_cases"] = section_.min_cases;
  } else {
    out["non_inferiority_margin"] = nullptr;
  }
  if (!available_) out["note"] = "the store holds no ED diagnoses (no ED module): nothing to compare with";
  return out;
}

}  // namespace medcred

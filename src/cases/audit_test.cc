#include "cases/audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "common/sha256.h"
#include "common/text.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

struct Refs {
  IcdReference icd;
  Ccsr ccsr;
  LeakageAudit audit;
};

const Refs* Load() {
  static const Refs* refs = []() -> const Refs* {
    const std::string dir = test::ReferenceDir();
    if (dir.empty()) return nullptr;
    auto icd = IcdReference::Load(dir);
    auto ccsr = Ccsr::Load(dir);
    if (!icd.ok() || !ccsr.ok()) return nullptr;
    auto* r = new Refs{std::move(*icd), std::move(*ccsr), LeakageAudit{}};
    auto a = LeakageAudit::Load("audit-terms-v1.toml", "lexicon-v1.toml", r->icd, r->ccsr);
    EXPECT_TRUE(a.ok()) << a.status().message();
    if (!a.ok()) return nullptr;
    r->audit = std::move(*a);
    return r;
  }();
  return refs;
}

#define REQUIRE_REFS(r)               \
  MEDCRED_REQUIRE_REFERENCE(r##_dir); \
  const Refs* r = Load();             \
  ASSERT_NE(r, nullptr)

std::vector<std::string> TermTexts(const DiagnosisTerms& d) {
  std::vector<std::string> out;
  for (const auto& t : d.terms) out.push_back(NormalizeWords(t.text));
  return out;
}

// How titles are read: "X with Y" keeps the acute Y, not the underlying X;
// "without", "due to", encounter parts and asides that exclude are dropped.
TEST(LeakageAudit, TitlePhrases) {
  REQUIRE_REFS(r);
  const struct {
    const char* title;
    std::vector<std::string> want;
  } rows[] = {
      {"Type 1 diabetes mellitus with ketoacidosis without coma", {"ketoacidosis"}},
      {"Non-ST elevation (NSTEMI) myocardial infarction", {"nstemi", "non st elevation myocardial infarction"}},
      {"Pneumonia, unspecified organism", {"pneumonia"}},
      {"Sepsis due to Escherichia coli [E. coli]", {"sepsis"}},
      {"Chronic obstructive pulmonary disease with (acute) exacerbation", {"exacerbation"}},
      {"Displaced intertrochanteric fracture of right femur, initial encounter for closed fracture",
       {"intertrochanteric fracture of right femur"}},
      {"Pneumonia (except that caused by tuberculosis)", {"pneumonia"}},
      {"Chronic or unspecified gastric ulcer with hemorrhage", {}},
      {"Poisoning by benzodiazepines, accidental (unintentional), initial encounter", {"poisoning by benzodiazepines"}},
      {"Essential (primary) hypertension", {"essential hypertension"}},  // "(primary)" would match "primary care"
      {"Acute on chronic systolic (congestive) heart failure", {"systolic heart failure"}},
  };
  for (const auto& row : rows) {
    EXPECT_THAT(r->audit.TitlePhrases(row.title), ::testing::UnorderedElementsAreArray(row.want)) << row.title;
  }
}

TEST(LeakageAudit, TermsComeFromTitlesCcsrTheLexiconAndTheTermsFile) {
  REQUIRE_REFS(r);
  const auto nstemi = TermTexts(r->audit.TermsFor({"I214"}));
  EXPECT_THAT(nstemi, Contains("nstemi"));                 // title aside
  EXPECT_THAT(nstemi, Contains("myocardial infarction"));  // CCSR CIR009 "Acute myocardial infarction"
  EXPECT_THAT(nstemi, Contains("heart attack"));           // lexicon I219, same category
  EXPECT_THAT(nstemi, Contains("mi"));
  EXPECT_THAT(nstemi, Not(Contains("cad")));  // I25: another category
  EXPECT_THAT(nstemi, Not(Contains("chest pain")));
  const auto uti = TermTexts(r->audit.TermsFor({"N10"}));
  EXPECT_THAT(uti, Contains("uti"));  // lexicon N390: same CCSR GEN004
  EXPECT_THAT(uti, Contains("pyelo"));
  EXPECT_THAT(uti, Not(Contains("urosepsis")));  // A41: septicemia, not a UTI
  // Acetaminophen self-harm's default CCSR is MBD012, but "overdose" (INJ022) is among its categories.
  EXPECT_THAT(TermTexts(r->audit.TermsFor({"T391X2A"})), Contains("overdose"));
}

TEST(LeakageAudit, ScanRules) {
  REQUIRE_REFS(r);
  const LeakageAudit& a = r->audit;
  const DiagnosisTerms pe = a.TermsFor({"I2699"});
  auto hit = [&](AuditField f, const std::string& text) { return a.Scan(pe, f, text).has_value(); };
  // Word boundaries, capitals for abbreviations but in a chief complaint, plurals.
  EXPECT_TRUE(hit(AuditField::kHpi, "CTA showed bilateral PEs."));
  EXPECT_FALSE(hit(AuditField::kHpi, "She has a pet dog and a pe tube."));
  EXPECT_FALSE(hit(AuditField::kHpi, "Type of PEG tube."));
  EXPECT_TRUE(hit(AuditField::kChiefComplaint, "pe"));
  EXPECT_FALSE(hit(AuditField::kExam, "PE: HR 110, lungs clear"));  // a label
  // Negated, past, family; a terminator ends a cue's reach.
  EXPECT_FALSE(hit(AuditField::kHpi, "She denies prior DVT/PE."));
  EXPECT_FALSE(hit(AuditField::kHpi, "History of PE in ___ on apixaban."));
  EXPECT_FALSE(hit(AuditField::kHpi, "Her mother had a PE at 40."));
  EXPECT_FALSE(hit(AuditField::kHpi, "Provoked PE s/p knee surgery, completed anticoagulation."));
  EXPECT_TRUE(hit(AuditField::kHpi, "No fevers, but now with a large PE."));
  EXPECT_TRUE(hit(AuditField::kHpi, "Pulmonary emboli were seen."));
  // The sentence and the words are reported.
  auto f = a.Scan(pe, AuditField::kHpi, "Invented woman with dyspnea. Her PE is likely provoked. She is well.");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->sentence, "Her PE is likely provoked.");
  EXPECT_EQ(f->matched, "PE");
  EXPECT_EQ(f->source, "lexicon");
  // Neutral phrases: a longer term still wins.
  const DiagnosisTerms copd = a.TermsFor({"J441"});
  EXPECT_FALSE(a.Scan(copd, AuditField::kHpi, "Known severe COPD on 2L home oxygen.").has_value());
  EXPECT_TRUE(a.Scan(copd, AuditField::kHpi, "This is his third COPD exacerbation.").has_value());
  const DiagnosisTerms stroke = a.TermsFor({"I639"});
  EXPECT_FALSE(a.Scan(stroke, AuditField::kExam, "Back: no CVA tenderness").has_value());
  EXPECT_TRUE(a.Scan(stroke, AuditField::kChiefComplaint, "CVA").has_value());
  // A medication's indication repeats the shown past history when the disease was coded before.
  EXPECT_TRUE(a.Scan(pe, AuditField::kHomeMedication, "Enoxaparin (for PE)").has_value());
  EXPECT_FALSE(a.Scan(pe, AuditField::kHomeMedication, "Enoxaparin (for PE)", {"I2609"}).has_value());
  EXPECT_TRUE(a.Scan(pe, AuditField::kHomeMedication, "Enoxaparin (for PE)", {"J189"}).has_value());
}

TEST(LeakageAudit, AuditLooksAtEveryVisibleText) {
  REQUIRE_REFS(r);
  const DiagnosisTerms dka = r->audit.TermsFor({"E1010"});
  VisibleTexts v;
  v.chief_complaint = "Vomiting";
  v.hpi = "Invented man with type 1 DM on a pump.";
  v.home_medications = {"Insulin glargine", "Lisinopril"};
  v.exam = "Gen: ill-appearing, Kussmaul breathing";
  v.triage_pain = "8";
  EXPECT_FALSE(r->audit.Audit(dka, v).has_value());
  v.triage_pain = "DKA";  // free text in a numeric field is shown too
  auto f = r->audit.Audit(dka, v);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->field, AuditField::kTriagePain);
  EXPECT_STREQ(AuditFieldName(f->field), "triage_pain");
}

TEST(LeakageAudit, BadFilesNameTheField) {
  REQUIRE_REFS(r);
  auto lexicon = LoadDataFile("lexicon-v1.toml");
  ASSERT_TRUE(lexicon.ok());
  const std::string text =
      "version = \"v1\"\n[titles]\nstopwords = []\ngeneric_words = []\ndrop_parts_opening = []\n"
      "min_word_letters = 4\n[abbreviations]\nlower_case_words = []\n[cues]\nwindow = 0\n";
  auto a = LeakageAudit::Parse(DataFile{"t.toml", "mem/t.toml", text, Sha256::Hex(text)}, *lexicon, r->icd, r->ccsr);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.status().message(), HasSubstr("mem/t.toml: cues.window must be an integer 1-50"));
}

}  // namespace
}  // namespace medcred

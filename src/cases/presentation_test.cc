#include "cases/presentation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sha256.h"
#include "common/time.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

PresentationRules Rules() {
  auto r = PresentationRules::Load();
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : PresentationRules{};
}

// All notes below are SYNTHETIC, written for these tests.

TEST(ExtractHpi, KeepsTheSectionAndStopsAtTheNextOne) {
  const std::string note =
      "Chief Complaint:\nshortness of breath\n\nHistory of Present Illness:\n"
      "Invented man with two weeks of exertional dyspnea and orthopnea.\n\n"
      "Past Medical History:\nInvented.\n\nBrief Hospital Course:\nInvented course.\n";
  EXPECT_EQ(ExtractHpi(note, Rules()), "Invented man with two weeks of exertional dyspnea and orthopnea.");
}

TEST(ExtractHpi, CutsAtTheEdCourseAndAtAStatedDiagnosis) {
  const auto rules = Rules();
  EXPECT_EQ(ExtractHpi("HPI: Invented woman with fever and flank pain. In the ED, UA was positive.\n", rules),
            "Invented woman with fever and flank pain.");
  // The whole sentence holding a marker goes, not only the words after it.
  EXPECT_EQ(ExtractHpi("History of Present Illness:\nInvented man with cough. A film was taken and he was found "
                       "to have a lobar infiltrate.\nSocial History:\nnone\n",
                       rules),
            "Invented man with cough.");
  EXPECT_EQ(ExtractHpi("HPI:\nInvented man with cough; he was diagnosed with a lobar infiltrate.\n", rules), "");
  EXPECT_EQ(ExtractHpi("HPI:\nInvented first paragraph\n\nAt OSH, a film was taken.\n", rules),
            "Invented first paragraph");
  // Case-insensitive markers.
  EXPECT_EQ(ExtractHpi("HPI:\nInvented story. in the emergency department he got antibiotics.\n", rules),
            "Invented story.");
}

TEST(ExtractHpi, HeaderMustOpenALineAndMatchingIgnoresCase) {
  const auto rules = Rules();
  EXPECT_EQ(ExtractHpi("Chief Complaint: see HPI: nothing here\n", rules), "");
  EXPECT_EQ(ExtractHpi("history of present illness:\nInvented text.\nphysical exam:\nnormal\n", rules),
            "Invented text.");
  EXPECT_EQ(ExtractHpi("No sections at all.", rules), "");
  EXPECT_EQ(ExtractHpi("", rules), "");
}

TEST(ExtractHpi, LongTextIsCutAtAWordBoundary) {
  auto rules = Rules();
  rules.max_chars = 100;
  std::string body;
  for (int i = 0; i < 40; ++i) body += "word" + std::to_string(i) + " ";
  const std::string hpi = ExtractHpi("HPI:\n" + body + "\n", rules);
  EXPECT_LE(hpi.size(), 104u);
  EXPECT_THAT(hpi, ::testing::EndsWith(" ..."));
  EXPECT_THAT(hpi, Not(HasSubstr("word39")));
  EXPECT_EQ(hpi.substr(0, 6), "word0 ");
}

TEST(PresentationRules, V2IsTheDefaultAndV1StillLoads) {
  auto v1 = PresentationRules::Load("presentation-v1.toml");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  const auto v2 = Rules();
  EXPECT_EQ(v1->version, "v1");
  EXPECT_EQ(v2.version, "v2");
  EXPECT_TRUE(v1->audit_rule.empty());
  EXPECT_EQ(v2.audit_rule, "presentation_names_diagnosis");
  // SYNTHETIC: v1 lets a stated diagnosis through, v2 drops its sentence and keeps the next.
  const std::string note = "HPI:\nInvented man with chest pressure. He presents with NSTEMI. He took aspirin.\n";
  EXPECT_EQ(ExtractHpi(note, *v1), "Invented man with chest pressure. He presents with NSTEMI. He took aspirin.");
  EXPECT_EQ(ExtractHpi(note, v2), "Invented man with chest pressure. He took aspirin.");
  // A duration after "presents with" is the history.
  EXPECT_EQ(ExtractHpi("HPI:\nInvented man who presents with 3 days of cough.\n", v2),
            "Invented man who presents with 3 days of cough.");
}

TEST(SplitSentences, TitlesAndDecimalsDoNotEndASentence) {
  const std::string t = "Mr. ___ had a troponin of 0.42. Dr. ___ saw him!\n\nNext paragraph";
  std::vector<std::string> got;
  for (const auto& [b, e] : SplitSentences(t)) got.push_back(t.substr(b, e - b));
  EXPECT_THAT(got,
              ::testing::ElementsAre("Mr. ___ had a troponin of 0.42. ", "Dr. ___ saw him!\n\n", "Next paragraph"));
}

TEST(PresentationRules, BadPatternNamesTheField) {
  const std::string text =
      "version = \"v2\"\n[hpi]\nsection_headers = [\"HPI:\"]\nstop_line_prefixes = []\ncut_markers = []\n"
      "drop_patterns = [\"ok\", \"(unclosed\"]\nmax_chars = 3000\n[exam]\nsection_headers = [\"PE:\"]\n"
      "stop_line_prefixes = []\nmax_chars = 3000\n";
  auto r = PresentationRules::Parse(DataFile{"p.toml", "mem/p.toml", text, Sha256::Hex(text)});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("mem/p.toml: hpi.drop_patterns[1]: not a valid pattern"));
}

TEST(PresentationRules, BadFileNamesTheField) {
  const std::string text =
      "version = \"v1\"\n[hpi]\nsection_headers = [\"HPI:\"]\nstop_line_prefixes = []\n"
      "cut_markers = [\"\"]\nmax_chars = 3000\n";
  auto r = PresentationRules::Parse(DataFile{"p.toml", "mem/p.toml", text, Sha256::Hex(text)});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("mem/p.toml: hpi.cut_markers must be a list of non-empty strings"));
}

TEST(BuildPresentation, ShowsArrivalFactsAndNothingElse) {
  PatientRecord p{7, "M", 50, 2150};
  AdmissionRecord a;
  a.subject_id = 7;
  a.hadm_id = 70;
  a.admittime = ParseTimestamp("2153-06-01 10:00:00").value();
  a.dischtime = ParseTimestamp("2153-06-09 10:00:00").value();
  a.admission_type = "URGENT";
  a.admission_location = "TRANSFER FROM HOSPITAL";
  PresentationInputs in;
  in.patient = &p;
  in.admission = &a;
  in.past_history = {"Invented old diagnosis"};
  const auto rules = Rules();
  nlohmann::json j = BuildPresentation(in, rules).ToJson();
  EXPECT_EQ(j["age"], 53);  // anchor_age shifted by the admission year
  EXPECT_EQ(j["sex"], "M");
  EXPECT_EQ(j["arrival"]["route"], "direct admission");
  EXPECT_EQ(j["arrival"]["admission_type"], "URGENT");
  EXPECT_EQ(j["arrival"]["admission_location"], "TRANSFER FROM HOSPITAL");
  EXPECT_EQ(j["past_history"], nlohmann::json::array({"Invented old diagnosis"}));
  EXPECT_FALSE(j.contains("chief_complaint"));
  EXPECT_FALSE(j.contains("triage_vitals"));
  EXPECT_FALSE(j.contains("hpi"));

  // With the ED module: triage; with the Note module: the HPI.
  a.edregtime = ParseTimestamp("2153-06-01 08:00:00").value();
  TriageRecord t;
  t.arrival_transport = "AMBULANCE";
  t.heartrate = 120;
  t.sbp = 85;
  t.chiefcomplaint = "Fever";
  in.triage = t;
  in.discharge_note = "HPI:\nInvented fever for two days. In the ED, lactate was high.\nDischarge Diagnosis:\nx\n";
  j = BuildPresentation(in, rules).ToJson();
  EXPECT_EQ(j["arrival"]["route"], "emergency department");
  EXPECT_EQ(j["arrival"]["transport"], "AMBULANCE");
  EXPECT_EQ(j["chief_complaint"], "Fever");
  EXPECT_EQ(j["triage_vitals"]["heart_rate"], 120.0);
  EXPECT_EQ(j["triage_vitals"]["systolic_bp"], 85.0);
  EXPECT_FALSE(j["triage_vitals"].contains("temperature_f"));  // not charted, not invented
  EXPECT_EQ(j["hpi"], "Invented fever for two days.");
}

}  // namespace
}  // namespace medcred

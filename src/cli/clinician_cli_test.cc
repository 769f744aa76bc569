// The ED physicians as a yardstick (issue 21) and `medcred compare` (issue 18), as a user runs them:
// baseline:ed-physician on the synthetic release (its ED fixtures are invented) and on the demo (no ED
// module), the comparison in summary.json, credentials.json and the report, and compare's refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::RunMedcred;
using test::TempDir;
using ::testing::HasSubstr;

// One synthetic store and two runs on it: the ED physicians, and baseline:null.
class SyntheticClinicians : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (test::ReferenceDir().empty()) return;
    tmp_ = new TempDir();
    test::WriteSyntheticRelease(*tmp_ / "src");
    store_ = *tmp_ / "s.db";
    ingest_ = new CliRun(RunMedcred("ingest --source " + (*tmp_ / "src") + " --store " + store_, *tmp_));
    ed_ = new CliRun(RunMedcred(
        "run --store " + store_ + " --model baseline:ed-physician --split all --out " + (*tmp_ / "ed"), *tmp_));
    null_ = new CliRun(
        RunMedcred("run --store " + store_ + " --model baseline:null --split all --out " + (*tmp_ / "null"), *tmp_));
  }
  static void TearDownTestSuite() {
    delete ingest_;
    delete ed_;
    delete null_;
    delete tmp_;
  }
  void SetUp() override {
    MEDCRED_REQUIRE_REFERENCE(ref);
    ASSERT_EQ(ingest_->code, 0) << ingest_->err;
    ASSERT_EQ(ed_->code, 0) << ed_->err;
    ASSERT_EQ(null_->code, 0) << null_->err;
  }
  static std::map<std::string, nlohmann::json> Episodes(const std::string& run) {
    std::map<std::string, nlohmann::json> out;
    for (const auto& e : test::ReadEpisodeLinesOf(*tmp_ / (run + "/episodes.jsonl"))) out[e["case_id"]] = e;
    return out;
  }
  static nlohmann::json Json(const std::string& path) { return nlohmann::json::parse(test::ReadFile(*tmp_ / path)); }
  static TempDir* tmp_;
  static std::string store_;
  static CliRun *ingest_, *ed_, *null_;
};
TempDir* SyntheticClinicians::tmp_ = nullptr;
std::string SyntheticClinicians::store_;
CliRun* SyntheticClinicians::ingest_ = nullptr;
CliRun* SyntheticClinicians::ed_ = nullptr;
CliRun* SyntheticClinicians::null_ = nullptr;

TEST_F(SyntheticClinicians, TheBaselineAnswersWithTheEdDiagnosisOfTheAdmissionsOwnStay) {
  auto ep = Episodes("ed");
  ASSERT_EQ(ep.size(), 4u);
  // 101: the ED's first-listed diagnosis matches the principal (NSTEMI); chest pain is the differential.
  const nlohmann::json& nstemi = ep.at("hadm-101");
  EXPECT_EQ(nstemi["outcome"], "diagnosed");
  EXPECT_EQ(nstemi["answer"]["diagnosis"], "NON-ST ELEVATION (NSTEMI) MYOCARDIAL INFARCTION");
  EXPECT_EQ(nstemi["answer"]["icd10"], "I214");
  EXPECT_EQ(nstemi["answer"]["differential"], nlohmann::json::array({"CHEST PAIN, UNSPECIFIED"}));
  EXPECT_EQ(nstemi["grade"]["level"], "exact");
  // It ordered nothing; its cost is that of what the clinicians ran in the window.
  EXPECT_EQ(nstemi["turns"], 1);
  EXPECT_GT(nstemi["cost"].get<double>(), 0);
  // 100: the ED coded a symptom (R07.9, chest pain) for an admission whose principal is hypertension.
  const nlohmann::json& symptom = ep.at("hadm-100");
  EXPECT_EQ(symptom["outcome"], "diagnosed");
  EXPECT_EQ(symptom["answer"]["icd10"], "R079");
  EXPECT_EQ(symptom["grade"]["level"], "none");
  // 301: its only ED stay was sent home the day before (linked to no admission); 401: no ED stay at all.
  for (const char* id : {"hadm-301", "hadm-401"}) {
    EXPECT_EQ(ep.at(id)["outcome"], "no_diagnosis") << id;
    EXPECT_THAT(ep.at(id)["messages"].dump(), HasSubstr("No ED diagnosis is recorded for this admission")) << id;
    EXPECT_EQ(ep.at(id)["grade"]["level"], "none") << id;
  }
  // The null baseline's costs stay its own orders' (none).
  for (const auto& [id, e] : Episodes("null")) EXPECT_EQ(e["cost"], 0) << id;
}

TEST_F(SyntheticClinicians, EverySummaryAndCredentialCarriesThePairedComparison) {
  const nlohmann::json s = Json("null/summary.json");
  ASSERT_TRUE(s.contains("clinician_comparison")) << s.dump(2);
  const nlohmann::json& cc = s["clinician_comparison"];
  EXPECT_EQ(cc["available"], true);
  EXPECT_EQ(cc["interval_method"], "newcombe-hybrid-score-paired");
  EXPECT_EQ(cc["non_inferiority_margin"], 0.1);
  // Cardiology: 100, 101 and 401 (all test split); 401 has no ED diagnosis; of 100 and 101 the ED got 101.
  const nlohmann::json& card = cc["categories"]["cardiology"];
  EXPECT_EQ(card["cases"], 3);
  EXPECT_EQ(card["without_ed_diagnosis"], 1);
  EXPECT_EQ(card["n"], 2);
  EXPECT_EQ(card["clinician_correct"], 1);
  EXPECT_EQ(card["model_correct"], 0);
  EXPECT_EQ(card["only_clinician_correct"], 1);
  EXPECT_DOUBLE_EQ(card["difference"].get<double>(), -0.5);
  EXPECT_DOUBLE_EQ(card["mcnemar_p"].get<double>(), 1.0);  // 2 * P(X <= 0), X ~ Bin(1, 1/2)
  // A synthetic release is not a recognized dataset: no statement, as no tier.
  EXPECT_EQ(card["statement"], "unrecognized");
  // Pulmonology: 301 only, without an ED diagnosis: nothing paired.
  EXPECT_EQ(cc["categories"]["pulmonology"]["n"], 0);
  EXPECT_EQ(cc["categories"]["pulmonology"]["without_ed_diagnosis"], 1);
  // credentials.json carries the same object; neither names a case.
  const nlohmann::json c = Json("null/credentials.json");
  EXPECT_EQ(c["clinician_comparison"], cc);
  EXPECT_EQ(c.dump().find("hadm-"), std::string::npos);
  EXPECT_EQ(s.dump().find("hadm-"), std::string::npos);
  // The report shows it beside the tiers; the table is printed after the credential table.
  EXPECT_THAT(test::ReadFile(*tmp_ / "null/report.html"), HasSubstr("Compared with the ED physicians"));
  EXPECT_THAT(null_->out, HasSubstr("Compared with the ED physicians"));
  // The ED physicians against themselves: no difference.
  const nlohmann::json self = Json("ed/summary.json")["clinician_comparison"]["categories"]["cardiology"];
  EXPECT_EQ(self["only_model_correct"], 0);
  EXPECT_EQ(self["only_clinician_correct"], 0);
}

TEST_F(SyntheticClinicians, CompareGivesThePairedDifferenceAndTheCasesThatDisagree) {
  const CliRun r = RunMedcred("compare " + (*tmp_ / "null") + " " + (*tmp_ / "ed") + " --json", *tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["a"]["model"], "baseline:null");
  EXPECT_EQ(j["b"]["model"], "baseline:ed-physician");
  const nlohmann::json& card = j["categories"]["cardiology"];
  EXPECT_EQ(card["a"]["n"], 3);
  EXPECT_EQ(card["b"]["correct"], 1);
  EXPECT_EQ(card["paired"]["n"], 3);
  EXPECT_EQ(card["paired"]["only_b_correct"], 1);
  EXPECT_NEAR(card["paired"]["difference"].get<double>(), -1.0 / 3, 1e-12);
  EXPECT_EQ(card["disagree"]["only_b_correct"], nlohmann::json::array({"hadm-101"}));
  EXPECT_EQ(card["disagree"]["only_a_correct"], nlohmann::json::array());
  const CliRun text = RunMedcred("compare " + (*tmp_ / "null") + " " + (*tmp_ / "ed"), *tmp_);
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Newcombe's hybrid score interval"));
  EXPECT_THAT(text.out, HasSubstr("B only hadm-101"));
}

TEST_F(SyntheticClinicians, CompareRefusesRunsWhoseMethodologyOrExamDiffersSayingWhich) {
  struct Edit {
    std::string what;
    std::function<void(nlohmann::json&)> edit;
    std::string says;
  };
  const std::vector<Edit> edits = {
      {"lexicon", [](nlohmann::json& s) { s["hashes"]["lexicon"] = std::string(64, '0'); }, "the lexicon files differ"},
      {"methodology", [](nlohmann::json& s) { s["methodology_version"] = "v1"; }, "the methodology versions differ"},
      {"exam",
       [](nlohmann::json& s) {
         s["exam"] = {{"version", "exam-v1"}};
       },
       "the exams differ"},
      {"split", [](nlohmann::json& s) { s["split"] = "dev"; }, "the credential splits differ"},
  };
  for (const Edit& e : edits) {
    const std::string copy = *tmp_ / ("ed-" + e.what);
    fs::remove_all(copy);
    fs::copy(*tmp_ / "ed", copy, fs::copy_options::recursive);
    nlohmann::json s = Json("ed-" + e.what + "/summary.json");
    e.edit(s);
    test::WriteFile(copy + "/summary.json", s.dump());
    const CliRun r = RunMedcred("compare " + (*tmp_ / "null") + " " + copy, *tmp_);
    EXPECT_EQ(r.code, 1) << e.what;
    EXPECT_THAT(r.err, HasSubstr(e.says)) << e.what;
  }
  fs::remove(*tmp_ / "ed-lexicon/summary.json");
  const CliRun missing = RunMedcred("compare " + (*tmp_ / "null") + " " + (*tmp_ / "ed-lexicon"), *tmp_);
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, HasSubstr("medcred report"));
}

// The demo has no ED module: the baseline runs, says it has nothing to answer with, and every
// case ends no_diagnosis; the comparison says there is nothing to compare with. Another dataset
// cannot be compared with the synthetic one.
TEST_F(SyntheticClinicians, OnTheDemoTheBaselineHasNothingToAnswerWithAndDatasetsDoNotMix) {
  MEDCRED_REQUIRE_DEMO(demo);
  const std::string db = *tmp_ / "demo.db";
  ASSERT_EQ(RunMedcred("ingest --source " + demo + " --store " + db, *tmp_).code, 0);
  const CliRun r =
      RunMedcred("run --store " + db + " --model baseline:ed-physician --out " + (*tmp_ / "demo-ed"), *tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("it has nothing to answer with"));
  const nlohmann::json s = Json("demo-ed/summary.json");
  EXPECT_GT(s["outcomes"]["no_diagnosis"].get<int>(), 0);
  for (const char* o : {"diagnosed", "limit", "error"}) EXPECT_EQ(s["outcomes"].value(o, 0), 0) << o;
  EXPECT_EQ(s["clinician_comparison"]["available"], false);
  EXPECT_THAT(r.out, HasSubstr("no ED module"));
  const CliRun mixed = RunMedcred("compare " + (*tmp_ / "demo-ed") + " " + (*tmp_ / "ed"), *tmp_);
  EXPECT_EQ(mixed.code, 1);
  EXPECT_THAT(mixed.err, HasSubstr("the datasets differ"));
}

}  // namespace
}  // namespace medcred

// `medcred categories` and `medcred cases` as a user runs them (docs/cli.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/testing.h"

namespace medcred {
namespace {

using test::CliRun;
using test::RunMedcred;
using test::TempDir;
using ::testing::HasSubstr;

std::vector<nlohmann::json> Lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(CategoriesCli, JsonListsNameTitleKindDefinition) {
  TempDir tmp;
  CliRun r = RunMedcred("categories --json", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_GE(j.size(), 14u);
  for (const auto& c : j) {
    EXPECT_EQ(c.size(), 4u) << c.dump();
    for (const char* k : {"name", "title", "kind", "definition"}) EXPECT_TRUE(c[k].is_string()) << k;
    EXPECT_TRUE(c["kind"] == "diagnosis" || c["kind"] == "context");
  }
  EXPECT_EQ(j[0]["name"], "cardiology");
  EXPECT_EQ(j[0]["definition"], "principal diagnosis in ICD-10-CM I00-I59, I70-I99");
}

class CasesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    test::WriteSyntheticRelease(tmp_ / "src");
    CliRun r = RunMedcred("ingest --source " + (tmp_ / "src") + " --store " + (tmp_ / "s.db"), tmp_);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  std::string Cases(const std::string& extra) {
    return "cases --store " + (tmp_ / "s.db") + " --reference " + test::ReferenceDir() + " " + extra;
  }
  TempDir tmp_;
};

TEST_F(CasesCli, JsonlIsStableAndTruthOnlyOnRequest) {
  MEDCRED_REQUIRE_REFERENCE(ref);
  CliRun a = RunMedcred(Cases("--jsonl"), tmp_);
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.err, "");
  CliRun b = RunMedcred(Cases("--jsonl"), tmp_);
  EXPECT_EQ(a.out, b.out);  // byte for byte
  auto lines = Lines(a.out);
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& l : lines) {
    EXPECT_FALSE(l.contains("truth"));
    EXPECT_TRUE(l["presentation"].is_object());
  }
  CliRun t = RunMedcred(Cases("--jsonl --with-truth --category cardiology"), tmp_);
  ASSERT_EQ(t.code, 0) << t.err;
  auto truth = Lines(t.out);
  ASSERT_EQ(truth.size(), 3u);  // 100, 101, 401
  for (const auto& l : truth) EXPECT_TRUE(l["truth"]["principal"].is_array());
  EXPECT_EQ(truth[1]["truth"]["principal"], nlohmann::json::array({"I214"}));
}

TEST_F(CasesCli, SplitFilterAndStats) {
  MEDCRED_REQUIRE_REFERENCE(ref);
  size_t total = 0;
  for (const char* split : {"dev", "test"}) {
    CliRun r = RunMedcred(Cases(std::string("--jsonl --split ") + split), tmp_);
    ASSERT_EQ(r.code, 0) << r.err;
    for (const auto& l : Lines(r.out)) EXPECT_EQ(l["split"], split);
    total += Lines(r.out).size();
  }
  EXPECT_EQ(total, 4u);

  CliRun s = RunMedcred(Cases("--stats --jsonl"), tmp_);
  ASSERT_EQ(s.code, 0) << s.err;
  auto j = nlohmann::json::parse(s.out);
  EXPECT_EQ(j["admissions"], 8);
  EXPECT_EQ(j["included"], 4);
  EXPECT_EQ(j["excluded"][0]["rule"], "planned_admission_type");
  EXPECT_EQ(j["categories"]["cardiology"]["dev"]["cases"].get<int>() +
                j["categories"]["cardiology"]["test"]["cases"].get<int>(),
            3);
  EXPECT_EQ(j["categories"]["cardiology"]["test"]["suite_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["taxonomy"]["version"], "v1");

  CliRun text = RunMedcred(Cases("--stats"), tmp_);
  ASSERT_EQ(text.code, 0);
  EXPECT_THAT(text.out, HasSubstr("excluded too_few_labs_in_window"));
}

TEST_F(CasesCli, UsageErrorsExitOne) {
  MEDCRED_REQUIRE_REFERENCE(ref);
  CliRun r = RunMedcred(Cases("--category astrology"), tmp_);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("no category 'astrology'"));
  EXPECT_EQ(RunMedcred(Cases("--split train"), tmp_).code, 1);
  EXPECT_EQ(RunMedcred("cases --store " + (tmp_ / "none.db"), tmp_).code, 1);
  CliRun ref_missing = RunMedcred("cases --store " + (tmp_ / "s.db") + " --reference " + tmp_.path().string(), tmp_);
  EXPECT_EQ(ref_missing.code, 1);
  EXPECT_THAT(ref_missing.err, HasSubstr("icd10cm_order_2021.csv.gz"));
}

TEST(MatchDxCli, ExplainsTheGradeAsJson) {
  MEDCRED_REQUIRE_REFERENCE(ref);
  TempDir tmp;
  CliRun r = RunMedcred("match-dx --truth I21.4 --answer 'heart attack' --json --reference " + ref, tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["level"], "category");
  EXPECT_EQ(j["credit"], 1.0);
  EXPECT_EQ(j["mapped_code"], "I219");
  EXPECT_TRUE(j["explanation"].is_string());
  // An ICD-9 truth goes through the GEMs (410.71 -> I21.4).
  r = RunMedcred("match-dx --truth 41071 --truth-version 9 --answer NSTEMI --json --reference " + ref, tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["level"], "exact");
  r = RunMedcred("match-dx --truth I214 --secondary N17.9 --answer AKI --reference " + ref, tmp);
  EXPECT_THAT(r.out, HasSubstr("secondary (credit 0.5)"));
  EXPECT_EQ(RunMedcred("match-dx --truth I214 --reference " + ref, tmp).code, 1);  // no --answer
}

TEST_F(CasesCli, ResolveShowsWhatTheEnvironmentDoes) {
  CliRun r = RunMedcred("resolve --store " + (tmp_ / "s.db") + " --json 'urine potassium'", tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "resolved");
  EXPECT_EQ(j["kind"], "lab");
  EXPECT_EQ(j["concept"], "urine_potassium");
  EXPECT_TRUE(j["itemids"].is_array());
  CliRun u = RunMedcred("resolve --store " + (tmp_ / "s.db") + " --json unobtainium", tmp_);
  ASSERT_EQ(u.code, 0);
  EXPECT_EQ(nlohmann::json::parse(u.out)["status"], "unrecognized");
  CliRun m = RunMedcred("resolve --store " + (tmp_ / "s.db") + " --kind micro 'blood cx'", tmp_);
  ASSERT_EQ(m.code, 0);
  EXPECT_THAT(m.out, HasSubstr("resolved -> blood_culture"));
  EXPECT_EQ(RunMedcred("resolve --store " + (tmp_ / "s.db") + " --kind tarot x", tmp_).code, 1);
}

// `medcred audit` on the synthetic release with the SYNTHETIC leakage admissions
// (src/cases/testdata/leakage_admissions.sql): counts, and with --show the
// offending sentence and matched term.
TEST_F(CasesCli, AuditShowsTheExcludedCasesAndWhatNamedTheirDiagnosis) {
  MEDCRED_REQUIRE_REFERENCE(ref);
  std::ifstream in(std::string(MEDCRED_SOURCE_DIR) + "/src/cases/testdata/leakage_admissions.sql");
  std::stringstream sql;
  sql << in.rdbuf();
  ASSERT_GT(test::Exec(tmp_ / "s.db", sql.str()), 0);
  const std::string audit = "audit --store " + (tmp_ / "s.db") + " --reference " + ref;
  CliRun r = RunMedcred(audit + " --show 2", tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("4 of 13 admissions excluded by the audit"));
  EXPECT_THAT(r.out, HasSubstr("hadm-601 (cardiology,emergency_medicine; emergency department)"));
  EXPECT_THAT(r.out, HasSubstr("chief_complaint: \"PE\""));
  EXPECT_THAT(r.out, HasSubstr("hpi: \"This is his second episode of DKA this year.\""));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("hadm-901")));  // only 2 shown
  CliRun j = RunMedcred(audit + " --show 9 --json", tmp_);
  ASSERT_EQ(j.code, 0) << j.err;
  const auto out = nlohmann::json::parse(j.out);
  EXPECT_EQ(out["excluded"], 4);
  ASSERT_EQ(out["shown"].size(), 4u);
  EXPECT_EQ(out["shown"][2]["field"], "home_medications");
  EXPECT_EQ(out["shown"][2]["matched"], "UTI");
  EXPECT_EQ(out["shown"][3]["field"], "physical_exam");
  EXPECT_EQ(out["by_route"]["direct admission"]["excluded"], 1);
  // cases --stats counts the rule and the audit per category and route.
  CliRun st = RunMedcred(Cases("--stats"), tmp_);
  ASSERT_EQ(st.code, 0) << st.err;
  EXPECT_THAT(st.out, HasSubstr("excluded presentation_names_diagnosis      4"));
  EXPECT_THAT(st.out, ::testing::ContainsRegex("emergency department +5 +3 +60.0%"));
}

}  // namespace
}  // namespace medcred

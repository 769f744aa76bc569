// `medcred demo` and `medcred report` as a user runs them (docs/cli.md, docs/credentials.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::RunMedcred;
using test::TempDir;
using ::testing::HasSubstr;

// One `medcred demo` for every test here: it is the README's main command.
class DemoCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (test::DemoDir().empty() || test::ReferenceDir().empty()) return;
    tmp_ = new TempDir();
    const auto start = std::chrono::steady_clock::now();
    result_ = new CliRun(RunMedcred("demo --out " + (*tmp_ / "demo") + " --source " + test::DemoDir(), *tmp_));
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("medcred demo: %.2f s (ingest, 171 episodes, report)\n", seconds_);
  }
  static void TearDownTestSuite() {
    delete result_;
    delete tmp_;
  }
  void SetUp() override {
    MEDCRED_REQUIRE_DEMO(demo);
    MEDCRED_REQUIRE_REFERENCE(ref);
    ASSERT_NE(result_, nullptr);
    ASSERT_EQ(result_->code, 0) << result_->err;
  }
  static std::string RunDir() { return *tmp_ / "demo/run-baseline-labs-bayes"; }
  static TempDir* tmp_;
  static CliRun* result_;
  static double seconds_;
};
TempDir* DemoCli::tmp_ = nullptr;
CliRun* DemoCli::result_ = nullptr;
double DemoCli::seconds_ = 0;

TEST_F(DemoCli, WritesEveryOutputAndPrintsTheCredentialTable) {
  EXPECT_THAT(result_->out, HasSubstr("rank category"));
  EXPECT_THAT(result_->out, HasSubstr("report:      " + RunDir() + "/report.html"));
  for (const char* f : {"run.json", "episodes.jsonl", "summary.json", "credentials.json", "report.html"}) {
    EXPECT_TRUE(fs::exists(RunDir() + "/" + f)) << f;
  }
  struct stat st {};
  ASSERT_EQ(::stat(RunDir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const auto summary = nlohmann::json::parse(test::ReadFile(RunDir() + "/summary.json"));
  EXPECT_EQ(summary["model"], "baseline:labs-bayes");
  EXPECT_EQ(summary["demo"], true);
  // Every diagnosis category with test cases in the demo is there, and none is certified.
  const auto cases = test::RunMedcred("cases --store " + (*tmp_ / "demo/demo.db") + " --split test --jsonl", *tmp_);
  ASSERT_EQ(cases.code, 0) << cases.err;
  std::set<std::string> want;
  std::istringstream in(cases.out);
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const nlohmann::json c = nlohmann::json::parse(line);
    for (const auto& name : c["categories"]) want.insert(name.get<std::string>());
  }
  EXPECT_EQ(summary["episodes"], n);
  std::set<std::string> got;
  for (const auto& [name, c] : summary["categories"].items()) {
    got.insert(name);
    EXPECT_EQ(c["tier"], "demo") << name;
  }
  EXPECT_EQ(got, want);
  const auto cred = nlohmann::json::parse(test::ReadFile(RunDir() + "/credentials.json"));
  EXPECT_EQ(cred["demo"], true);
  for (const auto& c : cred["categories"]) EXPECT_TRUE(c["complete_suite"].get<bool>()) << c["name"];
}

TEST_F(DemoCli, NoPublishableOutputHoldsAnIdOfTheDemo) {
  const std::string db = *tmp_ / "demo/demo.db";
  std::vector<std::string> ids = test::QueryColumn(db, "SELECT DISTINCT subject_id FROM patients");
  for (const auto& h : test::QueryColumn(db, "SELECT hadm_id FROM admissions")) ids.push_back(h);
  ASSERT_GT(ids.size(), 300u);
  const std::string episodes = test::ReadFile(RunDir() + "/episodes.jsonl");
  for (const char* f : {"summary.json", "credentials.json", "report.html"}) {
    const std::string text = test::ReadFile(RunDir() + "/" + f);
    int hits = 0;
    for (const std::string& id : ids) hits += text.find(id) != std::string::npos;
    EXPECT_EQ(hits, 0) << f;
    EXPECT_EQ(text.find("hadm-"), std::string::npos) << f;
  }
  int in_episodes = 0;  // the scan does see ids where they are
  for (const std::string& id : ids) in_episodes += episodes.find(id) != std::string::npos;
  EXPECT_GT(in_episodes, 100);
}

TEST_F(DemoCli, ReportRebuildsTheSameOutputsFromTheEpisodes) {
  const auto before = nlohmann::json::parse(test::ReadFile(RunDir() + "/summary.json"));
  TempDir tmp;
  CliRun r = RunMedcred("report " + RunDir() + " --json", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), before);  // stdout is the JSON alone
  EXPECT_THAT(r.err, HasSubstr("0 grades changed"));
  EXPECT_EQ(nlohmann::json::parse(test::ReadFile(RunDir() + "/summary.json")), before);
  // Not a run directory: a usage error naming it.
  r = RunMedcred("report " + (tmp / "nothing"), tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("nothing is not a run directory"));
}

TEST_F(DemoCli, AJudgeAgentIsAskedAndReportedBeside) {
  // A subprocess judge (exec: protocol, one JSON line each way) that calls
  // every answer correct.
  TempDir tmp;
  const std::string copy = tmp / "run";
  fs::copy(RunDir(), copy, fs::copy_options::recursive);
  const std::string agent = tmp / "judge.sh";
  {
    std::ofstream f(agent);
    f << "#!/bin/sh\n# synthetic judge for a test: says CORRECT to everything\n"
         "while read -r line; do echo '{\"content\": \"CORRECT. test judge\"}'; done\n";
  }
  fs::permissions(agent, fs::perms::owner_all);
  CliRun r = RunMedcred("report " + copy + " --judge 'exec:" + agent + "'", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  const auto summary = nlohmann::json::parse(test::ReadFile(copy + "/summary.json"));
  ASSERT_TRUE(summary["judge"].is_object()) << summary.dump();
  EXPECT_EQ(summary["judge"]["judged"], summary["episodes"]);
  // The judge says correct to all: agreement = the share graded correct.
  int correct = 0;
  std::ifstream in(copy + "/episodes.jsonl");
  int n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    correct += nlohmann::json::parse(line)["grade"]["credit"].get<double>() >= 1.0;
  }
  EXPECT_NEAR(summary["judge"]["agreement"].get<double>(), static_cast<double>(correct) / n, 1e-12);
  r = RunMedcred("report " + copy + " --judge baseline:null", tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("--judge needs a model that reads text"));
}

TEST_F(DemoCli, APublishedRegistryHoldsNoIdOfTheRunsCases) {
  TempDir tmp;
  const std::string key = tmp / "key", reg = tmp / "registry", site = tmp / "site", model = tmp / "model.gguf";
  test::WriteFile(model, "synthetic model weights for a test");
  ASSERT_EQ(RunMedcred("keygen " + key, tmp).code, 0);
  CliRun r = RunMedcred("registry init " + reg + " --key " + key, tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  // A demo run is refused unless asked for, and then recorded as a demo.
  r = RunMedcred("registry add " + reg + " --run " + RunDir() + " --model-path " + model + " --key " + key, tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("--allow-demo"));
  r = RunMedcred(
      "registry add " + reg + " --run " + RunDir() + " --model-path " + model + " --key " + key + " --allow-demo", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("a demo entry"));
  ASSERT_EQ(RunMedcred("registry verify " + reg, tmp).code, 0);
  ASSERT_EQ(RunMedcred("registry publish " + reg + " --out " + site, tmp).code, 0);
  r = RunMedcred("verify " + model + " --registry " + reg, tmp);
  EXPECT_EQ(r.code, 4) << r.out << r.err;  // listed, certified for nothing (a demo)
  EXPECT_THAT(r.out, HasSubstr("inclusion proof checked"));

  const std::string db = *tmp_ / "demo/demo.db";
  std::vector<std::string> ids;
  for (const auto& e : test::ReadEpisodeLinesOf(RunDir() + "/episodes.jsonl"))
    ids.push_back(e["case_id"].get<std::string>().substr(5));
  for (const auto& s : test::QueryColumn(db, "SELECT DISTINCT subject_id FROM admissions")) ids.push_back(s);
  ASSERT_GT(ids.size(), 171u);
  size_t files = 0;
  for (const std::string& dir : {reg, site}) {
    for (const auto& f : fs::recursive_directory_iterator(dir)) {
      if (!f.is_regular_file()) continue;
      ++files;
      const std::string text = test::ReadFile(f.path().string());
      for (const std::string& id : ids) EXPECT_EQ(text.find(id), std::string::npos) << f.path() << " holds " << id;
      EXPECT_EQ(text.find("hadm"), std::string::npos) << f.path();
    }
  }
  EXPECT_GE(files, 8u);
}

// Regression: `medcred demo` assembled its own pipeline and skipped recording
// an external model's replies. It now runs the pipeline `medcred run` does.
TEST_F(DemoCli, ADemoWithAnAgentRecordsItsRepliesAndRunsUnderTheSameLimitsAsRun) {
  const std::string agent = *tmp_ / "agent.sh";
  std::ofstream(agent) << "#!/bin/sh\nwhile IFS= read -r line; do\n"
                          "  echo '{\"tool_calls\":[{\"id\":\"s\",\"name\":\"submit_diagnosis\","
                          "\"arguments\":{\"diagnosis\":\"sepsis\",\"icd10\":\"A41.9\"}}]}'\n"
                          "done\n";
  ::chmod(agent.c_str(), 0755);
  TempDir tmp;
  const CliRun demo = RunMedcred("demo --out " + (*tmp_ / "demo") + " --model exec:" + agent, tmp);
  ASSERT_EQ(demo.code, 0) << demo.err;
  std::string dir;
  for (const auto& e : fs::directory_iterator(*tmp_ / "demo")) {
    if (e.path().filename().string().rfind("run-exec-", 0) == 0) dir = e.path().string();
  }
  ASSERT_FALSE(dir.empty());
  const CliRun run =
      RunMedcred("run --store " + (*tmp_ / "demo/demo.db") + " --model exec:" + agent + " --out " + (tmp / "run"), tmp);
  ASSERT_EQ(run.code, 0) << run.err;
  size_t demo_cached = 0, run_cached = 0;
  for (const auto& e : fs::directory_iterator(dir + "/cache")) demo_cached += e.is_regular_file();
  for (const auto& e : fs::directory_iterator(tmp / "run/cache")) run_cached += e.is_regular_file();
  EXPECT_GT(demo_cached, 0u);
  EXPECT_EQ(demo_cached, run_cached);
  const auto a = nlohmann::json::parse(test::ReadFile(dir + "/run.json"));
  const auto b = nlohmann::json::parse(test::ReadFile(tmp / "run/run.json"));
  EXPECT_EQ(a["limits"], b["limits"]);
  auto by_case = [](const std::vector<nlohmann::json>& lines) {
    std::map<std::string, nlohmann::json> out;  // the demo runs two at a time: lines come in any order
    for (nlohmann::json e : lines) {
      e.erase("seconds");
      out[e["case_id"]] = e;
    }
    return out;
  };
  const auto ea = by_case(test::ReadEpisodeLinesOf(dir + "/episodes.jsonl"));
  const auto eb = by_case(test::ReadEpisodeLinesOf(tmp / "run/episodes.jsonl"));
  EXPECT_EQ(ea.size(), 171u);
  EXPECT_TRUE(ea == eb);
}

TEST(DemoCliErrors, AMissingDemoIsAUsageErrorSayingWhereToPutIt) {
  TempDir tmp;
  CliRun r = RunMedcred("demo --out " + (tmp / "d") + " --source " + (tmp / "nowhere"), tmp);
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("nowhere: no hosp/ folder there"));
}

}  // namespace
}  // namespace medcred

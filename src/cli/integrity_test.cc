// Credentials that cannot be inflated or lost by editing a run directory or
// renaming a dataset (docs/security.md): each test is named after what it
// guards, and fails on the medcred before the guard existed.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::RunMedcred;
using test::TempDir;
using ::testing::HasSubstr;

// One demo store and one labs-bayes run for every test; each test works on a
// copy of the run directory.
class IntegrityCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (test::DemoDir().empty() || test::ReferenceDir().empty()) return;
    tmp_ = new TempDir();
    ingest_ = new CliRun(RunMedcred("ingest --source " + test::DemoDir() + " --store " + Store(), *tmp_));
    run_ = new CliRun(
        RunMedcred("run --store " + Store() + " --model baseline:labs-bayes --out " + (*tmp_ / "run"), *tmp_));
  }
  static void TearDownTestSuite() {
    delete run_;
    delete ingest_;
    delete tmp_;
  }
  void SetUp() override {
    MEDCRED_REQUIRE_DEMO(demo);
    MEDCRED_REQUIRE_REFERENCE(ref);
    ASSERT_NE(run_, nullptr);
    ASSERT_EQ(ingest_->code, 0) << ingest_->err;
    ASSERT_EQ(run_->code, 0) << run_->err;
    fs::copy(*tmp_ / "run", work_ / "run", fs::copy_options::recursive);
  }
  static std::string Store() { return *tmp_ / "demo.db"; }
  std::string Run() const { return work_ / "run"; }
  std::vector<nlohmann::json> Episodes() const { return test::ReadEpisodeLinesOf(Run() + "/episodes.jsonl"); }
  void WriteEpisodes(const std::vector<nlohmann::json>& lines) const {
    std::string text;
    for (const auto& l : lines) text += l.dump() + "\n";
    test::WriteFile(Run() + "/episodes.jsonl", text);
  }
  nlohmann::json Summary() const { return nlohmann::json::parse(test::ReadFile(Run() + "/summary.json")); }
  CliRun Report() const { return RunMedcred("report " + Run(), work_); }

  static TempDir* tmp_;
  static CliRun* ingest_;
  static CliRun* run_;
  TempDir work_;
};
TempDir* IntegrityCli::tmp_ = nullptr;
CliRun* IntegrityCli::ingest_ = nullptr;
CliRun* IntegrityCli::run_ = nullptr;

TEST_F(IntegrityCli, EpisodesAppendedUnderInventedCaseIdsAreRefused) {
  auto lines = Episodes();
  const size_t real = lines.size();
  for (int i = 0; i < 40; ++i) {
    nlohmann::json forged = lines.front();
    forged["case_id"] = "hadm-9" + std::to_string(1000000 + i);
    forged["categories"] = {"cardiology"};
    lines.push_back(forged);
  }
  WriteEpisodes(lines);
  const CliRun r = Report();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("episodes.jsonl:" + std::to_string(real + 1)));
  EXPECT_THAT(r.err, HasSubstr("is not a case of the run's store"));
}

TEST_F(IntegrityCli, ADuplicateEpisodeOfOneCaseIsRefused) {
  auto lines = Episodes();
  lines.push_back(lines[3]);
  WriteEpisodes(lines);
  const CliRun r = Report();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("a second episode of " + lines[3]["case_id"].get<std::string>()));
}

// A copy of an episode under epoch 0 (refused as it is read), or under its
// case id written with a leading zero (refused by the checker's lookup by
// hadm_id, issue 18), is not a second verdict on the case.
TEST_F(IntegrityCli, ACopyUnderEpochZeroOrAZeroPaddedCaseIdIsRefused) {
  const auto lines = Episodes();
  auto with_epoch_zero = lines;
  nlohmann::json copy = lines[2];
  copy["epoch"] = 0;
  with_epoch_zero.push_back(copy);
  WriteEpisodes(with_epoch_zero);
  CliRun r = Report();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("episodes.jsonl:" + std::to_string(lines.size() + 1)));
  auto padded = lines;
  copy = lines[2];
  copy["case_id"] = "hadm-0" + copy["case_id"].get<std::string>().substr(5);
  padded.push_back(copy);
  WriteEpisodes(padded);
  r = Report();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("is not a case of the run's store"));
}

TEST_F(IntegrityCli, AnEpisodeWhosePresentationIsNotTheStoresIsRefused) {
  auto lines = Episodes();
  lines[5]["presentation_sha256"] = std::string(64, '0');
  WriteEpisodes(lines);
  const CliRun r = Report();
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("episodes.jsonl:6"));
  EXPECT_THAT(r.err, HasSubstr("presentation"));
}

TEST_F(IntegrityCli, TruthCategoriesAndSplitWrittenIntoEpisodesAreIgnored) {
  ASSERT_EQ(Report().code, 0);
  const nlohmann::json before = Summary();
  // Rewrite every episode's truth to its own answer, and move it to the test
  // split of cardiology: a forger's inflated credential.
  const auto original = Episodes();
  auto lines = original;
  for (auto& e : lines) {
    if (e["answer"].is_object() && e["answer"].contains("icd10"))
      e["truth"]["principal"] = nlohmann::json::array({e["answer"]["icd10"]});
    e["categories"] = {"cardiology"};
    e["split"] = "test";
  }
  WriteEpisodes(lines);
  const CliRun r = Report();
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json after = Summary();
  EXPECT_EQ(after["categories"], before["categories"]);
  EXPECT_EQ(after["levels"], before["levels"]);
  // The episodes now say what the store says again.
  const auto now = Episodes();
  ASSERT_EQ(now.size(), original.size());
  for (size_t i = 0; i < now.size(); ++i) {
    EXPECT_EQ(now[i]["categories"], original[i]["categories"]) << now[i]["case_id"];
    EXPECT_EQ(now[i]["split"], original[i]["split"]) << now[i]["case_id"];
    EXPECT_EQ(now[i]["truth"], original[i]["truth"]) << now[i]["case_id"];
  }
}

TEST_F(IntegrityCli, ReportNeedsTheStoreTheRunWasMadeOn) {
  const CliRun missing = RunMedcred("report " + Run() + " --store " + (work_ / "nowhere.db"), work_);
  EXPECT_EQ(missing.code, 1) << missing.err;
  EXPECT_THAT(missing.err, HasSubstr("re-grading needs the store the run was made on"));
}

TEST_F(IntegrityCli, ASecondWriterOfARunDirectoryIsRefused) {
  const std::string lock = Run() + "/.lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);  // another process writing the run
  const CliRun report = Report();
  const CliRun resume =
      RunMedcred("run --store " + Store() + " --model baseline:labs-bayes --out " + Run() + " --resume", work_);
  ::close(fd);
  EXPECT_EQ(report.code, 1) << report.err;
  EXPECT_THAT(report.err, HasSubstr("is being written by another medcred process"));
  EXPECT_EQ(resume.code, 1) << resume.err;
  EXPECT_THAT(resume.err, HasSubstr("is being written by another medcred process"));
  EXPECT_EQ(Report().code, 0);  // the lock is gone with its holder
}

TEST_F(IntegrityCli, TheDemoIsRecognizedByItsFilesWhateverItsFolderIsCalled) {
  const auto info = RunMedcred("info --store " + Store() + " --json", work_);
  ASSERT_EQ(info.code, 0) << info.err;
  const auto dataset = nlohmann::json::parse(info.out)["dataset"];
  EXPECT_EQ(dataset["status"], "demo");
  EXPECT_EQ(dataset["name"], "mimic-iv-demo");
  // The demo's files under a real release's name.
  const std::string copy = work_ / "mimic-iv-3.1";
  fs::create_directories(copy);
  for (const char* module : {"hosp", "icu"})
    fs::create_directory_symlink(test::DemoDir() + "/" + module, copy + "/" + module);
  const CliRun renamed =
      RunMedcred("ingest --no-verify --source " + copy + " --store " + (work_ / "r.db") + " --json", work_);
  ASSERT_EQ(renamed.code, 0) << renamed.err;
  const auto r = nlohmann::json::parse(renamed.out)["dataset"];
  EXPECT_EQ(r["status"], "demo");
  EXPECT_EQ(r["name"], "mimic-iv-demo");
  EXPECT_EQ(r["version"], "2.2");
  EXPECT_EQ(r["release_digest"], dataset["release_digest"]);
}

TEST_F(IntegrityCli, AnEditedDatasetIsUnrecognizedAndEarnsNoTierAnywhere) {
  // The demo with one admission's row removed: a dataset no release has.
  const std::string copy = work_ / "mimic-iv-3.1";
  fs::create_directories(copy + "/hosp");
  fs::create_directory_symlink(test::DemoDir() + "/icu", copy + "/icu");
  for (const auto& f : fs::directory_iterator(test::DemoDir() + "/hosp")) {
    if (f.path().filename() != "admissions.csv.gz")
      fs::create_symlink(f.path(), copy + "/hosp/" + f.path().filename().string());
  }
  const std::string admissions = test::ReadGzipFile(test::DemoDir() + "/hosp/admissions.csv.gz");
  const size_t last = admissions.rfind('\n', admissions.size() - 2);
  test::WriteFile(copy + "/hosp/admissions.csv.gz", admissions.substr(0, last + 1));
  const CliRun ingest = RunMedcred("ingest --no-verify --source " + copy + " --store " + (work_ / "e.db"), work_);
  ASSERT_EQ(ingest.code, 0) << ingest.err;
  const CliRun run =
      RunMedcred("run --store " + (work_ / "e.db") + " --model baseline:prior --out " + (work_ / "e"), work_);
  ASSERT_EQ(run.code, 0) << run.err;
  const auto summary = nlohmann::json::parse(test::ReadFile(work_ / "e/summary.json"));
  EXPECT_EQ(summary["dataset"]["status"], "unrecognized");
  EXPECT_EQ(summary["dataset"]["name"], "mimic-iv");  // the folder's name is a label, not an identity
  for (const auto& [name, c] : summary["categories"].items()) EXPECT_EQ(c["tier"], "unrecognized") << name;
  EXPECT_THAT(test::ReadFile(work_ / "e/report.html"), HasSubstr("unrecognized-banner"));
  test::RunMedcred("keygen " + (work_ / "key"), work_);
  ASSERT_EQ(RunMedcred("registry init " + (work_ / "reg") + " --key " + (work_ / "key"), work_).code, 0);
  const CliRun add = RunMedcred("registry add " + (work_ / "reg") + " --run " + (work_ / "e") + " --model-sha256 " +
                                    std::string(64, '1') + " --key " + (work_ / "key"),
                                work_);
  EXPECT_EQ(add.code, 1) << add.err;
  EXPECT_THAT(add.err, HasSubstr("unrecognized"));
}

}  // namespace
}  // namespace medcred

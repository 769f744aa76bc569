// The PostgreSQL store against the SQLite store, through the command line:
// the same cases byte for byte, the same environment answers, the same runs;
// and every server failure one sentence with exit code 3, resumable.
//
// scripts/test.sh starts a throwaway server and loads the demo and the
// synthetic release with scripts/postgres/load.sh (MEDCRED_PG_DEMO_URI,
// MEDCRED_PG_SYNTHETIC_URI, MEDCRED_PG_EMPTY_URI); without it these tests
// skip, or fail under MEDCRED_REQUIRE_POSTGRES=1 (CI).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::RunMedcred;
using test::TempDir;
using ::testing::HasSubstr;

#define MEDCRED_REQUIRE_POSTGRES(var, env)                                                         \
  const std::string var = std::getenv(env) ? std::getenv(env) : "";                                \
  if (var.empty()) {                                                                               \
    if (std::getenv("MEDCRED_REQUIRE_POSTGRES")) FAIL() << env << " is not set";                   \
    GTEST_SKIP() << env << " is not set (scripts/test.sh starts a PostgreSQL server and sets it)"; \
  }

// episodes.jsonl by case id, without the wall-clock field.
std::map<std::string, nlohmann::json> Episodes(const std::string& dir) {
  std::map<std::string, nlohmann::json> out;
  for (auto e : test::ReadEpisodeLinesOf(dir + "/episodes.jsonl")) {
    e.erase("seconds");
    out[e["case_id"]] = e;
  }
  return out;
}

// An exec: agent that uses every tool once, then answers.
std::string WriteAgent(const TempDir& tmp, double sleep_seconds = 0) {
  const std::string path = tmp / "agent.sh";
  std::ofstream f(path);
  f << "#!/bin/sh\n# synthetic test agent: every tool once, then a diagnosis\n"
       "while read -r line; do\n"
    << (sleep_seconds > 0 ? "  sleep " + std::to_string(sleep_seconds) + "\n" : "")
    << "  case \"$line\" in\n"
       "    *'\"role\":\"tool\"'*) echo '{\"content\":\"\",\"tool_calls\":[{\"id\":\"s\",\"name\":\"submit_diagnosis\","
       "\"arguments\":{\"diagnosis\":\"sepsis\"}}]}' ;;\n"
       "    *) echo '{\"tool_calls\":[{\"id\":\"h\",\"name\":\"get_history\",\"arguments\":{}},"
       "{\"id\":\"e\",\"name\":\"physical_exam\",\"arguments\":{}},"
       "{\"id\":\"l\",\"name\":\"order_labs\",\"arguments\":{\"tests\":[\"CBC\",\"BMP\",\"troponin\",\"lactate\","
       "\"UA\"]}},"
       "{\"id\":\"m\",\"name\":\"order_microbiology\",\"arguments\":{\"tests\":[\"blood culture\",\"urine culture\"]}},"
       "{\"id\":\"i\",\"name\":\"order_imaging\",\"arguments\":{\"modality\":\"CT\",\"region\":\"head\"}},"
       "{\"id\":\"x\",\"name\":\"order_imaging\",\"arguments\":{\"modality\":\"X-ray\",\"region\":\"chest\"}},"
       "{\"id\":\"k\",\"name\":\"order_ecg\",\"arguments\":{}}]}' ;;\n"
       "  esac\n"
       "done\n";
  f.close();
  chmod(path.c_str(), 0755);
  return path;
}

class PostgresCli : public ::testing::Test {
 protected:
  // A SQLite store of the same release, made by `medcred ingest`.
  std::string Ingest(const std::string& source) {
    const std::string db = tmp_ / "s.db";
    CliRun r = RunMedcred("ingest --source " + source + " --store " + db, tmp_);
    EXPECT_EQ(r.code, 0) << r.err;
    return db;
  }
  void ExpectSameCases(const std::string& a, const std::string& b) {
    CliRun x = RunMedcred("cases --store " + a + " --split all --with-truth --jsonl", tmp_);
    ASSERT_EQ(x.code, 0) << x.err;
    CliRun y = RunMedcred("cases --store '" + b + "' --split all --with-truth --jsonl", tmp_);
    ASSERT_EQ(y.code, 0) << y.err;
    EXPECT_GT(x.out.size(), 100u);
    EXPECT_TRUE(x.out == y.out) << "cases differ between " << a << " and the PostgreSQL store";
  }
  TempDir tmp_;
};

TEST_F(PostgresCli, DemoCasesRunsAndAnswersAreTheSameAsSqlite) {
  MEDCRED_REQUIRE_DEMO(demo);
  MEDCRED_REQUIRE_POSTGRES(pg, "MEDCRED_PG_DEMO_URI");
  const std::string db = Ingest(demo);
  ExpectSameCases(db, pg);
  // What the store says of itself.
  auto a = nlohmann::json::parse(RunMedcred("info --store " + db + " --json", tmp_).out);
  CliRun info = RunMedcred("info --store '" + pg + "' --json", tmp_);
  ASSERT_EQ(info.code, 0) << info.err;
  auto b = nlohmann::json::parse(info.out);
  EXPECT_EQ(a["dataset"], b["dataset"]);  // name, version and checksum digest
  EXPECT_EQ(b["dataset"]["name"], "mimic-iv-demo");
  // Lab names resolve against each store's own dictionary, identically.
  for (const char* q : {"troponin", "urine potassium", "CBC", "lactat", "csf glucose"}) {
    CliRun x = RunMedcred("resolve --store " + db + " --json '" + q + "'", tmp_);
    CliRun y = RunMedcred("resolve --store '" + pg + "' --json '" + q + "'", tmp_);
    EXPECT_EQ(x.code, y.code) << q;
    EXPECT_EQ(x.out, y.out) << q;
  }
  // A baseline run and a tool-using agent: the same episodes, answers and grades.
  for (const std::string& model : {std::string("baseline:labs-bayes"), "exec:" + WriteAgent(tmp_)}) {
    const std::string sa = tmp_ / "run-sqlite", sb = tmp_ / "run-pg";
    fs::remove_all(sa);
    fs::remove_all(sb);
    const std::string args = " --model '" + model + "' --split all --concurrency 2 --out ";
    CliRun x = RunMedcred("run --store " + db + args + sa, tmp_);
    ASSERT_EQ(x.code, 0) << x.err;
    CliRun y = RunMedcred("run --store '" + pg + "'" + args + sb, tmp_);
    ASSERT_EQ(y.code, 0) << y.err;
    const auto ea = Episodes(sa), eb = Episodes(sb);
    EXPECT_EQ(ea.size(), 219u);
    EXPECT_TRUE(ea == eb) << model << ": episodes differ";
    auto summary = [](const std::string& d) {
      return nlohmann::json::parse(test::ReadFile(d + "/summary.json"))["categories"];
    };
    EXPECT_EQ(summary(sa), summary(sb)) << model;
  }
}

TEST_F(PostgresCli, SyntheticReleaseWithEdNoteAndEcgModulesIsTheSame) {
  MEDCRED_REQUIRE_POSTGRES(pg, "MEDCRED_PG_SYNTHETIC_URI");
  test::WriteSyntheticRelease(tmp_ / "synthetic");
  test::WriteSyntheticEcgRelease(tmp_ / "ecg");
  const std::string db = Ingest(tmp_ / "synthetic --source " + tmp_ / "ecg");
  CliRun x = RunMedcred("cases --store " + db + " --split all --with-truth --jsonl", tmp_);
  CliRun y = RunMedcred("cases --store '" + pg + "' --split all --with-truth --jsonl", tmp_);
  ASSERT_EQ(x.code, 0) << x.err;
  ASSERT_EQ(y.code, 0) << y.err;
  EXPECT_EQ(x.out, y.out);
  // Triage from the ED module is read.
  EXPECT_NE(y.out.find("Chest pain, diaphoresis"), std::string::npos);
  const std::string agent = WriteAgent(tmp_);
  for (const std::string& store : {db, pg}) {
    CliRun r = RunMedcred("run --store '" + store + "' --model 'exec:" + agent + "' --split all --out " +
                              (tmp_ / (store == db ? "a" : "b")),
                          tmp_);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  const auto ea = Episodes(tmp_ / "a"), eb = Episodes(tmp_ / "b");
  ASSERT_FALSE(ea.empty());
  EXPECT_TRUE(ea == eb);
  // The agent's orders were answered from real rows (imaging, cultures, vitals), not only "not performed".
  const std::string text = test::ReadFile(tmp_ / "b/episodes.jsonl");
  for (const char* seen : {"Findings:", "ED triage:", "Home medications: metformin", "Heart rate: 88 bpm",
                           "outpatient record", "ECG, +0.3 h, machine report:", "QTc 465 ms"}) {
    EXPECT_NE(text.find(seen), std::string::npos) << seen;
  }
  EXPECT_NE(text.find(R"("concept":"blood_culture","cost":10.65,"hours":1.0,"performed":true)"), std::string::npos);
  // The dictionaries the catalog binds (with the tallies load.sh makes) answer alike.
  for (const char* q : {"Potassium", "potasium", "ndirect bilirubin", "Green Top Hold (plasma)"}) {
    CliRun a = RunMedcred("resolve --store " + db + " --json '" + q + "'", tmp_);
    CliRun b = RunMedcred("resolve --store '" + pg + "' --json '" + q + "'", tmp_);
    EXPECT_EQ(a.out, b.out) << q;
  }
  CliRun a = RunMedcred("resolve --kind micro --store " + db + " --json 'URINE CULTURE'", tmp_);
  CliRun b = RunMedcred("resolve --kind micro --store '" + pg + "' --json 'URINE CULTURE'", tmp_);
  EXPECT_EQ(a.out, b.out);
  // The ED physicians' diagnoses (truth side) are read alike: the clinician baseline's episodes and
  // every summary's comparison with them.
  for (const std::string& store : {db, pg}) {
    CliRun r = RunMedcred("run --store '" + store + "' --model baseline:ed-physician --split all --out " +
                              (tmp_ / (store == db ? "ed-a" : "ed-b")),
                          tmp_);
    ASSERT_EQ(r.code, 0) << r.err;
  }
  EXPECT_TRUE(Episodes(tmp_ / "ed-a") == Episodes(tmp_ / "ed-b"));
  const auto sa = nlohmann::json::parse(test::ReadFile(tmp_ / "ed-a/summary.json"));
  const auto sb = nlohmann::json::parse(test::ReadFile(tmp_ / "ed-b/summary.json"));
  EXPECT_EQ(sa["clinician_comparison"], sb["clinician_comparison"]);
  EXPECT_EQ(sb["clinician_comparison"]["available"], true);
  EXPECT_NE(test::ReadFile(tmp_ / "ed-b/episodes.jsonl").find("NON-ST ELEVATION (NSTEMI) MYOCARDIAL INFARCTION"),
            std::string::npos);
}

TEST_F(PostgresCli, ServerFailuresAreOneSentenceAndExitCode3) {
  MEDCRED_REQUIRE_POSTGRES(empty, "MEDCRED_PG_EMPTY_URI");
  struct Case {
    std::string uri, says;
  };
  const std::vector<Case> cases = {
      {"postgresql://medcred:s3cretpw@127.0.0.1:1/mimic", "cannot connect to PostgreSQL"},  // nothing listens on port 1
      {"postgresql://[bad", "cannot connect to PostgreSQL"},                                // not a URI
      {empty, "table mimiciv_hosp.patients is missing"},                                    // no schemas
  };
  for (const Case& c : cases) {
    CliRun r = RunMedcred("cases --store '" + c.uri + "' --jsonl", tmp_);
    EXPECT_EQ(r.code, 3) << c.uri << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.says)) << c.uri;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
    EXPECT_EQ(r.err.find("s3cretpw"), std::string::npos) << "the password was printed: " << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(PostgresCli, APasswordInTheUriIsWrittenNowhere) {
  MEDCRED_REQUIRE_POSTGRES(pg, "MEDCRED_PG_DEMO_URI");
  // The test server trusts loopback connections, so any password connects.
  const std::string uri = std::regex_replace(pg, std::regex("^postgresql://([^@/]+)@"), "postgresql://$1:hunter2pw@");
  ASSERT_NE(uri, pg);
  CliRun r = RunMedcred("run --store '" + uri + "' --model baseline:prior --cases 3 --out " + (tmp_ / "run"), tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2pw"), std::string::npos);
  for (const auto& f : fs::recursive_directory_iterator(tmp_ / "run")) {
    if (f.is_regular_file()) {
      EXPECT_EQ(test::ReadFile(f.path()).find("hunter2pw"), std::string::npos) << f.path();
    }
  }
  EXPECT_THAT(test::ReadFile(tmp_ / "run/run.json"), HasSubstr(":***@"));
  r = RunMedcred("info --store '" + uri + "'", tmp_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2pw"), std::string::npos);
}

TEST_F(PostgresCli, ARunWhoseServerGoesAwayStopsWithExit3AndResumes) {
  MEDCRED_REQUIRE_DEMO(demo);
  MEDCRED_REQUIRE_POSTGRES(pg, "MEDCRED_PG_DEMO_URI");
  const std::string agent = WriteAgent(tmp_, 0.3), out = tmp_ / "run";
  const std::string args = " --model 'exec:" + agent + "' --cases 8 --seed 3 --out ";
  // The run in the background; when its first episode is written, its
  // connections are terminated by the server. It names itself in the URI so that
  // the tests running beside it (ctest -j) keep theirs.
  const std::string pg_bg = pg + (pg.find('?') == std::string::npos ? "?" : "&") + "application_name=medcred_bg";
  const std::string cmd = std::string(MEDCRED_BINARY_DIR) + "/src/cli/medcred run --store '" + pg_bg + "'" + args +
                          out + " >" + (tmp_ / "bg.out") + " 2>" + (tmp_ / "bg.err") + " </dev/null; echo $? >" +
                          (tmp_ / "bg.rc");
  std::thread bg([&] { (void)std::system(cmd.c_str()); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline &&
         (!fs::exists(out + "/episodes.jsonl") || fs::file_size(out + "/episodes.jsonl") == 0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string kill =
      "psql -X -q -d '" + pg +
      "' -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'medcred_bg'\""
      " >/dev/null 2>&1";
  EXPECT_EQ(std::system(kill.c_str()), 0);
  bg.join();
  EXPECT_EQ(test::ReadFile(tmp_ / "bg.rc"), "3\n") << test::ReadFile(tmp_ / "bg.err");
  EXPECT_THAT(test::ReadFile(tmp_ / "bg.err"), HasSubstr("connection to PostgreSQL was lost"));
  const size_t before = Episodes(out).size();
  EXPECT_GE(before, 1u);
  EXPECT_LT(before, 8u);
  CliRun r = RunMedcred("run --store '" + pg + "'" + args + out + " --resume", tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  // The same episodes as an uninterrupted run on the SQLite store.
  const std::string db = Ingest(demo);
  CliRun s = RunMedcred("run --store " + db + args + (tmp_ / "whole"), tmp_);
  ASSERT_EQ(s.code, 0) << s.err;
  const auto resumed = Episodes(out), whole = Episodes(tmp_ / "whole");
  EXPECT_EQ(resumed.size(), 8u);
  EXPECT_TRUE(resumed == whole);
}

}  // namespace
}  // namespace medcred

#include "ingest/ingest.h"
#include "common/time.h"
#include "store/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "ingest/source.h"
#include "nlohmann/json.hpp"
#include "store/store.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::CliRun;
using test::QueryColumn;
using test::QueryInt;
using test::QueryText;
using test::RunMedcred;
using test::TempDir;
using ::testing::HasSubstr;

Result<StoreSummary> IngestInto(const std::string& source, const std::string& store,
                                GzipBackend gzip = GzipBackend::kIsal, bool verify = true) {
  IngestOptions o;
  o.sources = {source};
  o.store_path = store;
  o.gzip = gzip;
  o.verify = verify;
  return Ingest(o);
}

// Counts newline bytes of a gzip file with zlib's own reader: an account of the
// rows that shares no code with the ingest path.
uint64_t CountLines(const std::string& gz_path) {
  gzFile f = gzopen(gz_path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << gz_path;
  std::vector<char> buf(1 << 16);
  uint64_t lines = 0;
  int n;
  while ((n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()))) > 0) {
    for (int i = 0; i < n; ++i) lines += buf[static_cast<size_t>(i)] == '\n';
  }
  gzclose(f);
  return lines;
}

// The query plan's details (EXPLAIN QUERY PLAN's fourth column), one per line.
std::string QueryPlan(const std::string& db_path, const std::string& sql) {
  std::string plan;
  for (const auto& line : QueryColumn(db_path, "EXPLAIN QUERY PLAN " + sql, 3)) plan += line + "\n";
  return plan;
}

// ---- the open demo ---------------------------------------------------------

TEST(IngestDemo, CountsMatchTheSourceFilesExactly) {
  MEDCRED_REQUIRE_DEMO(demo);
  TempDir tmp;
  auto s = IngestInto(demo, tmp / "demo.db");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->dataset_name, "mimic-iv-demo");
  EXPECT_EQ(s->dataset_version, "2.2");
  EXPECT_TRUE(s->demo);
  EXPECT_EQ(s->missing_files, std::vector<std::string>{"icu/chartevents.csv.gz"});
  // Published sizes of the demo.
  EXPECT_EQ(s->tables.at("labevents").source_rows, 107727u);
  EXPECT_EQ(s->tables.at("labevents").rows, 107727u);
  EXPECT_EQ(s->tables.at("admissions").rows, 275u);
  EXPECT_EQ(s->tables.at("patients").rows, 100u);
  EXPECT_EQ(s->tables.at("diagnoses_icd").rows, 4506u);
  // poe keeps imaging and cardiology orders only; the rest are counted apart.
  EXPECT_EQ(s->tables.at("poe").source_rows, 45154u);
  EXPECT_GT(s->tables.at("poe").filtered_rows, 0u);

  auto store = OpenStore(tmp / "demo.db");
  ASSERT_TRUE(store.ok()) << store.status().message();
  for (const auto& [name, t] : s->tables) {
    auto n = (*store)->CountRows(name);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, t.rows) << name;
    const TableSpec& spec = StoreTables()[static_cast<size_t>(FindTable(name))];
    if (spec.is_tally()) {
      // A tally counts every row of its table once: its counts add up to the table's rows.
      EXPECT_EQ(QueryInt(tmp / "demo.db", "SELECT sum(rows) FROM " + name), static_cast<int64_t>(t.source_rows))
          << name;
      EXPECT_EQ(t.source_rows, s->tables.at(spec.tally_of).rows) << name;
      EXPECT_EQ(t.source_file, "tally of " + s->tables.at(spec.tally_of).source_file);
      continue;
    }
    EXPECT_EQ(t.rows + t.filtered_rows, t.source_rows) << name;
    EXPECT_TRUE(t.verified) << name;
  }
  // One count per itemid that has results: the demo's labevents hold 498 itemids.
  EXPECT_EQ(s->tables.at("labitem_counts").rows, 498u);
  // Files without quoted newlines: rows read == lines - 1, counted by zlib.
  for (const char* t : {"patients", "admissions", "labevents", "diagnoses_icd", "poe"}) {
    EXPECT_EQ(s->tables.at(t).source_rows + 1, CountLines(demo + "/hosp/" + t + ".csv.gz")) << t;
  }
}

TEST(IngestDemo, ColumnsAreTypedAndEdLabsKeepNullAdmission) {
  MEDCRED_REQUIRE_DEMO(demo);
  TempDir tmp;
  const std::string db = tmp / "demo.db";
  ASSERT_TRUE(IngestInto(demo, db).ok());
  // docs/methodology.md#the-episode: 28,420 of the demo's lab rows carry no hadm_id.
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM labevents WHERE hadm_id IS NULL"), 28420);
  EXPECT_EQ(QueryText(db, "SELECT typeof(charttime) FROM labevents LIMIT 1"), "integer");
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM labevents WHERE valuenum IS NOT NULL AND typeof(valuenum) <> 'real'"),
            0);
  EXPECT_EQ(QueryText(db, "SELECT typeof(admittime) FROM admissions LIMIT 1"), "integer");
  // The lookups later parts make are served by indexes.
  EXPECT_THAT(QueryPlan(db, "SELECT * FROM labevents WHERE subject_id = 1 AND charttime BETWEEN 0 AND 9"),
              HasSubstr("USING INDEX"));
  EXPECT_THAT(QueryPlan(db, "SELECT * FROM diagnoses_icd WHERE hadm_id = 1"), HasSubstr("USING INDEX"));
}

TEST(IngestDemo, IsalAndZlibBuildTheSameStore) {
  MEDCRED_REQUIRE_DEMO(demo);
  TempDir tmp;
  auto a = IngestInto(demo, tmp / "a.db", GzipBackend::kIsal);
  auto b = IngestInto(demo, tmp / "b.db", GzipBackend::kZlib);
  ASSERT_TRUE(a.ok() && b.ok());
  for (const auto& [name, t] : a->tables) {
    EXPECT_EQ(t.rows, b->tables.at(name).rows) << name;
    EXPECT_EQ(t.sha256, b->tables.at(name).sha256) << name;
  }
  const std::string q = "SELECT sum(labevent_id * 7 + coalesce(valuenum, 0) * 1000 + length(value)) FROM labevents";
  EXPECT_EQ(QueryInt(tmp / "a.db", q), QueryInt(tmp / "b.db", q));
}

// ---- synthetic releases ----------------------------------------------------

TEST(IngestSynthetic, LoadsEveryModuleAndFiltersByDesign) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  auto s = IngestInto(tmp / "src", tmp / "s.db");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->modules, (std::vector<std::string>{"hosp", "icu", "ed", "note"}));
  EXPECT_EQ(s->tables.at("chartevents").source_rows, 3u);
  EXPECT_EQ(s->tables.at("chartevents").filtered_rows, 1u);  // itemid 227969 is no vital sign
  EXPECT_EQ(s->tables.at("triage").rows, 3u);
  EXPECT_EQ(s->tables.at("discharge").rows, 2u);
  const std::string db = tmp / "s.db";
  EXPECT_EQ(QueryText(db, "SELECT chiefcomplaint FROM triage WHERE stay_id = 5001"), "Chest pain, diaphoresis");
  EXPECT_EQ(QueryText(db, "SELECT discharge_location FROM admissions WHERE hadm_id = 301"), "HOME, WITH SERVICE");
  EXPECT_THAT(QueryText(db, "SELECT text FROM discharge WHERE hadm_id = 101"),
              HasSubstr("History of Present Illness:\nInvented woman"));
  // Free-text lab comments are never stored.
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM pragma_table_info('labevents') WHERE name = 'comments'"), 0);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM labevents WHERE hadm_id IS NULL"), 9);
  // Empty unquoted fields are NULL.
  EXPECT_EQ(QueryText(db, "SELECT deathtime FROM admissions WHERE hadm_id = 101"), "<null>");
}

// The ED physicians' diagnoses (MIMIC-IV-ED diagnosis, synthetic fixtures) as the store answers them:
// only those of the ED stay linked to the admission, by seq_num.
TEST(IngestSynthetic, EdDiagnosesAreThoseOfTheStayThatLedToTheAdmission) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  auto s = IngestInto(tmp / "src", tmp / "s.db");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->tables.at("diagnosis").rows, 5u);
  auto store = OpenStore(tmp / "s.db");
  ASSERT_TRUE(store.ok()) << store.status().message();
  struct Want {
    int64_t hadm;
    std::vector<std::string> codes;  // "code/version@stay"
  };
  const Want wants[] = {
      {101, {"I214/10@5001", "R079/10@5001"}},  // matches the principal; 5000 (of admission 100) is not its stay
      {100, {"R079/10@5000"}},                  // a symptom code
      {301, {}},                                // stay 5004 sent home the day before: linked to no admission
      {401, {}},                                // no ED stay
      {501, {"78650/9@5002"}},                  // ICD-9, as the ED coded it
  };
  for (const Want& w : wants) {
    auto dx = (*store)->EdDiagnosesOf(w.hadm);
    ASSERT_TRUE(dx.ok()) << dx.status().message();
    std::vector<std::string> got;
    for (const EdDiagnosisRecord& d : *dx) {
      got.push_back(d.icd_code + "/" + std::to_string(d.icd_version) + "@" + std::to_string(d.stay_id));
    }
    EXPECT_EQ(got, w.codes) << w.hadm;
  }
  auto first = (*store)->EdDiagnosesOf(101);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].seq_num, 1);
  EXPECT_EQ((*first)[0].icd_title, "NON-ST ELEVATION (NSTEMI) MYOCARDIAL INFARCTION");
}

TEST(IngestSynthetic, TextThatIsNotUtf8OrHoldsNulIsRepairedCountedAndNeverAbortsOutput) {
  TempDir tmp;
  std::string labitems = test::ReadFile(test::SyntheticReleaseDir() + "/hosp/d_labitems.csv");
  // A Latin-1 byte in one label, a NUL in another (invented, as the whole release is).
  labitems.replace(labitems.find("Potassium"), 9, std::string("Potassi\xFCm"));
  labitems.replace(labitems.find("Sodium"), 6, std::string("Sod\0um", 6));
  test::WriteSyntheticRelease(tmp / "src", {{"hosp/d_labitems.csv.gz", labitems}});
  const auto r = test::RunMedcred("ingest --source " + (tmp / "src") + " --store " + (tmp / "s.db") + " --json", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("hosp/d_labitems.csv.gz: 2 text fields were not UTF-8"));
  EXPECT_THAT(r.err, HasSubstr("d_labitems.csv.gz:3 (column label)"));
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tables"]["d_labitems"]["repaired_fields"], 2);
  EXPECT_EQ(QueryText(tmp / "s.db", "SELECT label FROM d_labitems WHERE itemid = 50971"), "Potassi\xEF\xBF\xBDm");
  EXPECT_EQ(QueryText(tmp / "s.db", "SELECT label FROM d_labitems WHERE itemid = 50983"), "Sod\xEF\xBF\xBDum");
  // Everything that prints what the store holds still works.
  for (const std::string& cmd : {"cases --store " + (tmp / "s.db") + " --split all --jsonl",
                                 "resolve --store " + (tmp / "s.db") + " --json potassium"}) {
    const auto out = test::RunMedcred(cmd, tmp);
    EXPECT_EQ(out.code, 0) << cmd << ": " << out.err;
  }
}

// MIMIC-IV-ECG ships its tables at the top of its release folder; an ecg/ folder works too.
TEST(IngestSynthetic, TheEcgModuleIsFoundAtTheTopOfItsReleaseOrInAnEcgFolder) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  test::WriteSyntheticEcgRelease(tmp / "mimic-iv-ecg-demo-0.1");
  IngestOptions o;
  o.sources = {tmp / "src", tmp / "mimic-iv-ecg-demo-0.1"};
  o.store_path = tmp / "top.db";
  auto s = Ingest(o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->modules, (std::vector<std::string>{"hosp", "icu", "ed", "note", "ecg"}));
  EXPECT_EQ(s->dataset_name, "src");  // named by the folder of hosp/, not by the ECG release
  const TableStats& mm = s->tables.at("machine_measurements");
  EXPECT_EQ(mm.source_file, "machine_measurements.csv");
  EXPECT_TRUE(mm.verified);
  EXPECT_EQ(mm.rows, 4u);
  EXPECT_EQ(s->tables.at("record_list").rows, 4u);
  const std::string db = tmp / "top.db";
  EXPECT_EQ(QueryText(db, "SELECT report_1 FROM machine_measurements WHERE study_id = 90000001"),
            "ST depression in V4-V6, invented");
  EXPECT_EQ(QueryText(db, "SELECT p_onset FROM machine_measurements WHERE study_id = 90000004"), "29999.0");
  EXPECT_EQ(QueryInt(db, "SELECT ecg_time FROM record_list WHERE study_id = 90000001"),
            ParseTimestamp("2150-03-01 08:20:00").value());

  // The same files in an ecg/ folder of the main release.
  test::WriteSyntheticEcgRelease(tmp / "src/ecg");
  fs::remove(tmp / "src/ecg/SHA256SUMS.txt");
  test::WriteChecksums(tmp / "src");
  o.sources = {tmp / "src"};
  o.store_path = tmp / "folder.db";
  s = Ingest(o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_THAT(s->modules, ::testing::Contains("ecg"));
  EXPECT_EQ(s->tables.at("machine_measurements").source_file, "ecg/machine_measurements.csv");
  EXPECT_TRUE(s->tables.at("machine_measurements").verified);
  // Both at once is the module found twice.
  o.sources = {tmp / "src", tmp / "mimic-iv-ecg-demo-0.1"};
  EXPECT_EQ(Ingest(o).status().kind(), Status::Kind::kUsage);
  // Asked for and absent: named.
  test::TempDir bare;
  test::WriteSyntheticRelease(bare / "src");
  o.sources = {bare / "src"};
  o.modules = {"hosp", "ecg"};
  auto missing = Ingest(o);
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("no machine_measurements.csv at the top of one"));
}

TEST(IngestSynthetic, ModulesCanBeChosen) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  IngestOptions o;
  o.sources = {tmp / "src"};
  o.store_path = tmp / "s.db";
  o.modules = {"hosp"};
  auto s = Ingest(o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->modules, std::vector<std::string>{"hosp"});
  EXPECT_EQ(s->tables.count("triage"), 0u);
  o.modules = {"icu"};
  EXPECT_EQ(Ingest(o).status().kind(), Status::Kind::kUsage);
  o.modules = {"hosp", "xyz"};
  EXPECT_EQ(Ingest(o).status().kind(), Status::Kind::kUsage);
}

TEST(IngestSynthetic, AbsentOptionalFileIsReportedAndSkipped) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  fs::remove(tmp / "src/hosp/omr.csv.gz");         // never written: optional and unlisted
  fs::remove(tmp / "src/icu/chartevents.csv.gz");  // listed in SHA256SUMS.txt, absent
  auto s = IngestInto(tmp / "src", tmp / "s.db");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_THAT(s->missing_files, ::testing::Contains("icu/chartevents.csv.gz"));
  EXPECT_EQ(s->tables.count("chartevents"), 0u);
}

TEST(IngestSynthetic, PlainCsvIsAccepted) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  const std::string gz = tmp / "src/hosp/patients.csv.gz";
  std::string text;
  {
    auto src = OpenDataFile(gz, nullptr);
    ASSERT_TRUE(src.ok());
    char buf[4096];
    for (;;) {
      auto n = (*src)->Read(buf, sizeof buf);
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
      text.append(buf, *n);
    }
  }
  fs::remove(gz);
  test::WriteFile(tmp / "src/hosp/patients.csv", text);
  auto s = IngestInto(tmp / "src", tmp / "s.db", GzipBackend::kIsal, /*verify=*/false);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->tables.at("patients").rows, 5u);
  EXPECT_EQ(s->tables.at("patients").source_file, "hosp/patients.csv");
}

// ---- bad input: exit code 2, file and line named, old store untouched -------

struct BadCase {
  const char* name;
  std::map<std::string, std::string> overrides;
  std::string expect;  // substring of the error
  void (*mutate)(const std::string& dir) = nullptr;
};

const char* kLabHeader =
    "labevent_id,subject_id,hadm_id,specimen_id,itemid,order_provider_id,charttime,storetime,value,valuenum,"
    "valueuom,ref_range_lower,ref_range_upper,flag,priority,comments\n";
const char* kLabRow = "1,1,101,11,50971,,2150-03-01 08:30:00,,4.1,4.1,mEq/L,3.3,5.1,,STAT,\n";

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class IngestBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(IngestBadInput, FailsCleanlyAndLeavesTheOldStore) {
  const BadCase& c = GetParam();
  TempDir tmp;
  const std::string db = tmp / "store.db";
  test::WriteSyntheticRelease(tmp / "good");
  ASSERT_TRUE(IngestInto(tmp / "good", db).ok());
  const std::string before = Sha256::Hex(test::ReadFile(db));

  test::WriteSyntheticRelease(tmp / "bad", c.overrides);
  if (c.mutate) c.mutate(tmp / "bad");
  auto s = IngestInto(tmp / "bad", db);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(s.status().message(), HasSubstr(c.expect));
  EXPECT_EQ(s.status().message().find('\n'), std::string::npos) << "one sentence, one line";
  EXPECT_EQ(Sha256::Hex(test::ReadFile(db)), before) << "the old store changed";
  EXPECT_FALSE(fs::exists(db + ".tmp")) << "the temporary store was left behind";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IngestBadInput,
    ::testing::Values(
        BadCase{"UnterminatedQuote",
                {{"hosp/labevents.csv.gz",
                  std::string(kLabHeader) + kLabRow + "2,1,101,11,50971,,2150-03-01 08:30:00,,\"4.1,4.1\n"}},
                "hosp/labevents.csv.gz:3: unterminated quoted field"},
        BadCase{"WrongColumnCount",
                {{"hosp/labevents.csv.gz", std::string(kLabHeader) + kLabRow + "2,1,101,11,50971\n"}},
                "hosp/labevents.csv.gz:3: expected 16 fields as in the header, found 5"},
        BadCase{
            "NonNumericInNumericColumn",
            {{"hosp/labevents.csv.gz", std::string(kLabHeader) + kLabRow +
                                           "2,1,101,11,50971,,2150-03-01 08:30:00,,4.1,four,mEq/L,3.3,5.1,,STAT,\n"}},
            "hosp/labevents.csv.gz:3: column 'valuenum': 'four' is not a number"},
        BadCase{"BadTimestamp",
                {{"hosp/admissions.csv.gz",
                  "subject_id,hadm_id,admittime,dischtime,deathtime,admission_type,admission_location,"
                  "discharge_location,edregtime,edouttime,hospital_expire_flag\n"
                  "1,101,2150-02-30 10:00:00,,,EW EMER.,ER,HOME,,,0\n"}},
                "hosp/admissions.csv.gz:2: column 'admittime': '2150-02-30 10:00:00' is not a date or time"},
        BadCase{"MissingColumn",
                {{"hosp/patients.csv.gz", "subject_id,gender,anchor_year,anchor_year_group,dod\n1,F,2150,x,\n"}},
                "hosp/patients.csv.gz:1: header has no column 'anchor_age'"},
        BadCase{"DuplicateKey",
                {{"hosp/patients.csv.gz",
                  "subject_id,gender,anchor_age,anchor_year,anchor_year_group,dod\n1,F,60,2150,x,\n1,F,61,2150,x,\n"}},
                "hosp/patients.csv.gz: duplicate key"},
        BadCase{"TruncatedGzip",
                {},
                "hosp/labevents.csv.gz: truncated gzip stream",
                [](const std::string& dir) {
                  const std::string p = dir + "/hosp/labevents.csv.gz";
                  fs::resize_file(p, fs::file_size(p) - 12);
                  test::WriteChecksums(dir);
                }},
        BadCase{"ChecksumMismatch",
                {},
                "hosp/diagnoses_icd.csv.gz: SHA-256 mismatch",
                [](const std::string& dir) {
                  test::WriteFile(dir + "/hosp/diagnoses_icd.csv.gz",
                                  "subject_id,hadm_id,seq_num,icd_code,icd_version\n1,101,1,I219,10\n");
                }},
        BadCase{"MissingRequiredFile",
                {},
                "hosp/admissions.csv.gz: required file not found",
                [](const std::string& dir) { fs::remove(dir + "/hosp/admissions.csv.gz"); }},
        BadCase{"MalformedChecksumFile",
                {},
                "SHA256SUMS.txt:1: not a",
                [](const std::string& dir) { test::WriteFile(dir + "/SHA256SUMS.txt", "nonsense\n"); }}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(IngestSynthetic, NoVerifySkipsTheChecksumComparison) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  test::WriteFile(tmp / "src/hosp/diagnoses_icd.csv.gz",
                  "subject_id,hadm_id,seq_num,icd_code,icd_version\n1,101,1,I219,10\n");
  auto s = IngestInto(tmp / "src", tmp / "s.db", GzipBackend::kIsal, /*verify=*/false);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_FALSE(s->tables.at("diagnoses_icd").verified);
  EXPECT_EQ(s->tables.at("diagnoses_icd").rows, 1u);
}

TEST(IdentifyDataset, ReadsNameAndVersionFromTheDirectory) {
  std::string n, v;
  IdentifyDataset("/x/mimic-iv-demo-2.2", &n, &v);
  EXPECT_EQ(n, "mimic-iv-demo");
  EXPECT_EQ(v, "2.2");
  IdentifyDataset("/data/physionet.org/files/mimiciv/3.1/", &n, &v);
  EXPECT_EQ(n, "mimic-iv");
  EXPECT_EQ(v, "3.1");
  IdentifyDataset("/data/mimic-iv-ed-2.2", &n, &v);
  EXPECT_EQ(n, "mimic-iv-ed");
}

// ---- the command line --------------------------------------------------------

TEST(IngestCli, JsonGoesToStdoutAloneAndInfoAgrees) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src");
  CliRun r = RunMedcred("ingest --source " + (tmp / "src") + " --store " + (tmp / "s.db") + " --json", tmp);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "no progress output when stderr is not a TTY";
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tables"]["labevents"]["rows"], 28);
  EXPECT_EQ(j["tables"]["labevents"]["source_rows"], 28);
  EXPECT_EQ(j["tables"]["chartevents"]["filtered_rows"], 1);
  EXPECT_TRUE(j["dataset"].contains("name"));
  EXPECT_TRUE(j["missing_files"].is_array());

  CliRun info = RunMedcred("info --store " + (tmp / "s.db") + " --json", tmp);
  ASSERT_EQ(info.code, 0) << info.err;
  auto k = nlohmann::json::parse(info.out);
  EXPECT_EQ(k["tables"], j["tables"]);
  EXPECT_EQ(k["dataset"], j["dataset"]);
}

TEST(IngestCli, ExitCodesFollowTheSpec) {
  TempDir tmp;
  test::WriteSyntheticRelease(tmp / "src", {{"hosp/labevents.csv.gz", std::string(kLabHeader) + "1,2\n"}});
  CliRun bad = RunMedcred("ingest --source " + (tmp / "src") + " --store " + (tmp / "s.db"), tmp);
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("labevents.csv.gz:2: expected 16 fields"));
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1);
  EXPECT_EQ(RunMedcred("ingest --store x.db", tmp).code, 1);  // --source missing
  EXPECT_EQ(RunMedcred("info --store " + (tmp / "nope.db"), tmp).code, 1);
  EXPECT_EQ(RunMedcred("--help", tmp).code, 0);
  EXPECT_EQ(RunMedcred("ingest --help", tmp).code, 0);
}

}  // namespace
}  // namespace medcred

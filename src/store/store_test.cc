#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/sha256.h"
#include "store/postgres_store.h"
#include "store/schema.h"
#include "store/store.h"
#include "store/store_writer.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Two synthetic patients.
RowBatch Patients() {
  RowBatch b;
  b.table = FindTable("patients");
  b.columns = StoreTables()[static_cast<size_t>(b.table)].columns.size();
  for (int id : {1, 2}) {
    b.AddInt(id);
    b.AddText(id == 1 ? "F" : "M");
    b.AddInt(50 + id);
    b.AddInt(2150);
    b.AddText("2011 - 2013");
    b.AddNull();
  }
  return b;
}

StoreSummary Summary(uint64_t patient_rows) {
  StoreSummary s;
  s.dataset_name = "synthetic";
  s.dataset_version = "0";
  s.modules = {"hosp"};
  s.missing_files = {"icu/chartevents.csv.gz"};
  s.medcred_version = "test";
  s.schema_version = kStoreSchemaVersion;
  TableStats t;
  t.module = "hosp";
  t.source_file = "hosp/patients.csv.gz";
  t.sha256 = std::string(64, 'a');
  t.source_rows = patient_rows + 1;
  t.rows = patient_rows;
  t.filtered_rows = 1;
  s.tables["patients"] = t;
  return s;
}

void Exec(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(StoreWriterGuard, RefusesToReplaceWhatIsNotAStore) {
  test::TempDir tmp;
  // A text file, a source file of MIMIC's, a folder, a link, a named pipe: each left as it was.
  test::WriteFile(tmp / "notes.txt", "my notes");
  test::WriteFile(tmp / "admissions.csv.gz", "subject_id,hadm_id\n1,2\n");
  fs::create_directories(tmp / "folder");
  test::WriteFile(tmp / "real.db", "x");
  fs::create_symlink(tmp / "real.db", tmp / "link.db");
  ASSERT_EQ(::mkfifo((tmp / "fifo").c_str(), 0600), 0);
  for (const char* name : {"notes.txt", "admissions.csv.gz", "folder", "link.db", "fifo"}) {
    auto w = StoreWriter::Create(tmp / name);
    ASSERT_FALSE(w.ok()) << name;
    EXPECT_EQ(w.status().exit_code(), 1) << name;
    EXPECT_THAT(w.status().message(), HasSubstr(tmp / name)) << name;
  }
  EXPECT_EQ(test::ReadFile(tmp / "notes.txt"), "my notes");
  EXPECT_EQ(test::ReadGzipFile(tmp / "admissions.csv.gz"), "subject_id,hadm_id\n1,2\n");
  // A medcred store is replaced.
  auto first = StoreWriter::Create(tmp / "s.db");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Finish(Summary(0)).ok());
  first->reset();
  auto again = StoreWriter::Create(tmp / "s.db");
  EXPECT_TRUE(again.ok()) << again.status().message();
}

TEST(StoreWriterGuard, TwoIngestsIntoOneStoreAtOnceAreRefusedAndTheStoreIsPrivate) {
  test::TempDir tmp;
  auto first = StoreWriter::Create(tmp / "s.db");
  ASSERT_TRUE(first.ok());
  auto second = StoreWriter::Create(tmp / "s.db");
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("being written by another ingest"));
  ASSERT_TRUE((*first)->Insert(Patients()).ok());
  ASSERT_TRUE((*first)->Finish(Summary(2)).ok());
  struct stat st {};
  ASSERT_EQ(::stat((tmp / "s.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // patient data
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

TEST(Store, WrittenSummaryReadsBackAndCountsAgree) {
  test::TempDir tmp;
  const std::string path = tmp / "s.db";
  auto w = StoreWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_TRUE((*w)->Insert(Patients()).ok());
  ASSERT_TRUE((*w)->Finish(Summary(2)).ok());
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  auto store = OpenStore(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto s = (*store)->Summary();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->dataset_name, "synthetic");
  EXPECT_EQ(s->modules, std::vector<std::string>{"hosp"});
  EXPECT_EQ(s->missing_files, std::vector<std::string>{"icu/chartevents.csv.gz"});
  EXPECT_EQ(s->tables.at("patients").rows, 2u);
  EXPECT_EQ(s->tables.at("patients").filtered_rows, 1u);
  EXPECT_EQ(s->ChecksumDigest(), Summary(2).ChecksumDigest());
  EXPECT_EQ(*(*store)->CountRows("patients"), 2u);
  EXPECT_EQ((*store)->CountRows("no_such_table").status().kind(), Status::Kind::kUsage);
}

TEST(Store, AccountingThatDisagreesWithTheInsertsIsRefused) {
  test::TempDir tmp;
  auto w = StoreWriter::Create(tmp / "s.db");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Insert(Patients()).ok());
  Status st = (*w)->Finish(Summary(3));
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("patients inserted 2 rows, counted 3"));
}

TEST(Store, AnUnfinishedWriterLeavesTheOldStoreAndNoTemporaryFile) {
  test::TempDir tmp;
  const std::string path = tmp / "s.db";
  {
    auto previous = StoreWriter::Create(path);
    ASSERT_TRUE(previous.ok());
    ASSERT_TRUE((*previous)->Finish(Summary(0)).ok());
  }
  const std::string before = test::ReadFile(path);
  {
    auto w = StoreWriter::Create(path);
    ASSERT_TRUE(w.ok()) << w.status().message();
    ASSERT_TRUE((*w)->Insert(Patients()).ok());
  }
  EXPECT_EQ(test::ReadFile(path), before);
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
  }
}

TEST(Store, OtherSchemaVersionsAndDamagedMetaAreBadInput) {
  test::TempDir tmp;
  const std::string path = tmp / "s.db";
  auto w = StoreWriter::Create(path);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Finish(Summary(0)).ok());

  Exec(path, "UPDATE meta SET value = '[\"hosp\", 3' WHERE key = 'modules'");
  auto store = OpenStore(path);
  ASSERT_TRUE(store.ok());
  auto s = (*store)->Summary();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(s.status().message(), HasSubstr("meta 'modules' is damaged"));

  Exec(path, "UPDATE meta SET value = '999' WHERE key = 'schema_version'");
  auto old = OpenStore(path);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().kind(), Status::Kind::kBadInput);
  EXPECT_THAT(old.status().message(), HasSubstr("schema version 999"));
}

TEST(Store, MissingStoreAndForeignFilesAreNamed) {
  test::TempDir tmp;
  EXPECT_EQ(OpenStore(tmp / "absent.db").status().kind(), Status::Kind::kUsage);
  test::WriteFile(tmp / "not.db", "");
  Exec(tmp / "not.db", "CREATE TABLE x (a)");
  auto st = OpenStore(tmp / "not.db");
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.status().message(), HasSubstr("not a medcred store"));
}

TEST(Schema, EveryTableHasItsIndexedAndFilteredColumns) {
  for (const TableSpec& t : StoreTables()) {
    auto has = [&](const std::string& c) {
      for (const auto& col : t.columns) {
        if (col.name == c) return true;
      }
      return false;
    };
    for (const IndexSpec& ix : t.indexes) {
      for (const auto& c : ix.columns) EXPECT_TRUE(has(c)) << t.name << " index on " << c;
    }
    if (!t.filter_column.empty()) {
      EXPECT_FALSE(t.filter_values.empty()) << t.name;
      EXPECT_FALSE(t.filter_reason.empty()) << t.name;
    }
    EXPECT_EQ(FindTable(t.name), &t - StoreTables().data());
  }
}

TEST(RedactUri, NoPasswordSurvives) {
  EXPECT_EQ(RedactUri("postgresql://me:pw@host:5432/db"), "postgresql://me:***@host:5432/db");
  EXPECT_EQ(RedactUri("postgres://me:p%40ss@host/db?sslmode=require"), "postgres://me:***@host/db?sslmode=require");
  EXPECT_EQ(RedactUri("postgresql://host/db?user=me&password=pw&sslmode=require"),
            "postgresql://host/db?user=me&password=***&sslmode=require");
  EXPECT_EQ(RedactUri("postgresql://me@host/db"), "postgresql://me@host/db");
  EXPECT_EQ(RedactUri("/tmp/store.db"), "/tmp/store.db");
}

}  // namespace
}  // namespace medcred

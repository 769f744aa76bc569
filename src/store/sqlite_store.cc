// The embedded SQLite implementation of Store.
#include <charconv>
#include <filesystem>

#include "store/schema.h"
#include "store/sqlite_util.h"
#include "store/store.h"

namespace medcred {
namespace {

std::string ColumnText(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

class SqliteStore final : public Store {
 public:
  Status Open(const std::string& path) {
    path_ = path;
    MEDCRED_RETURN_IF_ERROR(db_.Open(path, SQLITE_OPEN_READONLY));
    auto version = Meta("schema_version");
    if (!version.ok()) {
      return Status::BadInput(path + ": not a medcred store (no meta table); run `medcred ingest`");
    }
    if (*version != std::to_string(kStoreSchemaVersion)) {
      return Status::BadInput(path + ": store schema version " + *version + ", this medcred reads version " +
                              std::to_string(kStoreSchemaVersion) + "; ingest again");
    }
    return Status::OK();
  }

  Result<std::string> Meta(const std::string& key) {
    MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt s, db_.Prepare("SELECT value FROM meta WHERE key = ?"));
    sqlite3_bind_text(s.get(), 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(s.get()) != SQLITE_ROW) return Status::BadInput(path_ + ": meta has no '" + key + "'");
    return ColumnText(s.get(), 0);
  }

  Result<StoreSummary> Summary() override {
    StoreSummary out;
    out.store = path_;
    MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt s, db_.Prepare("SELECT key, value FROM meta"));
    while (sqlite3_step(s.get()) == SQLITE_ROW) {
      const std::string k = ColumnText(s.get(), 0), v = ColumnText(s.get(), 1);
      auto damaged = [&] { return Status::BadInput(path_ + ": meta '" + k + "' is damaged: '" + v + "'"); };
      if (k == "modules" || k == "missing_files") {
        auto j = nlohmann::json::parse(v, nullptr, /*allow_exceptions=*/false);
        if (j.is_discarded() || !j.is_array()) return damaged();
        std::vector<std::string>& out_list = k == "modules" ? out.modules : out.missing_files;
        for (const auto& e : j) {
          if (!e.is_string()) return damaged();
          out_list.push_back(e.get<std::string>());
        }
      } else if (k == "schema_version") {
        if (std::from_chars(v.data(), v.data() + v.size(), out.schema_version).ec != std::errc()) return damaged();
      } else if (k == "ingest_seconds") {
        if (std::from_chars(v.data(), v.data() + v.size(), out.seconds).ec != std::errc()) return damaged();
      } else if (k == "dataset_name") {
        out.dataset_name = v;
      } else if (k == "dataset_version") {
        out.dataset_version = v;
      } else if (k == "demo") {
        out.demo = v == "1";
      } else if (k == "medcred_version") {
        out.medcred_version = v;
      } else if (k == "git_commit") {
        out.git_commit = v;
      } else if (k == "ingest_time") {
        out.ingest_time = v;
      } else if (k == "gzip_backend") {
        out.gzip_backend = v;
      }
    }
    MEDCRED_ASSIGN_OR_RETURN(
        sqlite::Stmt t,
        db_.Prepare("SELECT name, module, source_file, sha256, verified, source_rows, rows, filtered_rows,"
                    " seconds FROM ingest_tables"));
    while (sqlite3_step(t.get()) == SQLITE_ROW) {
      TableStats ts;
      ts.module = ColumnText(t.get(), 1);
      ts.source_file = ColumnText(t.get(), 2);
      ts.sha256 = ColumnText(t.get(), 3);
      ts.verified = sqlite3_column_int(t.get(), 4) != 0;
      ts.source_rows = static_cast<uint64_t>(sqlite3_column_int64(t.get(), 5));
      ts.rows = static_cast<uint64_t>(sqlite3_column_int64(t.get(), 6));
      ts.filtered_rows = static_cast<uint64_t>(sqlite3_column_int64(t.get(), 7));
      ts.seconds = sqlite3_column_double(t.get(), 8);
      out.tables[ColumnText(t.get(), 0)] = ts;
    }
    return out;
  }

  Result<uint64_t> CountRows(const std::string& table) override {
    if (FindTable(table) < 0) return Status::Usage("no table named '" + table + "' in the store schema");
    MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt s, db_.Prepare("SELECT count(*) FROM " + sqlite::Quote(table)));
    if (sqlite3_step(s.get()) != SQLITE_ROW) return db_.Error("count failed");
    return static_cast<uint64_t>(sqlite3_column_int64(s.get(), 0));
  }

 private:
  std::string path_;
  sqlite::Db db_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& location) {
  if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0) {
    return Status::Usage("PostgreSQL stores are not supported yet (issue 8): " + location);
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(location, ec)) {
    return Status::Usage(location + ": no store there; create one with `medcred ingest --store " + location + "`");
  }
  auto store = std::make_unique<SqliteStore>();
  MEDCRED_RETURN_IF_ERROR(store->Open(location));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace medcred

#include "store/store_writer.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <vector>

#include "store/schema.h"
#include "store/sqlite_util.h"

namespace medcred {

struct StoreWriter::Impl {
  std::string path;
  std::string tmp_path;
  int lock_fd = -1;  // flock on PATH.lock for the whole ingest
  sqlite::Db db;
  std::vector<sqlite::Stmt> inserts;  // one per table of the schema
  std::vector<uint64_t> inserted;
  bool finished = false;
};

namespace {

Status SyncPath(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Status::External(path + ": cannot open to sync");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::External(path + ": fsync failed");
  return Status::OK();
}

// Whether `path` may be replaced by a new store: absent, or a regular file
// that is a medcred store (a SQLite file with medcred's meta table).
Status CheckReplaceable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (ec || st.type() == fs::file_type::not_found) return Status::OK();
  if (st.type() == fs::file_type::directory) return Status::Usage(path + ": the store path is a directory");
  if (st.type() != fs::file_type::regular) {
    return Status::Usage(path +
                         " is not a regular file (a link, device or pipe): medcred replaces only its own stores");
  }
  sqlite3* db = nullptr;
  bool ours = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK;
  sqlite3_stmt* q = nullptr;
  ours = ours &&
         sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &q, nullptr) == SQLITE_OK &&
         sqlite3_step(q) == SQLITE_ROW;
  sqlite3_finalize(q);
  sqlite3_close(db);
  if (!ours) {
    return Status::Usage(path +
                         " exists and is not a medcred store; medcred replaces only its own stores: choose "
                         "another --store, or remove the file yourself");
  }
  return Status::OK();
}

}  // namespace

StoreWriter::StoreWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StoreWriter::~StoreWriter() {
  if (!impl_->finished) {
    impl_->inserts.clear();  // statements must be finalised before the close
    (void)impl_->db.Close();
    std::remove(impl_->tmp_path.c_str());
  }
  if (impl_->lock_fd >= 0) ::close(impl_->lock_fd);
}

Result<std::unique_ptr<StoreWriter>> StoreWriter::Create(const std::string& path) {
  namespace fs = std::filesystem;
  // Memory statistics cost a global mutex on every SQLite allocation; medcred
  // never reads them. Only possible before SQLite initialises, hence once here.
  static const bool kConfigured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)kConfigured;
  MEDCRED_RETURN_IF_ERROR(CheckReplaceable(path));
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  // One ingest into a store at a time; the lock outlives the rename.
  const std::string lock = path + ".lock";
  impl->lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (impl->lock_fd < 0) return Status::External(lock + ": cannot open: " + std::strerror(errno));
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(impl->lock_fd);
    return Status::Usage(path + " is being written by another ingest; wait for it to finish");
  }
  // Temporary stores of ingests that were killed: nobody else holds the lock, so they are ours to remove.
  std::error_code ec;
  const fs::path abs = fs::absolute(path);
  for (const auto& e : fs::directory_iterator(abs.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(abs.filename().string() + ".tmp", 0) == 0) fs::remove(e.path(), ec);
  }
  // A unique temporary name, private (0600: a store holds patient data) from its first byte.
  std::string pattern = path + ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Status::External(path + ": cannot create a temporary store beside it: " + std::strerror(errno));
  ::fchmod(fd, 0600);
  ::close(fd);
  impl->tmp_path = name.data();
  std::unique_ptr<StoreWriter> w(new StoreWriter(std::move(impl)));
  Impl& im = *w->impl_;
  // NOMUTEX: this connection is only ever used by the writer thread.
  MEDCRED_RETURN_IF_ERROR(im.db.Open(im.tmp_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX));
  // The file is private until renamed, so no journal and no syncs while loading;
  // CREATE INDEX may sort with helper threads.
  MEDCRED_RETURN_IF_ERROR(
      im.db.Exec("PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                 "PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-65536; PRAGMA temp_store=FILE;"
                 "PRAGMA threads=2;"));
  std::string ddl;
  for (const TableSpec& t : StoreTables()) {
    ddl += "CREATE TABLE " + sqlite::Quote(t.name) + " (";
    for (size_t i = 0; i < t.columns.size(); ++i) {
      ddl += (i ? ", " : "") + sqlite::Quote(t.columns[i].name) + " " + SqlType(t.columns[i].type);
    }
    ddl += ") STRICT;\n";
  }
  ddl +=
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;\n"
      "CREATE TABLE ingest_tables (name TEXT PRIMARY KEY, module TEXT NOT NULL, source_file TEXT NOT NULL,"
      " sha256 TEXT NOT NULL, verified INTEGER NOT NULL, source_rows INTEGER NOT NULL,"
      " rows INTEGER NOT NULL, filtered_rows INTEGER NOT NULL, seconds REAL NOT NULL) STRICT;\n";
  MEDCRED_RETURN_IF_ERROR(im.db.Exec(ddl));
  MEDCRED_RETURN_IF_ERROR(im.db.Exec("BEGIN"));
  for (const TableSpec& t : StoreTables()) {
    std::string sql = "INSERT INTO " + sqlite::Quote(t.name) + " VALUES (";
    for (size_t i = 0; i < t.columns.size(); ++i) sql += i ? ",?" : "?";
    sql += ")";
    MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt stmt, im.db.Prepare(sql));
    im.inserts.push_back(std::move(stmt));
  }
  im.inserted.assign(StoreTables().size(), 0);
  return w;
}

Status StoreWriter::Insert(const RowBatch& batch) {
  Impl& im = *impl_;
  sqlite3_stmt* st = im.inserts.at(static_cast<size_t>(batch.table)).get();
  const size_t rows = batch.rows();
  const Cell* cell = batch.cells.data();
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < batch.columns; ++c, ++cell) {
      const int idx = static_cast<int>(c) + 1;
      switch (cell->kind) {
        case Cell::Kind::kNull:
          sqlite3_bind_null(st, idx);
          break;
        case Cell::Kind::kInt:
          sqlite3_bind_int64(st, idx, cell->i);
          break;
        case Cell::Kind::kReal:
          sqlite3_bind_double(st, idx, cell->d);
          break;
        case Cell::Kind::kText:
          sqlite3_bind_text(st, idx, batch.arena.data() + cell->text.offset, static_cast<int>(cell->text.length),
                            SQLITE_STATIC);
          break;
      }
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
      Status err = im.db.Error("insert into " + StoreTables()[static_cast<size_t>(batch.table)].name + " failed");
      sqlite3_reset(st);
      return err;
    }
    sqlite3_reset(st);
  }
  im.inserted[static_cast<size_t>(batch.table)] += rows;
  return Status::OK();
}

Status StoreWriter::Finish(const StoreSummary& summary) {
  Impl& im = *impl_;
  const auto& tables = StoreTables();
  // Exact accounting: what the summary claims must be what was inserted.
  for (size_t i = 0; i < tables.size(); ++i) {
    auto it = summary.tables.find(tables[i].name);
    const uint64_t claimed = it == summary.tables.end() ? 0 : it->second.rows;
    if (claimed != im.inserted[i]) {
      return Status::External("internal accounting error: " + tables[i].name + " inserted " +
                              std::to_string(im.inserted[i]) + " rows, counted " + std::to_string(claimed));
    }
  }
  // Indexes are built after the load. A small page cache makes SQLite's sorter
  // cut each index into several sorted runs, which its helper thread (PRAGMA
  // threads) sorts in parallel: measured 9% faster on the demo x10 than one
  // in-memory sort (bench/README.md).
  MEDCRED_RETURN_IF_ERROR(im.db.Exec("PRAGMA cache_size=-4096"));
  for (const TableSpec& t : tables) {
    for (size_t k = 0; k < t.indexes.size(); ++k) {
      const IndexSpec& ix = t.indexes[k];
      std::string cols, name = t.name + "_ix" + std::to_string(k);
      for (size_t c = 0; c < ix.columns.size(); ++c) cols += (c ? ", " : "") + sqlite::Quote(ix.columns[c]);
      Status st = im.db.Exec(std::string("CREATE ") + (ix.unique ? "UNIQUE " : "") + "INDEX " + sqlite::Quote(name) +
                             " ON " + sqlite::Quote(t.name) + " (" + cols + ")");
      if (!st.ok()) {
        if (ix.unique && (sqlite3_errcode(im.db.get()) & 0xff) == SQLITE_CONSTRAINT) {
          auto src = summary.tables.find(t.name);
          return Status::BadInput((src != summary.tables.end() ? src->second.source_file : t.name) +
                                  ": duplicate key (" + cols + "); each must appear once");
        }
        return st;
      }
    }
  }
  MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt meta, im.db.Prepare("INSERT INTO meta VALUES (?, ?)"));
  nlohmann::json j = summary.ToJson();
  auto put = [&](const std::string& k, const std::string& v) -> Status {
    sqlite3_bind_text(meta.get(), 1, k.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(meta.get(), 2, v.c_str(), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(meta.get());
    sqlite3_reset(meta.get());
    return rc == SQLITE_DONE ? Status::OK() : im.db.Error("cannot write meta");
  };
  MEDCRED_RETURN_IF_ERROR(put("schema_version", std::to_string(kStoreSchemaVersion)));
  MEDCRED_RETURN_IF_ERROR(put("dataset_name", summary.dataset_name));
  MEDCRED_RETURN_IF_ERROR(put("dataset_version", summary.dataset_version));
  MEDCRED_RETURN_IF_ERROR(put("demo", summary.demo ? "1" : "0"));
  MEDCRED_RETURN_IF_ERROR(put("modules", nlohmann::json(summary.modules).dump()));
  MEDCRED_RETURN_IF_ERROR(put("missing_files", nlohmann::json(summary.missing_files).dump()));
  MEDCRED_RETURN_IF_ERROR(put("medcred_version", summary.medcred_version));
  MEDCRED_RETURN_IF_ERROR(put("git_commit", summary.git_commit));
  MEDCRED_RETURN_IF_ERROR(put("ingest_time", summary.ingest_time));
  MEDCRED_RETURN_IF_ERROR(put("gzip_backend", summary.gzip_backend));
  MEDCRED_RETURN_IF_ERROR(put("ingest_seconds", std::to_string(summary.seconds)));
  MEDCRED_RETURN_IF_ERROR(put("checksum_digest", summary.ChecksumDigest()));

  MEDCRED_ASSIGN_OR_RETURN(sqlite::Stmt tab, im.db.Prepare("INSERT INTO ingest_tables VALUES (?,?,?,?,?,?,?,?,?)"));
  for (const auto& [name, t] : summary.tables) {
    sqlite3_stmt* s = tab.get();
    sqlite3_bind_text(s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, t.module.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, t.source_file.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, t.sha256.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 5, t.verified ? 1 : 0);
    sqlite3_bind_int64(s, 6, static_cast<int64_t>(t.source_rows));
    sqlite3_bind_int64(s, 7, static_cast<int64_t>(t.rows));
    sqlite3_bind_int64(s, 8, static_cast<int64_t>(t.filtered_rows));
    sqlite3_bind_double(s, 9, t.seconds);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return im.db.Error("cannot write ingest_tables");
  }
  MEDCRED_RETURN_IF_ERROR(im.db.Exec("COMMIT"));
  // Planner statistics from a sample of each index: exact counts are not needed.
  MEDCRED_RETURN_IF_ERROR(im.db.Exec("PRAGMA analysis_limit=2000; ANALYZE"));
  im.inserts.clear();
  meta = sqlite::Stmt();
  tab = sqlite::Stmt();
  MEDCRED_RETURN_IF_ERROR(im.db.Close());
  MEDCRED_RETURN_IF_ERROR(SyncPath(im.tmp_path, false));
  if (std::rename(im.tmp_path.c_str(), im.path.c_str()) != 0) {
    return Status::External(im.path + ": cannot rename the new store into place");
  }
  im.finished = true;
  std::filesystem::path parent = std::filesystem::absolute(im.path).parent_path();
  return SyncPath(parent.string(), true);
}

}  // namespace medcred

#include "store/sqlite_util.h"

namespace medcred::sqlite {

Status Db::Open(const std::string& path, int flags) {
  path_ = path;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    Status st = Error("cannot open");
    Close();
    return st;
  }
  sqlite3_extended_result_codes(db_, 1);
  return Status::OK();
}

Status Db::Close() {
  if (db_ == nullptr) return Status::OK();
  int rc = sqlite3_close_v2(db_);  // never leaks: unfinalised statements keep it alive until they go
  db_ = nullptr;
  if (rc != SQLITE_OK) return Status::External(path_ + ": cannot close store (" + sqlite3_errstr(rc) + ")");
  return Status::OK();
}

Status Db::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::External(path_ + ": " + msg + " (in: " + sql.substr(0, 120) + ")");
  }
  return Status::OK();
}

Result<Stmt> Db::Prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return Error("cannot prepare statement (" + sql.substr(0, 120) + ")");
  }
  return Stmt(s);
}

Status Db::Error(const std::string& what) const {
  std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  return Status::External(path_ + ": " + what + ": " + msg);
}

std::string Quote(const std::string& ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace medcred::sqlite

// Thin RAII helpers over the SQLite C API, private to store/.
//
// Thread safety: a Db or Stmt is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <string>

#include "common/status.h"

namespace medcred::sqlite {

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(Stmt&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  Db() = default;
  ~Db() { Close(); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Opens `path`. `flags` are sqlite3_open_v2 flags.
  Status Open(const std::string& path, int flags);
  Status Close();
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  Status Exec(const std::string& sql);
  Result<Stmt> Prepare(const std::string& sql);
  // An External status naming the store and SQLite's message.
  Status Error(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Double-quotes an identifier.
std::string Quote(const std::string& ident);

}  // namespace medcred::sqlite

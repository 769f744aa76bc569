// File helpers shared by the run directory, the store writer and the registry:
// atomic replacement of a file, and whole-file reads.
//
// Every temporary file has a unique name (mkstemp beside the target), so two
// writers of one path never write into each other's temporary file; the last
// rename wins whole.
//
// Thread safety: plain functions; an AtomicFile belongs to one thread.
#pragma once

#include <string>

#include "common/status.h"

namespace medcred {

// A file written in full beside `path` under a unique temporary name, then
// renamed over `path` by Commit() (after fsync, and an fsync of the folder).
// Destroyed without Commit(), it removes its temporary file.
class AtomicFile {
 public:
  static Result<AtomicFile> Create(const std::string& path, unsigned mode = 0644);
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();

  Status Append(std::string_view data);
  Status Commit();
  const std::string& temp_path() const { return tmp_; }

 private:
  AtomicFile(int fd, std::string path, std::string tmp) : fd_(fd), path_(std::move(path)), tmp_(std::move(tmp)) {}
  int fd_ = -1;
  std::string path_, tmp_;
};

// Writes `content` to `path` atomically (an AtomicFile). `mode` is the new file's mode.
Status WriteFileAtomically(const std::string& path, const std::string& content, unsigned mode = 0644);

// Reads a whole file; a missing file is a usage error naming the path.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace medcred

// RunDir: the one owner of a run directory's layout and files
// (docs/runner.md, "The run directory"; records in rundir/records.h).
//
//   RUN_DIR/            mode 0700: transcripts hold MIMIC data
//     run.json          RunManifest, written once when the run starts
//     episodes.jsonl    one EpisodeRecord per line, appended with a single
//                       write(2) as each episode ends: a kill leaves whole
//                       lines and at most one partial last line
//     cache/            recorded model replies (models/record_replay.h)
//     summary.json, credentials.json, report.html   built from the episodes
//     .lock             flock(2) held by the process writing the directory
//
// Every reader and writer of these files goes through this class. Files other
// than episodes.jsonl are replaced atomically (models/record_replay.h and
// common/file_util.h); episodes.jsonl is rewritten (re-grading) through a
// temporary file and a rename, so a reader never sees half of it.
//
// Thread safety: a RunDir is a value naming a folder. EpisodeWriter::Append
// may be called from many threads. Between processes, Lock() serializes
// writers: a second writer is refused, not queued.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "rundir/records.h"

namespace medcred {

class RunDir {
 public:
  explicit RunDir(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string manifest_path() const { return path_ + "/run.json"; }
  std::string episodes_path() const { return path_ + "/episodes.jsonl"; }
  std::string cache_dir() const { return path_ + "/cache"; }
  std::string summary_path() const { return path_ + "/summary.json"; }
  std::string credentials_path() const { return path_ + "/credentials.json"; }
  std::string report_path() const { return path_ + "/report.html"; }

  // What is at the path: nothing, an empty directory, a medcred run (a
  // run.json), or something else (a file, a non-empty folder that is not a run).
  enum class State { kAbsent, kEmpty, kRun, kOther };
  State Inspect() const;

  // Creates the directory (mode 0700) for a new run. Refuses a path that
  // holds something other than nothing or an empty directory.
  Status CreateForNewRun() const;
  // Usage error unless the directory holds a run.
  Status RequireRun() const;

  Result<RunManifest> ReadManifest() const;
  Status WriteManifest(const RunManifest& manifest) const;
  Status WriteSummary(const SummaryFile& summary) const;
  Status WriteCredentials(const CredentialsFile& credentials) const;
  Status WriteReport(const std::string& html) const;
  Result<CredentialsFile> ReadCredentials() const;

  // An exclusive lock on the directory for one writing process (run, merge,
  // report); released when the object is destroyed. Another process holding
  // it is a usage error naming the directory.
  class Lock {
   public:
    Lock(Lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Lock& operator=(Lock&&) = delete;
    ~Lock();

   private:
    friend class RunDir;
    explicit Lock(int fd) : fd_(fd) {}
    int fd_ = -1;
  };
  Result<Lock> LockForWriting() const;

  // Where an episode's line is in episodes.jsonl.
  struct EpisodeLocation {
    int64_t line = 0;     // 1-based
    uint64_t offset = 0;  // of the line's first byte
    uint64_t length = 0;  // without the newline
  };
  // Calls fn for each complete line of episodes.jsonl, in file order, streaming
  // (one line in memory at a time). A partial last line (a killed run) is
  // skipped; a bad line elsewhere is BadInput naming it. fn's error stops the
  // scan and is returned.
  using EpisodeFn = std::function<Status(EpisodeRecord& record, const EpisodeLocation& where)>;
  Status ForEachEpisode(const EpisodeFn& fn) const;
  // The complete lines of episodes.jsonl as raw text, without parsing them
  // into records (merge); `fn` gets the line and its case id.
  Status ForEachEpisodeLine(const std::function<Status(const std::string& line, const std::string& case_id)>& fn) const;
  // The complete lines of episodes.jsonl with their locations, not parsed at
  // all (the viewer's index reads only the fields it shows, rundir's callers
  // the whole record). Streaming; a partial last line is skipped, empty lines
  // are passed over. `line` is valid during the call only.
  Status ForEachRawEpisodeLine(const std::function<Status(std::string& line, const EpisodeLocation& where)>& fn) const;
  // Each complete line's case id and epoch (1 when it has none), reading
  // only those fields' values (merge: issue 18).
  Status ForEachEpisodeKey(
      const std::function<Status(const std::string& case_id, int64_t epoch, const EpisodeLocation& where)>& fn) const;
  // One episode by its location (the viewer reads by offset).
  Result<EpisodeRecord> ReadEpisodeAt(const EpisodeLocation& where) const;
  // The line's text at a location, unparsed.
  Result<std::string> ReadEpisodeLineAt(const EpisodeLocation& where) const;
  // Cuts a partial last line off episodes.jsonl (before a resumed run appends).
  Status CutPartialLastLine() const;
  // Rewrites episodes.jsonl through a temporary file: fn may change each
  // record (returning true when it did); unchanged lines are copied as they
  // were. The rename happens only if every call succeeded.
  Status RewriteEpisodes(
      const std::function<Result<bool>(EpisodeRecord& record, const EpisodeLocation& where)>& fn) const;

  // Appends episodes, one write(2) per line.
  class EpisodeWriter {
   public:
    ~EpisodeWriter();
    Status Append(const EpisodeRecord& record);

   private:
    friend class RunDir;
    EpisodeWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_ = -1;
    std::string path_;
    std::mutex mu_;
  };
  Result<std::unique_ptr<EpisodeWriter>> OpenEpisodeWriter() const;

 private:
  std::string path_;
};

}  // namespace medcred

// RunIndex: one run directory opened for `medcred view` (docs/viewer.md).
//
// Opening streams episodes.jsonl once (RunDir::ForEachEpisode) and keeps, per
// episode, only its location in the file and the few fields the episodes
// table shows (EpisodeRow: ~200 bytes). The full record, with its
// conversation, is read again by offset when an episode is opened
// (RunDir::ReadEpisodeAt), so a run of any size costs the index alone in
// memory. run.json, summary.json and credentials.json are read whole (small).
//
// episodes.jsonl may change after opening: a run still going appends lines
// (the index does not see them), `medcred report` rewrites the file (offsets
// move). Read() checks that the line at an offset is still the episode it
// indexed and otherwise says the file changed; Changed() tells the page.
//
// Thread safety: immutable after Open(); every const method may be called from
// many threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "rundir/records.h"
#include "rundir/run_dir.h"

namespace medcred {

// The table's fields of one episode. Small enums are indices into the run's
// string tables (RunIndex::outcomes(), levels(), ...).
struct EpisodeRow {
  RunDir::EpisodeLocation where;
  std::string case_id;
  std::vector<uint16_t> categories;  // indices into RunIndex::categories()
  uint16_t outcome = 0, level = 0, split = 0;
  bool correct = false;  // credit >= the methodology's correct_at
  bool has_error = false;
  double credit = 0, cost = 0;
  int32_t turns = 0, tool_calls = 0, invalid_orders = 0, protocol_errors = 0;
  std::string answer;              // the submitted diagnosis, cut to kAnswerChars bytes; empty without an answer
  std::string answer_code;         // the ICD-10-CM code the model gave, if any
  std::string mapped_code;         // what the grader read the answer as
  std::vector<std::string> truth;  // the principal diagnosis's ICD-10-CM codes
};

class RunIndex {
 public:
  static constexpr size_t kAnswerChars = 160;

  // Reads the run directory and indexes its episodes. A directory that is not
  // a run is a usage error; a bad line is BadInput naming it.
  static Result<RunIndex> Open(const std::string& dir);

  const RunDir& dir() const { return dir_; }
  const RunManifest& manifest() const { return manifest_; }
  const std::optional<SummaryFile>& summary() const { return summary_; }              // none before a report
  const std::optional<CredentialsFile>& credentials() const { return credentials_; }  // none before a report
  const std::string& methodology_version() const { return methodology_version_; }
  double correct_at() const { return correct_at_; }
  // The methodology's grade levels, best first.
  const std::vector<std::string>& methodology_levels() const { return methodology_levels_; }

  const std::vector<EpisodeRow>& rows() const { return rows_; }
  // The row of a case, or null.
  const EpisodeRow* Find(const std::string& case_id) const;
  // The string tables the rows index into, each in order of first appearance.
  const std::vector<std::string>& categories() const { return categories_; }
  const std::vector<std::string>& outcomes() const { return outcomes_; }
  const std::vector<std::string>& levels() const { return levels_; }
  const std::vector<std::string>& splits() const { return splits_; }

  // The full record of a row, read by its offset.
  Result<EpisodeRecord> Read(const EpisodeRow& row) const;
  // Whether episodes.jsonl is no longer the file that was indexed (replaced,
  // or grown or cut since).
  bool Changed() const;

  // Bytes the index holds (an estimate from container capacities).
  size_t MemoryBytes() const;

 private:
  explicit RunIndex(std::string dir) : dir_(std::move(dir)) {}
  static uint16_t Intern(std::vector<std::string>& table, const std::string& value);

  RunDir dir_;
  RunManifest manifest_;
  std::optional<SummaryFile> summary_;
  std::optional<CredentialsFile> credentials_;
  std::string methodology_version_;
  double correct_at_ = 1.0;
  std::vector<std::string> methodology_levels_;
  std::vector<EpisodeRow> rows_;
  std::unordered_map<std::string, uint32_t> by_case_;
  std::vector<std::string> categories_, outcomes_, levels_, splits_;
  uint64_t file_inode_ = 0, file_size_ = 0;
  int64_t file_mtime_ns_ = 0;
};

}  // namespace medcred

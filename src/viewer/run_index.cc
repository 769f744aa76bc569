#include "viewer/run_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "common/file_util.h"
#include "common/json_util.h"
#include "grading/grader.h"

namespace medcred {
namespace {

struct FileIdentity {
  uint64_t inode = 0, size = 0;
  int64_t mtime_ns = 0;
};

FileIdentity IdentityOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// An optional JSON file of the run (summary.json, credentials.json): none when
// absent, an error when present and unreadable.
template <typename T>
Result<std::optional<T>> ReadOptional(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<T>();
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, path));
  MEDCRED_ASSIGN_OR_RETURN(T value, T::FromJson(j, path));
  return std::optional<T>(std::move(value));
}

// A UTF-8 string cut to at most `max` bytes without splitting a character.
std::string CutUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "…";
}

}  // namespace

uint16_t RunIndex::Intern(std::vector<std::string>& table, const std::string& value) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i] == value) return static_cast<uint16_t>(i);
  }
  table.push_back(value);
  return static_cast<uint16_t>(table.size() - 1);
}

Result<RunIndex> RunIndex::Open(const std::string& dir) {
  RunIndex index(dir);
  MEDCRED_ASSIGN_OR_RETURN(index.manifest_, index.dir_.ReadManifest());
  MEDCRED_ASSIGN_OR_RETURN(index.summary_, ReadOptional<SummaryFile>(index.dir_.summary_path()));
  MEDCRED_ASSIGN_OR_RETURN(index.credentials_, ReadOptional<CredentialsFile>(index.dir_.credentials_path()));

  // "Wrong" means what the run's methodology says: credit below correct_at.
  if (index.credentials_) index.methodology_version_ = index.credentials_->methodology_version;
  if (index.methodology_version_.empty() && index.summary_) {
    index.methodology_version_ = index.summary_->methodology_version;
  }
  auto methodology = index.methodology_version_.empty()
                         ? Methodology::Load()
                         : Methodology::Load("methodology-" + index.methodology_version_ + ".toml");
  if (!methodology.ok()) methodology = Methodology::Load();  // a version this medcred lacks: the current one
  MEDCRED_RETURN_IF_ERROR(methodology.status());
  if (index.methodology_version_.empty()) index.methodology_version_ = methodology->version;
  index.correct_at_ = methodology->correct_at;
  index.methodology_levels_ = methodology->levels;

  const FileIdentity before = IdentityOf(index.dir_.episodes_path());
  MEDCRED_RETURN_IF_ERROR(
      index.dir_.ForEachEpisode([&](EpisodeRecord& e, const RunDir::EpisodeLocation& where) -> Status {
        if (index.by_case_.count(e.case_id)) {
          return Status::BadInput(index.dir_.episodes_path() + ":" + std::to_string(where.line) +
                                  ": a second episode of " + e.case_id);
        }
        EpisodeRow row;
        row.where = where;
        row.case_id = std::move(e.case_id);
        for (const std::string& c : e.categories) row.categories.push_back(Intern(index.categories_, c));
        row.outcome = Intern(index.outcomes_, e.outcome);
        row.level = Intern(index.levels_, e.grade.level);
        row.split = Intern(index.splits_, e.split);
        row.credit = e.grade.credit;
        row.correct = e.grade.credit >= index.correct_at_;
        row.has_error = e.error.has_value();
        row.cost = e.cost;
        row.turns = static_cast<int32_t>(e.turns);
        row.tool_calls = static_cast<int32_t>(e.tool_calls);
        row.invalid_orders = static_cast<int32_t>(e.invalid_orders);
        row.protocol_errors = static_cast<int32_t>(e.protocol_errors);
        if (e.answer) {
          row.answer = CutUtf8(e.answer->diagnosis, kAnswerChars);
          row.answer_code = e.answer->icd10.value_or("");
        }
        row.mapped_code = std::move(e.grade.mapped_code);
        row.truth = std::move(e.truth_principal);
        index.by_case_.emplace(row.case_id, static_cast<uint32_t>(index.rows_.size()));
        index.rows_.push_back(std::move(row));
        return Status::OK();
      }));
  index.rows_.shrink_to_fit();
  // What was indexed is the file as it was when the scan began; a change
  // during the scan shows as Changed() at once.
  index.file_inode_ = before.inode;
  index.file_size_ = before.size;
  index.file_mtime_ns_ = before.mtime_ns;
  return index;
}

const EpisodeRow* RunIndex::Find(const std::string& case_id) const {
  auto it = by_case_.find(case_id);
  return it == by_case_.end() ? nullptr : &rows_[it->second];
}

Result<EpisodeRecord> RunIndex::Read(const EpisodeRow& row) const {
  auto record = dir_.ReadEpisodeAt(row.where);
  if (!record.ok() || record->case_id != row.case_id) {
    return Status::External(dir_.episodes_path() + " changed since the viewer opened it (line " +
                            std::to_string(row.where.line) + " is no longer " + row.case_id +
                            "): restart medcred view to read it again");
  }
  return record;
}

bool RunIndex::Changed() const {
  const FileIdentity now = IdentityOf(dir_.episodes_path());
  return now.inode != file_inode_ || now.size != file_size_ || now.mtime_ns != file_mtime_ns_;
}

size_t RunIndex::MemoryBytes() const {
  size_t bytes = rows_.capacity() * sizeof(EpisodeRow);
  auto str = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  for (const EpisodeRow& r : rows_) {
    bytes += str(r.case_id) + str(r.answer) + str(r.answer_code) + str(r.mapped_code);
    bytes += r.categories.capacity() * sizeof(uint16_t);
    bytes += r.truth.capacity() * sizeof(std::string);
    for (const std::string& t : r.truth) bytes += str(t);
  }
  // The case-id map: a node (key, value, hash, next) per row, and its buckets.
  bytes += by_case_.size() * (sizeof(std::string) + 2 * sizeof(void*) + sizeof(uint32_t)) +
           by_case_.bucket_count() * sizeof(void*);
  return bytes;
}

}  // namespace medcred

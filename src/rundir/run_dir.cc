#include "rundir/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/file_util.h"
#include "common/json_util.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

// Reads a file line by line with each line's offset, telling whether the
// line ended with a newline.
class LineReader {
 public:
  explicit LineReader(const std::string& path) : in_(path, std::ios::binary) {}
  bool ok() const { return static_cast<bool>(in_); }
  // The next line; false at the end of the file.
  bool Next(std::string* line, uint64_t* offset, bool* complete) {
    *offset = offset_;
    line->clear();
    if (!std::getline(in_, *line)) return false;
    *complete = !in_.eof();
    offset_ += line->size() + (*complete ? 1 : 0);
    return true;
  }

 private:
  std::ifstream in_;
  uint64_t offset_ = 0;
};

// The case id of a line, or "" when the line is not an episode record.
std::string CaseIdOf(const nlohmann::json& j) {
  if (!j.is_object()) return "";
  auto it = j.find("case_id");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Calls fn on every complete line; a line that is not an episode record is
// an error naming it.
Status ScanLines(
    const std::string& path,
    const std::function<Status(const std::string& line, nlohmann::json& j, const RunDir::EpisodeLocation& where)>& fn) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::OK();
  LineReader reader(path);
  if (!reader.ok()) return Status::External(path + ": cannot be read");
  std::string line;
  uint64_t offset = 0;
  bool complete = false;
  for (int64_t line_no = 1; reader.Next(&line, &offset, &complete); ++line_no) {
    // A line is appended whole with its newline in one write(2): a last line
    // without one is what a killed run leaves, and is not an episode.
    if (!complete) break;
    if (line.empty()) continue;
    const std::string where = path + ":" + std::to_string(line_no);
    auto j = ParseJson(line, where);
    if (!j.ok() || CaseIdOf(*j).empty()) return Status::BadInput(where + ": not an episode record");
    MEDCRED_RETURN_IF_ERROR(fn(line, *j, RunDir::EpisodeLocation{line_no, offset, line.size()}));
  }
  return Status::OK();
}

}  // namespace

RunDir::State RunDir::Inspect() const {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path_, ec);
  if (ec || st.type() == fs::file_type::not_found) return State::kAbsent;
  if (st.type() != fs::file_type::directory) return State::kOther;
  if (fs::is_regular_file(manifest_path(), ec)) return State::kRun;
  if (fs::is_empty(path_, ec) && !ec) return State::kEmpty;
  return State::kOther;
}

Status RunDir::CreateForNewRun() const {
  switch (Inspect()) {
    case State::kRun:
      return Status::Usage(path_ + " already holds a run; pass --resume to finish it, or another --out");
    case State::kOther:
      return Status::Usage(path_ + " exists and is not a medcred run directory (nor empty): choose another --out");
    case State::kAbsent:
    case State::kEmpty:
      break;
  }
  std::error_code ec;
  fs::create_directories(path_, ec);
  if (ec) return Status::External(path_ + ": cannot create: " + ec.message());
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return Status::External(path_ + ": cannot set its mode to 0700: " + ec.message());
  return Status::OK();
}

Status RunDir::RequireRun() const {
  if (Inspect() != State::kRun) return Status::Usage(path_ + " is not a run directory (no run.json)");
  return Status::OK();
}

Result<RunManifest> RunDir::ReadManifest() const {
  MEDCRED_RETURN_IF_ERROR(RequireRun());
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(manifest_path()));
  auto j = ParseJson(text, manifest_path());
  if (!j.ok()) return Status::BadInput(manifest_path() + ": not a run.json");
  return RunManifest::FromJson(*j, manifest_path());
}

Status RunDir::WriteManifest(const RunManifest& manifest) const {
  return WriteFileAtomically(manifest_path(), SafeDump(manifest.ToJson(), 2) + "\n", 0600);
}

Status RunDir::WriteSummary(const SummaryFile& summary) const {
  return WriteFileAtomically(summary_path(), SafeDump(summary.ToJson(), 2) + "\n", 0600);
}

Status RunDir::WriteCredentials(const CredentialsFile& credentials) const {
  return WriteFileAtomically(credentials_path(), SafeDump(credentials.ToJson(), 2) + "\n", 0600);
}

Status RunDir::WriteReport(const std::string& html) const { return WriteFileAtomically(report_path(), html, 0600); }

Result<CredentialsFile> RunDir::ReadCredentials() const {
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(credentials_path()));
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, credentials_path()));
  return CredentialsFile::FromJson(j, credentials_path());
}

RunDir::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

Result<RunDir::Lock> RunDir::LockForWriting() const {
  const std::string path = path_ + "/.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::External(path + ": cannot open: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::Usage(path_ + " is being written by another medcred process; wait for it to finish");
    }
    return Status::External(path + ": cannot lock: " + std::strerror(err));
  }
  return Lock(fd);
}

Status RunDir::ForEachEpisode(const EpisodeFn& fn) const {
  return ScanLines(episodes_path(), [&](const std::string&, nlohmann::json& j, const EpisodeLocation& where) {
    MEDCRED_ASSIGN_OR_RETURN(EpisodeRecord record,
                             EpisodeRecord::FromJson(j, episodes_path() + ":" + std::to_string(where.line)));
    return fn(record, where);
  });
}

Status RunDir::ForEachEpisodeLine(
    const std::function<Status(const std::string& line, const std::string& case_id)>& fn) const {
  return ScanLines(episodes_path(), [&](const std::string& line, nlohmann::json& j, const EpisodeLocation&) {
    return fn(line, CaseIdOf(j));
  });
}

Status RunDir::ForEachRawEpisodeLine(
    const std::function<Status(std::string& line, const EpisodeLocation& where)>& fn) const {
  const std::string path = episodes_path();
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::OK();
  LineReader reader(path);
  if (!reader.ok()) return Status::External(path + ": cannot be read");
  std::string line;
  uint64_t offset = 0;
  bool complete = false;
  for (int64_t line_no = 1; reader.Next(&line, &offset, &complete); ++line_no) {
    if (!complete) break;  // what a killed run leaves: not an episode (see ScanLines)
    if (line.empty()) continue;
    MEDCRED_RETURN_IF_ERROR(fn(line, EpisodeLocation{line_no, offset, line.size()}));
  }
  return Status::OK();
}

Status RunDir::ForEachEpisodeKey(
    const std::function<Status(const std::string& case_id, int64_t epoch, const EpisodeLocation& where)>& fn) const {
  return ScanLines(episodes_path(), [&](const std::string&, nlohmann::json& j, const EpisodeLocation& where) {
    int64_t epoch = 1;
    auto it = j.find("epoch");
    if (it != j.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<int64_t>() < 1) {
        return Status::BadInput(episodes_path() + ":" + std::to_string(where.line) + ": field `epoch` is not >= 1");
      }
      epoch = it->get<int64_t>();
    }
    return fn(CaseIdOf(j), epoch, where);
  });
}

Result<std::string> RunDir::ReadEpisodeLineAt(const EpisodeLocation& where) const {
  std::ifstream in(episodes_path(), std::ios::binary);
  if (!in) return Status::External(episodes_path() + ": cannot be read");
  std::string line(where.length, '\0');
  in.seekg(static_cast<std::streamoff>(where.offset));
  in.read(line.data(), static_cast<std::streamsize>(where.length));
  const std::string at = episodes_path() + ":" + std::to_string(where.line);
  if (static_cast<uint64_t>(in.gcount()) != where.length) return Status::BadInput(at + ": cut short");
  return line;
}

Result<EpisodeRecord> RunDir::ReadEpisodeAt(const EpisodeLocation& where) const {
  MEDCRED_ASSIGN_OR_RETURN(std::string line, ReadEpisodeLineAt(where));
  const std::string at = episodes_path() + ":" + std::to_string(where.line);
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(line, at));
  return EpisodeRecord::FromJson(j, at);
}

Status RunDir::CutPartialLastLine() const {
  uint64_t good = 0;
  MEDCRED_RETURN_IF_ERROR(
      ScanLines(episodes_path(), [&](const std::string&, nlohmann::json&, const EpisodeLocation& w) {
        good = w.offset + w.length + 1;
        return Status::OK();
      }));
  std::error_code ec;
  if (!fs::exists(episodes_path(), ec)) return Status::OK();
  if (fs::file_size(episodes_path(), ec) > good) fs::resize_file(episodes_path(), good, ec);
  if (ec) return Status::External(episodes_path() + ": cannot cut the partial last line: " + ec.message());
  return Status::OK();
}

Status RunDir::RewriteEpisodes(
    const std::function<Result<bool>(EpisodeRecord& record, const EpisodeLocation& where)>& fn) const {
  MEDCRED_ASSIGN_OR_RETURN(AtomicFile out, AtomicFile::Create(episodes_path(), 0600));
  bool changed_any = false;
  MEDCRED_RETURN_IF_ERROR(
      ScanLines(episodes_path(), [&](const std::string& line, nlohmann::json& j, const EpisodeLocation& where) {
        MEDCRED_ASSIGN_OR_RETURN(EpisodeRecord record,
                                 EpisodeRecord::FromJson(j, episodes_path() + ":" + std::to_string(where.line)));
        MEDCRED_ASSIGN_OR_RETURN(bool changed, fn(record, where));
        changed_any = changed_any || changed;
        if (!changed) return out.Append(line + "\n");
        record.format = kEpisodeFormat;  // rewritten records are of the current format
        return out.Append(SafeDump(record.ToJson()) + "\n");
      }));
  if (!changed_any) return Status::OK();  // the temporary file is removed
  return out.Commit();
}

RunDir::EpisodeWriter::~EpisodeWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status RunDir::EpisodeWriter::Append(const EpisodeRecord& record) {
  const std::string data = SafeDump(record.ToJson()) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::External(path_ + ": write failed: " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Result<std::unique_ptr<RunDir::EpisodeWriter>> RunDir::OpenEpisodeWriter() const {
  const std::string path = episodes_path();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Status::External(path + ": cannot open: " + std::strerror(errno));
  return std::unique_ptr<EpisodeWriter>(new EpisodeWriter(fd, path));
}

}  // namespace medcred

#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace medcred {

Result<AtomicFile> AtomicFile::Create(const std::string& path, unsigned mode) {
  std::string pattern = path + ".tmp.XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Status::External(path + ": cannot create a temporary file beside it: " + std::strerror(errno));
  const std::string tmp(name.data());
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::External(tmp + ": cannot set its mode: " + err);
  }
  return AtomicFile(fd, path, tmp);
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), tmp_(std::move(other.tmp_)) {
  other.fd_ = -1;
  other.tmp_.clear();
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

Status AtomicFile::Append(std::string_view data) {
  if (fd_ < 0) return Status::External(path_ + ": write after commit");
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::External(tmp_ + ": write failed: " + std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status AtomicFile::Commit() {
  if (fd_ < 0) return Status::External(path_ + ": committed twice");
  const int fd = fd_;
  fd_ = -1;
  if (::fsync(fd) != 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    return Status::External(tmp_ + ": fsync failed: " + err);
  }
  if (::close(fd) != 0) return Status::External(tmp_ + ": close failed: " + std::strerror(errno));
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    return Status::External(path_ + ": rename failed: " + std::strerror(errno));
  }
  tmp_.clear();
  const std::string dir = std::filesystem::path(path_).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

Status WriteFileAtomically(const std::string& path, const std::string& content, unsigned mode) {
  MEDCRED_ASSIGN_OR_RETURN(AtomicFile f, AtomicFile::Create(path, mode));
  MEDCRED_RETURN_IF_ERROR(f.Append(content));
  return f.Commit();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Usage(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace medcred

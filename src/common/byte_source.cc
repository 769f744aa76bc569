#include "common/byte_source.h"

#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "common/sha256.h"

namespace medcred {
namespace {

constexpr size_t kReadChunk = 1 << 20;

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, std::string path, Sha256* hasher) : fd_(fd), path_(std::move(path)), hasher_(hasher) {}
  ~FileSource() override { ::close(fd_); }

  Result<size_t> Read(char* dst, size_t n) override {
    for (;;) {
      ssize_t got = ::read(fd_, dst, n);
      if (got >= 0) {
        if (hasher_ != nullptr && got > 0) hasher_->Update(dst, static_cast<size_t>(got));
        return static_cast<size_t>(got);
      }
      if (errno == EINTR) continue;
      return Status::External(path_ + ": read failed: " + std::strerror(errno));
    }
  }

 private:
  int fd_;
  std::string path_;
  Sha256* hasher_;
};

class StringSource final : public ByteSource {
 public:
  StringSource(std::string data, size_t max_read) : data_(std::move(data)), max_read_(max_read) {}
  Result<size_t> Read(char* dst, size_t n) override {
    size_t k = std::min({n, max_read_, data_.size() - pos_});
    std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  size_t max_read_;
  size_t pos_ = 0;
};

// Shared by both gzip backends: owns the compressed input buffer.
class GzipBase : public ByteSource {
 protected:
  GzipBase(std::unique_ptr<ByteSource> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), in_(kReadChunk) {}

  // Reads more compressed bytes; sets in_eof_ at the end. Returns bytes read.
  Result<size_t> Refill() {
    auto got = raw_->Read(reinterpret_cast<char*>(in_.data()), in_.size());
    if (!got.ok()) return got.status();
    if (*got == 0) in_eof_ = true;
    return *got;
  }
  Status Truncated() const { return Status::BadInput(name_ + ": truncated gzip stream (the file ends mid-member)"); }
  Status Corrupt(const std::string& why) const {
    return Status::BadInput(name_ + ": corrupt gzip stream (" + why + ")");
  }

  std::unique_ptr<ByteSource> raw_;
  std::string name_;
  std::vector<unsigned char> in_;
  bool in_eof_ = false;
  bool done_ = false;
};

class IsalGzipSource final : public GzipBase {
 public:
  IsalGzipSource(std::unique_ptr<ByteSource> raw, std::string name) : GzipBase(std::move(raw), std::move(name)) {
    isal_inflate_init(&st_);
    st_.crc_flag = ISAL_GZIP;
  }

  Result<size_t> Read(char* dst, size_t n) override {
    if (done_ || n == 0) return size_t{0};
    n = std::min<size_t>(n, UINT32_MAX);
    st_.next_out = reinterpret_cast<uint8_t*>(dst);
    st_.avail_out = static_cast<uint32_t>(n);
    while (st_.avail_out == n) {
      if (st_.avail_in == 0 && !in_eof_) {
        auto got = Refill();
        if (!got.ok()) return got.status();
        st_.next_in = in_.data();
        st_.avail_in = static_cast<uint32_t>(*got);
      }
      if (st_.avail_in == 0 && in_eof_ && !member_started_) {
        if (members_ == 0) return Truncated();  // empty input: not a gzip stream
        done_ = true;
        break;
      }
      const uint32_t out_before = st_.avail_out;
      int ret = isal_inflate(&st_);
      member_started_ = true;
      if (ret == ISAL_DECOMP_OK && st_.block_state != ISAL_BLOCK_FINISH && st_.avail_in == 0 && in_eof_ &&
          st_.avail_out == out_before) {
        return Truncated();  // input exhausted, nothing more to emit, member unfinished
      }
      if (ret != ISAL_DECOMP_OK) {
        return Corrupt(ret == ISAL_INCORRECT_CHECKSUM ? "CRC mismatch" : "isal_inflate error " + std::to_string(ret));
      }
      if (st_.block_state == ISAL_BLOCK_FINISH) {
        // One member is complete; another may follow (concatenated gzip).
        ++members_;
        uint8_t* next_in = st_.next_in;
        uint32_t avail_in = st_.avail_in;
        uint8_t* next_out = st_.next_out;
        uint32_t avail_out = st_.avail_out;
        isal_inflate_reset(&st_);
        st_.crc_flag = ISAL_GZIP;
        st_.next_in = next_in;
        st_.avail_in = avail_in;
        st_.next_out = next_out;
        st_.avail_out = avail_out;
        member_started_ = false;
      }
    }
    return n - st_.avail_out;
  }

 private:
  inflate_state st_{};
  bool member_started_ = false;
  int members_ = 0;
};

class ZlibGzipSource final : public GzipBase {
 public:
  ZlibGzipSource(std::unique_ptr<ByteSource> raw, std::string name) : GzipBase(std::move(raw), std::move(name)) {
    std::memset(&zs_, 0, sizeof zs_);
    init_ok_ = inflateInit2(&zs_, 16 + MAX_WBITS) == Z_OK;
  }
  ~ZlibGzipSource() override {
    if (init_ok_) inflateEnd(&zs_);
  }

  Result<size_t> Read(char* dst, size_t n) override {
    if (!init_ok_) return Corrupt("zlib could not initialise");
    if (done_ || n == 0) return size_t{0};
    n = std::min<size_t>(n, UINT32_MAX);
    zs_.next_out = reinterpret_cast<Bytef*>(dst);
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out == n) {
      if (zs_.avail_in == 0 && !in_eof_) {
        auto got = Refill();
        if (!got.ok()) return got.status();
        zs_.next_in = in_.data();
        zs_.avail_in = static_cast<uInt>(*got);
      }
      if (zs_.avail_in == 0 && in_eof_ && !member_started_) {
        if (members_ == 0) return Truncated();  // empty input: not a gzip stream
        done_ = true;
        break;
      }
      const uInt out_before = zs_.avail_out;
      int ret = inflate(&zs_, Z_NO_FLUSH);
      member_started_ = true;
      if (ret != Z_STREAM_END && zs_.avail_in == 0 && in_eof_ && zs_.avail_out == out_before) {
        return Truncated();
      }
      if (ret == Z_STREAM_END) {
        ++members_;
        inflateReset(&zs_);
        member_started_ = false;
      } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        return Corrupt(zs_.msg != nullptr ? zs_.msg : "zlib error " + std::to_string(ret));
      }
    }
    return n - zs_.avail_out;
  }

 private:
  z_stream zs_;
  bool init_ok_ = false;
  bool member_started_ = false;
  int members_ = 0;
};

}  // namespace

const char* GzipBackendName(GzipBackend b) { return b == GzipBackend::kIsal ? "isa-l" : "zlib"; }

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path, Sha256* hasher) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::BadInput(path + ": file not found");
    return Status::External(path + ": cannot open: " + std::strerror(errno));
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteSource>(new FileSource(fd, path, hasher));
}

std::unique_ptr<ByteSource> NewGzipSource(std::unique_ptr<ByteSource> raw, std::string name, GzipBackend backend) {
  if (backend == GzipBackend::kZlib) {
    return std::make_unique<ZlibGzipSource>(std::move(raw), std::move(name));
  }
  return std::make_unique<IsalGzipSource>(std::move(raw), std::move(name));
}

Result<std::unique_ptr<ByteSource>> OpenDataFile(const std::string& path, Sha256* hasher, GzipBackend backend) {
  auto file = OpenFileSource(path, hasher);
  if (!file.ok()) return file.status();
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
    return NewGzipSource(std::move(file).value(), path, backend);
  }
  return file;
}

std::unique_ptr<ByteSource> NewStringSource(std::string data, size_t max_read) {
  return std::make_unique<StringSource>(std::move(data), std::max<size_t>(max_read, 1));
}

}  // namespace medcred

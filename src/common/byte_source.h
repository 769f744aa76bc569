// ByteSource: a pull stream of bytes, the bottom of the ingest pipeline.
//
// Implementations: a file (optionally feeding every byte read to a SHA-256 so
// checksums are verified in the same pass as the parse), a gzip decoder over
// another source (ISA-L's igzip or zlib; both handle multi-member streams and
// report truncation and corruption), and an in-memory string (tests, fuzzing).
//
// Thread safety: a ByteSource is used by one thread at a time.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"

namespace medcred {

class Sha256;

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `dst`; returns 0 only at the end of the stream.
  virtual Result<size_t> Read(char* dst, size_t n) = 0;
};

enum class GzipBackend { kIsal, kZlib };
const char* GzipBackendName(GzipBackend b);

// Opens `path` for reading. When `hasher` is non-null every byte read is fed to
// it; the caller keeps it alive for the life of the source.
Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path, Sha256* hasher);

// Decodes a gzip stream read from `raw`. `name` is used in error messages.
std::unique_ptr<ByteSource> NewGzipSource(std::unique_ptr<ByteSource> raw, std::string name, GzipBackend backend);

// Opens `path`, decoding gzip when the name ends in ".gz".
Result<std::unique_ptr<ByteSource>> OpenDataFile(const std::string& path, Sha256* hasher,
                                                 GzipBackend backend = GzipBackend::kIsal);

// Serves the bytes of `data`, in reads of at most `max_read` bytes (tests use a
// small value to exercise every buffer boundary).
std::unique_ptr<ByteSource> NewStringSource(std::string data, size_t max_read = SIZE_MAX);

}  // namespace medcred

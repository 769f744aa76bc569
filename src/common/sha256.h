// Sha256: incremental SHA-256 over OpenSSL's EVP interface.
//
// Used for source-file checksums, and later for suite, protocol and model
// hashes. Thread safety: one object per thread; distinct objects are
// independent.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace medcred {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t n);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  // Lower-case hex digest. The object cannot be updated afterwards.
  std::string HexDigest();

  // One-shot helper.
  static std::string Hex(std::string_view data);

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace medcred

// The public registry (docs/registry.md): a signed, append-only log of credential
// entries, with an RFC 6962 Merkle tree over it.
//
// A registry directory:
//   registry.json         {"format", "public_key", "created", "signature"}: whose log this is
//   entries/NNNNNNNNNN.json  entry i (10 digits), canonical JSON signed by the registry key;
//                         it carries its `index` and the SHA-256 of entry i-1 (`previous`)
//   heads/NNNNNNNNNN.json    the signed tree head after each append: {"size", "root", "timestamp",
//                         "public_key", "signature"}; every head is kept, so consistency between
//                         any two is checkable
//   tree-head.json        the latest head (the same bytes as the last of heads/)
//   registry.lock         flock(2) by writers
// Every file is canonical JSON (canonical_json.h), written atomically; an
// entry is signed over its canonical bytes without `signature`.
//
// Verification recomputes everything: canonical form, every signature, that
// the signer is the registry's key (a foreign signature fails), indexes and the
// hash chain, each head's Merkle root (all prefix roots in one pass), that
// tree-head.json is the last head and covers every entry, and that nothing
// else is in the directory. A client that kept an old head checks the log
// grew from it with a consistency proof (ConsistencyProofJson).
//
// Thread safety: a Registry is a value; Append() takes an exclusive lock on
// the directory, so concurrent writers (threads or processes) serialize.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "registry/keys.h"
#include "registry/merkle.h"

namespace medcred {

inline constexpr size_t kMaxEntryBytes = 1 << 20;

struct SignedFile {
  std::string bytes;    // canonical
  nlohmann::json json;  // parsed
};

// A registry's parts, as read from a directory or fetched from a site.
struct RegistryParts {
  std::string where;  // the directory or URL, for messages
  SignedFile registry;
  std::vector<SignedFile> entries;
  std::vector<SignedFile> heads;  // one per size 0..n when complete; the site publishes only the latest
  SignedFile tree_head;
};

class Registry {
 public:
  // Creates an empty registry in `dir` (which must be absent or empty).
  static Status Init(const std::string& dir, const SigningKey& key);
  // Reads and verifies a registry directory.
  static Result<Registry> Open(const std::string& dir);
  // Verifies parts obtained elsewhere (a published site); with fewer heads
  // than entries + 1, only the latest head is checked.
  static Result<Registry> FromParts(RegistryParts parts);

  // Appends an entry: adds index, previous, issuer and issued_at to `body`,
  // signs it with `key` (which must be the registry's), writes it and a new
  // signed tree head. Locks the directory for the whole append.
  static Result<SignedFile> Append(const std::string& dir, nlohmann::json body, const SigningKey& key);

  const RegistryParts& parts() const { return parts_; }
  const std::vector<SignedFile>& entries() const { return parts_.entries; }
  const SignedFile& tree_head() const { return parts_.tree_head; }
  const std::string& public_key() const { return public_key_; }

  // {"index", "size", "leaf_hash", "root", "path": [hex...]} for entry `index`
  // against the latest tree head.
  Result<nlohmann::json> InclusionProofJson(uint64_t index) const;
  // {"old_size", "size", "root", "path": [hex...]}: the RFC 6962 proof that the
  // log of `old_size` entries is a prefix of the latest.
  Result<nlohmann::json> ConsistencyProofJson(uint64_t old_size) const;
  // Computes entry `index`'s inclusion proof and checks it against the signed
  // tree head's root, as a client holding only the head would.
  bool CheckInclusion(uint64_t index) const;
  // The Merkle root (hex) of the log's first `size` entries.
  std::string PrefixRootHex(uint64_t size) const;

 private:
  RegistryParts parts_;
  std::string public_key_;
  std::vector<Hash> leaves_;
};

// Verifies one entry's signature and key (for `medcred verify`).
Status VerifyEntrySignature(const nlohmann::json& entry, const std::string& registry_key, const std::string& what);

// Signs `body` (without `signature`) and returns the canonical signed bytes.
Result<SignedFile> SignObject(nlohmann::json body, const SigningKey& key);

}  // namespace medcred

// The RFC 6962 (Certificate Transparency) Merkle tree over the registry's
// entries: leaf hash SHA-256(0x00 || entry bytes), interior node
// SHA-256(0x01 || left || right), the tree of n leaves split at the largest
// power of two below n. Audit (inclusion) paths and consistency proofs as RFC
// 6962 section 2.1, checked with the algorithms of RFC 9162 section 2.1.3.2
// and 2.1.4.2. Hashes are 32 raw bytes in std::string; Hex() for display.
//
// Written by hand: no Debian library offers an RFC 6962 tree, and it is 100
// lines against a published test vector.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace medcred {

using Hash = std::string;  // 32 raw bytes

Hash LeafHash(const std::string& leaf);
Hash NodeHash(const Hash& left, const Hash& right);

// The Merkle tree hash of leaf hashes [0, n); the empty tree is SHA-256("").
Hash MerkleRoot(const std::vector<Hash>& leaf_hashes);

// The roots of every prefix: element k is MerkleRoot of leaves [0, k), for k
// = 0..n, computed in one pass over a stack of perfect subtrees.
std::vector<Hash> PrefixRoots(const std::vector<Hash>& leaf_hashes);

// The audit path of leaf `index` in the tree of the first `size` leaves.
std::vector<Hash> InclusionProof(const std::vector<Hash>& leaf_hashes, uint64_t index, uint64_t size);
bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size, const std::vector<Hash>& proof,
                     const Hash& root);

// The consistency proof between the trees of the first `old_size` and
// `new_size` leaves (0 < old_size <= new_size).
std::vector<Hash> ConsistencyProof(const std::vector<Hash>& leaf_hashes, uint64_t old_size, uint64_t new_size);
bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                       const std::vector<Hash>& proof);

std::string Hex(const std::string& bytes);
bool FromHex(const std::string& hex, std::string* bytes);

}  // namespace medcred

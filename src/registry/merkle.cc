#include "registry/merkle.h"

#include <openssl/sha.h>

namespace medcred {
namespace {

Hash Sha(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return Hash(reinterpret_cast<const char*>(md), SHA256_DIGEST_LENGTH);
}

// The largest power of two smaller than n (n > 1).
uint64_t Split(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash Root(const std::vector<Hash>& l, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 0) return Sha("");
  if (n == 1) return l[begin];
  const uint64_t k = Split(n);
  return NodeHash(Root(l, begin, begin + k), Root(l, begin + k, end));
}

void Path(const std::vector<Hash>& l, uint64_t m, uint64_t begin, uint64_t end, std::vector<Hash>& out) {
  const uint64_t n = end - begin;
  if (n <= 1) return;
  const uint64_t k = Split(n);
  if (m < k) {
    Path(l, m, begin, begin + k, out);
    out.push_back(Root(l, begin + k, end));
  } else {
    Path(l, m - k, begin + k, end, out);
    out.push_back(Root(l, begin, begin + k));
  }
}

void SubProof(const std::vector<Hash>& l, uint64_t m, uint64_t begin, uint64_t end, bool whole,
              std::vector<Hash>& out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out.push_back(Root(l, begin, end));
    return;
  }
  const uint64_t k = Split(n);
  if (m <= k) {
    SubProof(l, m, begin, begin + k, whole, out);
    out.push_back(Root(l, begin + k, end));
  } else {
    SubProof(l, m - k, begin + k, end, false, out);
    out.push_back(Root(l, begin, begin + k));
  }
}

}  // namespace

Hash LeafHash(const std::string& leaf) { return Sha(std::string(1, '\0') + leaf); }
Hash NodeHash(const Hash& left, const Hash& right) { return Sha(std::string(1, '\1') + left + right); }

Hash MerkleRoot(const std::vector<Hash>& leaf_hashes) { return Root(leaf_hashes, 0, leaf_hashes.size()); }

std::vector<Hash> PrefixRoots(const std::vector<Hash>& leaf_hashes) {
  std::vector<Hash> roots = {MerkleRoot({})};
  std::vector<std::pair<Hash, int>> stack;  // perfect subtrees, left to right, with their heights
  for (const Hash& leaf : leaf_hashes) {
    stack.emplace_back(leaf, 0);
    while (stack.size() >= 2 && stack[stack.size() - 2].second == stack.back().second) {
      Hash right = std::move(stack.back().first);
      const int height = stack.back().second;
      stack.pop_back();
      stack.back().first = NodeHash(stack.back().first, right);
      stack.back().second = height + 1;
    }
    // RFC 6962's split makes the root the right-to-left fold of the perfect subtrees.
    Hash root = stack.back().first;
    for (size_t j = stack.size() - 1; j-- > 0;) root = NodeHash(stack[j].first, root);
    roots.push_back(std::move(root));
  }
  return roots;
}

std::vector<Hash> InclusionProof(const std::vector<Hash>& leaf_hashes, uint64_t index, uint64_t size) {
  std::vector<Hash> out;
  if (size > leaf_hashes.size() || index >= size) return out;
  Path(leaf_hashes, index, 0, size, out);
  return out;
}

bool VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size, const std::vector<Hash>& proof,
                     const Hash& root) {
  if (index >= size) return false;
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

std::vector<Hash> ConsistencyProof(const std::vector<Hash>& leaf_hashes, uint64_t old_size, uint64_t new_size) {
  std::vector<Hash> out;
  if (old_size == 0 || old_size > new_size || new_size > leaf_hashes.size()) return out;
  SubProof(leaf_hashes, old_size, 0, new_size, true, out);
  return out;
}

bool VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                       const std::vector<Hash>& proof) {
  if (old_size == 0 || old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;
  std::vector<Hash> path = proof;
  if ((old_size & (old_size - 1)) == 0) path.insert(path.begin(), old_root);
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

std::string Hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

bool FromHex(const std::string& hex, std::string* bytes) {
  if (hex.size() % 2) return false;
  bytes->clear();
  auto v = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int a = v(hex[i]), b = v(hex[i + 1]);
    if (a < 0 || b < 0) return false;
    bytes->push_back(static_cast<char>(a * 16 + b));
  }
  return true;
}

}  // namespace medcred

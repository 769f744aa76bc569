#include "registry/merkle.h"

#include <gtest/gtest.h>

namespace medcred {
namespace {

// The leaves of the RFC 6962 test data used by Certificate Transparency's own tests.
std::vector<std::string> CtLeaves() {
  return {"",
          std::string("\x00", 1),
          "\x10",
          "\x20\x21",
          "\x30\x31",
          "\x40\x41\x42\x43",
          "\x50\x51\x52\x53\x54\x55\x56\x57",
          "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
}

std::vector<Hash> Leaves(size_t n) {
  std::vector<Hash> out;
  const auto ct = CtLeaves();
  for (size_t i = 0; i < n; ++i) out.push_back(LeafHash(i < ct.size() ? ct[i] : "leaf " + std::to_string(i)));
  return out;
}

TEST(Merkle, MatchesTheCertificateTransparencyTestVectors) {
  EXPECT_EQ(Hex(MerkleRoot({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::vector<std::string> roots = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                                          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                                          "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                                          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                                          "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                                          "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                                          "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                                          "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  for (size_t n = 1; n <= 8; ++n) EXPECT_EQ(Hex(MerkleRoot(Leaves(n))), roots[n - 1]) << n << " leaves";
}

TEST(Merkle, PrefixRootsAreTheRootsOfEveryPrefix) {
  const auto leaves = Leaves(70);
  const auto roots = PrefixRoots(leaves);
  ASSERT_EQ(roots.size(), 71u);
  for (size_t k = 0; k <= leaves.size(); ++k) {
    EXPECT_EQ(roots[k], MerkleRoot(std::vector<Hash>(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(k))))
        << k;
  }
}

TEST(Merkle, EveryInclusionProofVerifiesAndNoTamperedOneDoes) {
  const auto leaves = Leaves(40);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    const std::vector<Hash> first(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n));
    const Hash root = MerkleRoot(first);
    for (uint64_t i = 0; i < n; ++i) {
      auto proof = InclusionProof(leaves, i, n);
      ASSERT_TRUE(VerifyInclusion(leaves[i], i, n, proof, root)) << i << " of " << n;
      EXPECT_FALSE(VerifyInclusion(leaves[(i + 1) % 40], i, n, proof, root)) << i << " of " << n;
      if ((i ^ 1) < n) {
        EXPECT_FALSE(VerifyInclusion(leaves[i], i ^ 1, n, proof, root)) << i << " of " << n;
      }
      if (!proof.empty()) {
        proof[0][0] = static_cast<char>(proof[0][0] ^ 1);
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, n, proof, root)) << i << " of " << n;
      }
    }
    EXPECT_FALSE(VerifyInclusion(leaves[0], n, n, {}, root));
  }
}

TEST(Merkle, EveryConsistencyProofVerifiesAndNoTamperedOneDoes) {
  const auto leaves = Leaves(40);
  auto root = [&](uint64_t n) {
    return MerkleRoot(std::vector<Hash>(leaves.begin(), leaves.begin() + static_cast<std::ptrdiff_t>(n)));
  };
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      auto proof = ConsistencyProof(leaves, m, n);
      ASSERT_TRUE(VerifyConsistency(m, n, root(m), root(n), proof)) << m << " -> " << n;
      if (m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, root(m), root(n - 1), proof)) << m << " -> " << n;
        EXPECT_FALSE(VerifyConsistency(m, n, LeafHash("other"), root(n), proof)) << m << " -> " << n;
        proof.back()[3] = static_cast<char>(proof.back()[3] ^ 0x40);
        EXPECT_FALSE(VerifyConsistency(m, n, root(m), root(n), proof)) << m << " -> " << n;
      }
    }
  }
  // RFC 6962's worked example: the proof from 3 to 7 leaves has 4 hashes.
  EXPECT_EQ(ConsistencyProof(leaves, 3, 7).size(), 4u);
  EXPECT_EQ(ConsistencyProof(leaves, 4, 7).size(), 1u);
  EXPECT_EQ(ConsistencyProof(leaves, 6, 7).size(), 3u);
}

}  // namespace
}  // namespace medcred

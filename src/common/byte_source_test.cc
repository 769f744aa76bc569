#include "common/byte_source.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "common/sha256.h"

namespace medcred {
namespace {

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Result<std::string> Drain(ByteSource* src, size_t chunk) {
  std::string out, buf(chunk, '\0');
  for (;;) {
    auto got = src->Read(buf.data(), buf.size());
    if (!got.ok()) return got.status();
    if (*got == 0) return out;
    out.append(buf.data(), *got);
  }
}

std::string Payload() {
  std::string s;
  for (int i = 0; i < 200000; ++i) s += std::to_string(i * 7919 % 100003) + ",row\n";
  return s;
}

class GzipTest : public ::testing::TestWithParam<GzipBackend> {};

TEST_P(GzipTest, RoundTrips) {
  const std::string data = Payload();
  for (size_t chunk : {size_t{1} << 10, size_t{1} << 20}) {
    auto src = NewGzipSource(NewStringSource(Gzip(data), 4093), "x.gz", GetParam());
    auto out = Drain(src.get(), chunk);
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(*out, data);
  }
}

TEST_P(GzipTest, ReadsConcatenatedMembers) {
  auto src = NewGzipSource(NewStringSource(Gzip("first\n") + Gzip("second\n")), "x.gz", GetParam());
  auto out = Drain(src.get(), 3);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "first\nsecond\n");
}

TEST_P(GzipTest, TruncatedStreamIsBadInput) {
  std::string gz = Gzip(Payload());
  for (size_t cut : {gz.size() / 2, gz.size() - 4, size_t{5}}) {
    auto src = NewGzipSource(NewStringSource(gz.substr(0, cut)), "x.gz", GetParam());
    auto out = Drain(src.get(), 1 << 16);
    ASSERT_FALSE(out.ok()) << "cut at " << cut;
    EXPECT_EQ(out.status().kind(), Status::Kind::kBadInput);
    EXPECT_NE(out.status().message().find("x.gz: "), std::string::npos);
  }
}

TEST_P(GzipTest, CorruptStreamIsBadInput) {
  std::string gz = Gzip(Payload());
  gz[gz.size() / 2] ^= 0x5a;
  gz[gz.size() / 2 + 1] ^= 0x33;
  auto src = NewGzipSource(NewStringSource(gz), "x.gz", GetParam());
  auto out = Drain(src.get(), 1 << 16);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), Status::Kind::kBadInput);
}

TEST_P(GzipTest, EmptyInputIsNotAGzipStream) {
  auto src = NewGzipSource(NewStringSource(""), "x.gz", GetParam());
  EXPECT_FALSE(Drain(src.get(), 16).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, GzipTest, ::testing::Values(GzipBackend::kIsal, GzipBackend::kZlib),
                         [](const auto& p) {
                           return std::string(GzipBackendName(p.param)) == "zlib" ? std::string("zlib")
                                                                                  : std::string("isal");
                         });

TEST(Sha256, KnownVector) {
  EXPECT_EQ(Sha256::Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FileSource, MissingFileIsBadInputNamingThePath) {
  auto src = OpenFileSource("/nonexistent/dir/x.csv", nullptr);
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().kind(), Status::Kind::kBadInput);
  EXPECT_EQ(src.status().message(), "/nonexistent/dir/x.csv: file not found");
}

}  // namespace
}  // namespace medcred

#include "registry/canonical_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace medcred {
namespace {

TEST(CanonicalJson, SortedCompactFixedNumbersIdempotent) {
  nlohmann::json j = {{"b", 1.0}, {"a", {{"z", "é\n\x01"}, {"c", 0.5}}}, {"n", nullptr}, {"l", {3, 2.25, true}}};
  auto c = CanonicalJson(j);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "{\"a\":{\"c\":0.5,\"z\":\"é\\n\\u0001\"},\"b\":1,\"l\":[3,2.25,true],\"n\":null}");
  auto back = ParseCanonical(*c, "x");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*CanonicalJson(*back), *c);
  EXPECT_FALSE(ParseCanonical("{\"b\":1, \"a\":2}", "x").ok());  // whitespace
  EXPECT_FALSE(ParseCanonical("{\"b\":1,\"a\":2}", "x").ok());   // key order
  EXPECT_FALSE(ParseCanonical("{\"a\":1.0}", "x").ok());         // number spelling
  EXPECT_FALSE(ParseCanonical("{\"a\":", "x").ok());
  EXPECT_FALSE(CanonicalJson(nlohmann::json(std::nan(""))).ok());
  EXPECT_FALSE(ParseCanonical(std::string(2 << 20, ' '), "big").ok());
  EXPECT_EQ(RoundForEntry(0.12345678), 0.123457);
}

}  // namespace
}  // namespace medcred

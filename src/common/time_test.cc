#include "common/time.h"

#include <gtest/gtest.h>

namespace medcred {
namespace {

TEST(Time, ParsesMimicFormats) {
  EXPECT_EQ(ParseTimestamp("1970-01-01"), 0);
  EXPECT_EQ(ParseTimestamp("1970-01-02 00:00:01"), 86401);
  EXPECT_EQ(ParseTimestamp("2000-03-01 12:30"), 951913800);
  EXPECT_EQ(ParseTimestamp("2000-03-01T12:30:00.250"), 951913800);
}

TEST(Time, RoundTripsShiftedDates) {
  for (const char* s : {"2196-02-24 14:38:00", "2110-04-11 15:09:36", "2204-02-29 23:59:59"}) {
    auto t = ParseTimestamp(s);
    ASSERT_TRUE(t.has_value()) << s;
    EXPECT_EQ(FormatTimestamp(*t), s);
  }
}

TEST(Time, RejectsMalformed) {
  for (const char* s : {"", "2196-02-30", "2195-02-29", "2196-13-01", "2196-02-24 25:00:00",
                        "2196-02-24 14:38:", "21960224", "2196-02-24x14:38:00", "abc"}) {
    EXPECT_FALSE(ParseTimestamp(s).has_value()) << s;
  }
}

}  // namespace
}  // namespace medcred

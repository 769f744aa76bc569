#include "models/exec_model.h"

#include <gtest/gtest.h>

namespace medcred {
namespace {

TEST(ParseAgentReply, AcceptsBothShapesOfToolCall) {
  auto r = ParseAgentReply(
      R"({"tool_calls":[{"id":"a","function":{"name":"order_ecg","arguments":"{}"}},{"name":"get_history"}]})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tool_calls.size(), 2u);
  EXPECT_EQ(r->tool_calls[0].name, "order_ecg");
  EXPECT_EQ(r->tool_calls[1].name, "get_history");
  EXPECT_EQ(r->tool_calls[1].id, "call_1");
  EXPECT_FALSE(ParseAgentReply("[1,2]").ok());
  EXPECT_FALSE(ParseAgentReply("").ok());
}

}  // namespace
}  // namespace medcred

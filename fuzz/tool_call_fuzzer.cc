// libFuzzer target: the tool-call parser (environment/protocol.h), fed what a
// model could send. Input: a tool name, a newline, then the arguments text.
// Any input must give a ToolCall or a BadInput status: no crash, no leak, no
// exception, and a parsed call must satisfy the protocol's bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "environment/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string_view name = input.substr(0, nl == std::string_view::npos ? input.size() : nl);
  const std::string_view args = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  auto call = medcred::ParseToolCall(name, args);
  if (call.ok()) {
    if (call->tests.size() > 20 || call->differential.size() > 10) std::abort();
    if (call->confidence && (*call->confidence < 0 || *call->confidence > 1)) std::abort();
    for (const auto& t : call->tests) {
      if (t.empty() || t.size() > 200) std::abort();
    }
    (void)call->ToJson().dump();
  } else if (call.status().kind() != medcred::Status::Kind::kBadInput) {
    std::abort();
  }
  return 0;
}

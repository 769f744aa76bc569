// libFuzzer target: the parser of a model endpoint's reply (models/openai_model.h),
// fed arbitrary response bodies. It must return a reply or BadInput, never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "models/openai_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  auto reply = medcred::ParseChatCompletion(body);
  if (!reply.ok() && reply.status().kind() != medcred::Status::Kind::kBadInput) std::abort();
  return 0;
}

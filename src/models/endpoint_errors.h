// What an OpenAI-compatible server's error answer means to medcred
// (docs/models.md#when-the-server-refuses), read from its status and body.
//
//   kToolsUnsupported  vLLM 400 "auto" tool choice requires --enable-auto-tool-choice ...;
//                      llama.cpp 500 "tools param requires --jinja flag" (and tool_choice);
//                      Ollama 400 "... does not support tools"
//   kContextFull       vLLM/SGLang 400 "maximum context length ..." and "'max_tokens' ... is too large";
//                      llama.cpp 400 exceed_context_size_error / "exceeds the available context size";
//                      TGI 422 "`inputs` tokens + `max_new_tokens` must be <= N";
//                      LM Studio "Trying to keep the first N tokens ..." (also with HTTP 200)
//   kLoading           503 from llama.cpp "Loading model" (unavailable_error) or llama-swap "not ready"
//   kOther             anything else
//
// The fixtures under src/models/testdata/reply_formats/ are the bodies these
// servers send (with their sources).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace medcred {

enum class ErrorMeaning { kOther, kToolsUnsupported, kContextFull, kLoading };

struct EndpointError {
  ErrorMeaning meaning = ErrorMeaning::kOther;
  std::string message;         // the envelope's message, or the body's start
  int64_t context_window = 0;  // the window the message names, when it names one
};

// The message inside the error envelopes servers use ({"error": {"message"}},
// {"error": "..."}, {"object": "error", "message"}, llama-swap's), else the
// body; at most `max_chars`, on one line.
std::string ErrorMessage(std::string_view body, size_t max_chars = 500);

EndpointError ReadEndpointError(long status, std::string_view body);

}  // namespace medcred

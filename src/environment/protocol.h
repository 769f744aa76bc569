// The protocol (docs/methodology.md#the-episode): the system prompt, tool schemas and limits a model
// works under, read from data/protocol-v2.json (v1 still loads) and hashed;
// and the parser that turns a model's tool call (name + JSON arguments) into
// a checked ToolCall.
//
// v2 adds text mode (docs/models.md#text-mode), for servers that do not take
// tool calls: the tools described in the system prompt, calls written as
// text, the results of one reply sent back as one user message; and the
// notice sent when a reply was cut off inside a call. Native tool calling is
// the same as in v1. v1 has no text mode.
//
// A malformed call is not a crash and not a silent fix: ParseToolCall returns
// BadInput with one sentence the runner sends back to the model, and the
// episode counts a protocol error.
//
// Thread safety: Protocol is immutable after Load(); ParseToolCall is a pure
// function.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace medcred {

struct ProtocolLimits {
  int max_turns = 20;
  int max_tool_calls = 40;
  int call_timeout_seconds = 120;
  int max_output_tokens = 4000;
  int reminders = 1;
  int max_tests_per_order = 20;
};

class Protocol {
 public:
  static Result<Protocol> Load(const std::string& file_name = "protocol-v2.json");

  const std::string& version() const { return version_; }
  const std::string& sha256() const { return sha256_; }
  const std::string& system_prompt() const { return system_prompt_; }
  const std::string& reminder() const { return reminder_; }
  // Sent after a reply cut off inside a call (v1: the reminder).
  const std::string& truncated_notice() const { return truncated_; }
  const nlohmann::json& tools() const { return tools_; }  // OpenAI "tools" array
  const ProtocolLimits& limits() const { return limits_; }

  // Text mode: false for v1.
  bool has_text_mode() const { return !text_system_prompt_.empty(); }
  // The system prompt with the tools described, and the results of one reply
  // as one user message ((tool name, result text) each).
  const std::string& text_system_prompt() const { return text_system_prompt_; }
  std::string TextResults(const std::vector<std::pair<std::string, std::string>>& results) const;

 private:
  std::string version_, sha256_, system_prompt_, reminder_, truncated_;
  std::string text_system_prompt_, text_result_, text_separator_;
  nlohmann::json tools_;
  ProtocolLimits limits_;
};

enum class ToolName {
  kGetHistory,
  kPhysicalExam,
  kOrderLabs,
  kOrderMicrobiology,
  kOrderImaging,
  kOrderEcg,
  kSubmitDiagnosis
};

const char* ToolNameString(ToolName name);

struct ToolCall {
  ToolName name = ToolName::kGetHistory;
  std::vector<std::string> tests;  // order_labs, order_microbiology
  std::string modality, region;    // order_imaging
  std::string diagnosis;           // submit_diagnosis
  std::optional<std::string> icd10;
  std::vector<std::string> differential;
  std::optional<double> confidence;
  nlohmann::json ToJson() const;
};

// Parses a tool call. `arguments` is the JSON text the model sent (empty means
// {}). Errors are BadInput, addressed to the model ("order_labs: 'tests' must
// be a list of 1 to 20 test names").
Result<ToolCall> ParseToolCall(std::string_view name, std::string_view arguments, int max_tests = 20);

}  // namespace medcred

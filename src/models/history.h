// What medcred sends back of a model's reply (docs/models.md#what-medcred-sends-back).
//
// The next request carries the conversation so far, and servers check it:
// Ollama (400 "invalid tool call arguments"), llama.cpp (500) and vLLM 0.6
// (400) refuse arguments that are not JSON, LM Studio refuses an empty id,
// vLLM's Mistral tokenizer refuses an id that is not 9 letters and digits.
// So the assistant message sent back holds what medcred understood, not what
// the model wrote: each call's arguments as a JSON object (the parsed one, or
// {} when they were empty or not JSON), and an id of 9 letters and digits,
// unique within the conversation (the model's own when it already is one).
// The reply as it came is kept beside it in the record (ChatMessage::reply).
//
// In text mode the model's calls are text: its reply goes back as text
// (reasoning taken out), without tool calls.
//
// Thread safety: a ToolCallIds belongs to one conversation.
#pragma once

#include <set>
#include <string>

#include "models/model.h"

namespace medcred {

// The ids of one conversation.
class ToolCallIds {
 public:
  // `proposed` when it is 9 letters and digits and not used yet, else a new one.
  std::string Assign(const std::string& proposed);

 private:
  std::set<std::string> used_;
  int next_ = 0;
};

// True for exactly 9 ASCII letters and digits (the rule every server accepts).
bool IsPortableToolCallId(const std::string& id);

// A call's arguments as sent back: a compact JSON object.
std::string ArgumentsForHistory(const std::string& arguments);

// The assistant message for `reply` (its `reply` field set to the reply).
ChatMessage AssistantForHistory(const ModelReply& reply, bool text_mode, ToolCallIds* ids);

}  // namespace medcred

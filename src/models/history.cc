#include "models/history.h"

#include <cctype>
#include <cstdio>

#include "common/json_util.h"

namespace medcred {

bool IsPortableToolCallId(const std::string& id) {
  if (id.size() != 9) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string ToolCallIds::Assign(const std::string& proposed) {
  if (IsPortableToolCallId(proposed) && used_.insert(proposed).second) return proposed;
  for (;;) {
    char id[16];
    std::snprintf(id, sizeof id, "call%05d", ++next_ % 100000);
    if (used_.insert(id).second) return id;
  }
}

std::string ArgumentsForHistory(const std::string& arguments) {
  auto j = ParseJson(arguments, "arguments");
  if (!j.ok() || !j->is_object()) return "{}";
  return SafeDump(*j);
}

ChatMessage AssistantForHistory(const ModelReply& reply, bool text_mode, ToolCallIds* ids) {
  ChatMessage m = ChatMessage::Assistant(ModelReply(reply.history_content.value_or(reply.content), {}));
  if (!text_mode) {
    for (const ModelToolCall& c : reply.tool_calls) {
      // A server refuses a call without a name ("Missing tool call name"); the environment's answer names it.
      const std::string name = c.name.empty() ? "unnamed" : c.name.substr(0, 64);
      m.tool_calls.push_back({ids->Assign(c.id), name, ArgumentsForHistory(c.arguments)});
    }
  }
  m.reply = reply;
  return m;
}

}  // namespace medcred

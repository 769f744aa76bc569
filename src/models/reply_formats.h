// Tool calls written as text: the reply formats of local models, read from a
// reply's content (docs/models.md#tool-calls-written-as-text).
//
// Servers return a model's tool calls as plain text when their tool parser is
// off, misses, or does not know the model's format, and medcred's text mode
// asks for them as text. Each format is one entry of a table (ReplyFormats()):
// its name, a reader, and the fixture under src/models/testdata/reply_formats/
// that shows the shape with the source it was taken from. ReadTextToolCalls
// first sets reasoning apart (<think>...</think>, also when the opening tag was
// in the prompt), then asks the readers in table order; the first that finds
// its format reads the calls. The formats:
//
//   harmony           gpt-oss: <|channel|>commentary to=functions.NAME ...<|message|>{json}
//   deepseek
//   <｜tool▁call▁begin｜>[function<｜tool▁sep｜>NAME\n```json\n{..}\n```|NAME<｜tool▁sep｜>{..}]<｜tool▁call▁end｜>
//   mistral           [TOOL_CALLS]NAME[CALL_ID]id[ARGS]{json} (v11+) and [TOOL_CALLS][{"name",..}] (older)
//   lmstudio          [TOOL_REQUEST]{json}[END_TOOL_REQUEST]
//   granite           <|tool_call|>[{"name", "arguments"}, ...]
//   qwen3_xml         <tool_call><function=NAME><parameter=ARG>value</parameter></function></tool_call>
//   hermes            <tool_call>{"name", "arguments"}</tool_call>, several per reply
//   pythonic          [f(a=1, b=["x"]), g()] (optionally <|python_start|>...<|python_end|>)
//   llama3_json       <|python_tag|>{"name", "parameters"}; {...}
//   llamacpp_generic  {"tool_call": {...}} or {"tool_calls": [...]}
//   json_action       medcred's own {"tool": NAME, "arguments": {...}} (or "name")
//
// Arguments always come out as a JSON object; every JSON text is parsed with
// a depth bound (common/json_util.h).
//
// Thread safety: pure functions over immutable tables.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace medcred {

struct TextToolCall {
  std::string name;
  nlohmann::json arguments = nlohmann::json::object();
  std::string id;  // when the format carries one (Mistral's [CALL_ID], Nemo's "id")
};

struct TextReply {
  std::string format;  // the format the calls were read in; "" when none was found
  std::vector<TextToolCall> calls;
  std::string reasoning;    // <think> blocks, harmony's analysis channel
  std::string content;      // the prose left when reasoning and calls are taken out
  bool unreadable = false;  // a call was begun but could not be read (cut off, or broken)
};

struct ReplyFormat {
  const char* name;
  const char* fixture;  // the example under src/models/testdata/reply_formats/
  const char* source;   // where the shape comes from
  // Reads `text` (reasoning already set apart); false when the format is not there.
  bool (*read)(std::string_view text, TextReply* out);
};

// The formats, in the order they are tried.
const std::vector<ReplyFormat>& ReplyFormats();

// The tool calls written in `content`.
TextReply ReadTextToolCalls(std::string_view content);

// `content` with its <think> blocks taken out and appended to `reasoning`.
std::string WithoutReasoning(std::string_view content, std::string* reasoning);

}  // namespace medcred

#include "models/endpoint_errors.h"

#include <regex>
#include <vector>

#include "common/json_util.h"

namespace medcred {
namespace {

bool Has(std::string_view text, std::string_view what) { return text.find(what) != std::string_view::npos; }

// The context window a message names ("maximum context length is 32768 tokens").
int64_t WindowIn(const std::string& message) {
  static const std::vector<std::regex> kPatterns = {
      std::regex(R"(maximum context length (?:is|of) (\d+))"),
      std::regex(R"(available context size \((\d+) tokens\))"),
      std::regex(R"("n_ctx":\s*(\d+))"),
      std::regex(R"(context length of only (\d+))"),
      std::regex(R"(`max_new_tokens` must be <= (\d+))"),
      std::regex(R"(model's context length \((\d+) tokens\))"),
      std::regex(R"(Reached context length of (\d+))"),
  };
  for (const std::regex& re : kPatterns) {
    std::smatch m;
    if (std::regex_search(message, m, re)) {
      try {
        return std::stoll(m[1].str());
      } catch (const std::exception&) {  // out of range: no usable number
        return 0;
      }
    }
  }
  return 0;
}

}  // namespace

std::string ErrorMessage(std::string_view body, size_t max_chars) {
  std::string message(body.substr(0, 64 * 1024));
  if (auto j = ParseJson(body, "error body"); j.ok() && j->is_object()) {
    const nlohmann::json& e = j->contains("error") ? (*j)["error"] : *j;
    if (e.is_string()) {
      message = e.get<std::string>();
    } else if (e.is_object() && e.contains("message") && e["message"].is_string()) {
      message = e["message"].get<std::string>();
    }
  }
  for (char& c : message) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  while (!message.empty() && message.back() == ' ') message.pop_back();
  if (message.size() > max_chars) message = message.substr(0, max_chars) + "...";
  return message;
}

EndpointError ReadEndpointError(long status, std::string_view body) {
  EndpointError e;
  e.message = ErrorMessage(body);
  const std::string full = ErrorMessage(body, 4096);
  if (Has(full, "tool choice requires --enable-auto-tool-choice") || Has(full, "tools param requires --jinja") ||
      Has(full, "tool_choice param requires --jinja") || Has(full, "does not support tools") ||
      Has(full, "Unsupported param: tools")) {
    e.meaning = ErrorMeaning::kToolsUnsupported;
  } else if (Has(full, "maximum context length") || Has(full, "exceeds the available context size") ||
             Has(body, "exceed_context_size_error") || Has(full, "is longer than the model's context length") ||
             Has(full, "`max_new_tokens` must be <=") || Has(full, "`inputs` must have less than") ||
             Has(full, "Trying to keep the first") || Has(full, "Reached context length of") ||
             (Has(full, "'max_tokens'") && Has(full, "is too large"))) {
    e.meaning = ErrorMeaning::kContextFull;
    e.context_window = WindowIn(std::string(body.substr(0, 64 * 1024)));
    if (e.context_window == 0) e.context_window = WindowIn(full);
  } else if (status == 503 && (Has(full, "Loading model") || Has(body, "unavailable_error") ||
                               Has(full, "is not ready") || Has(full, "loading"))) {
    e.meaning = ErrorMeaning::kLoading;
  }
  return e;
}

}  // namespace medcred

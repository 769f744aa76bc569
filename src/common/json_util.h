// Reading JSON that comes from outside the process (run directories, model and
// agent replies, registries) without exceptions and without trusting its shape.
//
// ParseJson() refuses text nested deeper than a bound before parsing it
// (nlohmann's parser is iterative, but dumping, comparing and copying a value
// recurse: 100,000 levels crash the process). JsonFields reads the fields of one
// object and keeps the first error, naming the field ("run.json: field `model`
// is missing or not text"), so a reader checks once at the end.
//
// Thread safety: pure functions; a JsonFields object belongs to one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace medcred {

// The deepest nesting of arrays and objects accepted from outside.
inline constexpr int kMaxJsonDepth = 64;

// The nesting depth of JSON text (arrays and objects outside strings), or
// max_depth + 1 as soon as it is exceeded.
int JsonDepth(std::string_view text, int max_depth = kMaxJsonDepth);

// Follows a JSON text one character at a time, telling its structural brackets
// from those inside strings (escapes included): Step() returns +1 for an
// opening bracket, -1 for a closing one, 0 for anything else. JsonDepth and
// the reply reader's bracket matching share it.
class JsonBrackets {
 public:
  int Step(char c) {
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      return 0;
    }
    if (c == '"') in_string_ = true;
    if (c == '{' || c == '[') return 1;
    if (c == '}' || c == ']') return -1;
    return 0;
  }

 private:
  bool in_string_ = false, escaped_ = false;
};

// Parses `text`; BadInput naming `where` when it is not JSON or nests deeper
// than `max_depth`.
Result<nlohmann::json> ParseJson(std::string_view text, const std::string& where, int max_depth = kMaxJsonDepth);

// A json dump that never throws: invalid UTF-8 is replaced by U+FFFD.
std::string SafeDump(const nlohmann::json& j, int indent = -1);

class JsonFields {
 public:
  // `where` names the object in messages ("episodes.jsonl:12").
  JsonFields(const nlohmann::json& j, std::string where);

  bool Has(const char* key) const;
  // Required fields: absent or of another type records an error.
  std::string Str(const char* key);
  double Num(const char* key);
  int64_t Int(const char* key);
  bool Bool(const char* key);
  std::vector<std::string> Strs(const char* key);
  const nlohmann::json& Obj(const char* key);  // an object, else an error and an empty object
  const nlohmann::json& Arr(const char* key);  // an array, else an error and an empty array
  // Optional fields: absent or null gives the default; another type is an error.
  std::string StrOr(const char* key, const std::string& fallback);
  std::optional<std::string> OptStr(const char* key);
  double NumOr(const char* key, double fallback);
  std::optional<double> OptNum(const char* key);
  int64_t IntOr(const char* key, int64_t fallback);
  bool BoolOr(const char* key, bool fallback);
  std::vector<std::string> StrsOr(const char* key);
  const nlohmann::json& ObjOr(const char* key);  // absent: an empty object
  const nlohmann::json& ArrOr(const char* key);  // absent: an empty array

  // The first error met, as BadInput; OK when every read matched.
  Status status() const { return status_; }
  const std::string& where() const { return where_; }
  // Records an error of the caller's own ("field `x` ...").
  void Fail(const std::string& what);

 private:
  const nlohmann::json* Find(const char* key) const;
  void Wrong(const char* key, const char* want);

  const nlohmann::json& j_;
  std::string where_;
  Status status_;
};

}  // namespace medcred

#include "common/json_util.h"

#include <algorithm>

namespace medcred {
namespace {

const nlohmann::json& EmptyObject() {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}

const nlohmann::json& EmptyArray() {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  return kEmpty;
}

}  // namespace

int JsonDepth(std::string_view text, int max_depth) {
  int depth = 0, deepest = 0;
  JsonBrackets brackets;
  for (const char c : text) {
    depth += brackets.Step(c);
    deepest = std::max(deepest, depth);
    if (deepest > max_depth) return max_depth + 1;
  }
  return deepest;
}

Result<nlohmann::json> ParseJson(std::string_view text, const std::string& where, int max_depth) {
  if (JsonDepth(text, max_depth) > max_depth) {
    return Status::BadInput(where + ": JSON nested deeper than " + std::to_string(max_depth) + " levels");
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::BadInput(where + ": not JSON");
  return j;
}

std::string SafeDump(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

JsonFields::JsonFields(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {
  if (!j_.is_object()) status_ = Status::BadInput(where_ + ": not a JSON object");
}

bool JsonFields::Has(const char* key) const { return Find(key) != nullptr; }

const nlohmann::json* JsonFields::Find(const char* key) const {
  if (!j_.is_object()) return nullptr;
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return nullptr;
  return &*it;
}

void JsonFields::Fail(const std::string& what) {
  if (status_.ok()) status_ = Status::BadInput(where_ + ": " + what);
}

void JsonFields::Wrong(const char* key, const char* want) {
  Fail(std::string("field `") + key + "` is missing or not " + want);
}

std::string JsonFields::Str(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || !v->is_string()) {
    Wrong(key, "text");
    return "";
  }
  return v->get<std::string>();
}

double JsonFields::Num(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || !v->is_number()) {
    Wrong(key, "a number");
    return 0;
  }
  return v->get<double>();
}

int64_t JsonFields::Int(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || !v->is_number_integer()) {
    Wrong(key, "a whole number");
    return 0;
  }
  return v->get<int64_t>();
}

bool JsonFields::Bool(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || !v->is_boolean()) {
    Wrong(key, "true or false");
    return false;
  }
  return v->get<bool>();
}

std::vector<std::string> JsonFields::Strs(const char* key) {
  const nlohmann::json* v = Find(key);
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) {
    Wrong(key, "a list of text");
    return out;
  }
  for (const auto& e : *v) {
    if (!e.is_string()) {
      Fail(std::string("field `") + key + "` holds something that is not text");
      return {};
    }
    out.push_back(e.get<std::string>());
  }
  return out;
}

const nlohmann::json& JsonFields::Obj(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || !v->is_object()) {
    Wrong(key, "an object");
    return EmptyObject();
  }
  return *v;
}

const nlohmann::json& JsonFields::Arr(const char* key) {
  const nlohmann::json* v = Find(key);
  if (v == nullptr || !v->is_array()) {
    Wrong(key, "a list");
    return EmptyArray();
  }
  return *v;
}

std::string JsonFields::StrOr(const char* key, const std::string& fallback) { return Has(key) ? Str(key) : fallback; }

std::optional<std::string> JsonFields::OptStr(const char* key) {
  if (!Has(key)) return std::nullopt;
  return Str(key);
}

double JsonFields::NumOr(const char* key, double fallback) { return Has(key) ? Num(key) : fallback; }

std::optional<double> JsonFields::OptNum(const char* key) {
  if (!Has(key)) return std::nullopt;
  return Num(key);
}

int64_t JsonFields::IntOr(const char* key, int64_t fallback) { return Has(key) ? Int(key) : fallback; }

bool JsonFields::BoolOr(const char* key, bool fallback) { return Has(key) ? Bool(key) : fallback; }

std::vector<std::string> JsonFields::StrsOr(const char* key) {
  return Has(key) ? Strs(key) : std::vector<std::string>{};
}

const nlohmann::json& JsonFields::ObjOr(const char* key) { return Has(key) ? Obj(key) : EmptyObject(); }

const nlohmann::json& JsonFields::ArrOr(const char* key) { return Has(key) ? Arr(key) : EmptyArray(); }

}  // namespace medcred

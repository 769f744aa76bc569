#include "registry/canonical_json.h"
#include "common/json_util.h"

#include <cmath>

namespace medcred {
namespace {

// Hand-written because nlohmann's dump() spells integral doubles "1.0" and has
// no canonical mode; everything else (escaping, shortest doubles) is its own.
Status Write(const nlohmann::json& v, std::string& out) {
  switch (v.type()) {
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {  // nlohmann's object is a std::map: sorted by key bytes
        if (!first) out += ',';
        first = false;
        out += nlohmann::json(k).dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
        out += ':';
        MEDCRED_RETURN_IF_ERROR(Write(e, out));
      }
      out += '}';
      return Status::OK();
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ',';
        MEDCRED_RETURN_IF_ERROR(Write(v[i], out));
      }
      out += ']';
      return Status::OK();
    }
    case nlohmann::json::value_t::number_float: {
      const double d = v.get<double>();
      if (!std::isfinite(d)) return Status::BadInput("a number in an entry is not finite");
      if (d == std::trunc(d) && std::fabs(d) < 9.007199254740992e15) {
        out += std::to_string(static_cast<int64_t>(d));
      } else {
        out += v.dump();
      }
      return Status::OK();
    }
    case nlohmann::json::value_t::string:
      try {
        out += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
      } catch (const nlohmann::json::exception&) {  // nlohmann reports invalid UTF-8 by exception
        return Status::BadInput("a string in an entry is not valid UTF-8");
      }
      return Status::OK();
    default:
      out += v.dump();
      return Status::OK();
  }
}

}  // namespace

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  std::string out;
  MEDCRED_RETURN_IF_ERROR(Write(value, out));
  return out;
}

Result<nlohmann::json> ParseCanonical(const std::string& bytes, const std::string& what, size_t max_bytes) {
  if (bytes.size() > max_bytes) {
    return Status::BadInput(what + ": " + std::to_string(bytes.size()) + " bytes, more than the " +
                            std::to_string(max_bytes) + " an entry may have");
  }
  auto parsed = ParseJson(bytes, what);
  if (!parsed.ok()) return Status::BadInput(what + ": not valid JSON (" + parsed.status().message() + ")");
  const nlohmann::json& j = *parsed;
  auto again = CanonicalJson(j);
  if (!again.ok()) return Status::BadInput(what + ": " + again.status().message());
  if (*again != bytes)
    return Status::BadInput(what + ": not in canonical form (keys sorted, no spaces, fixed numbers)");
  return j;
}

double RoundForEntry(double x) { return std::round(x * 1e6) / 1e6; }

}  // namespace medcred

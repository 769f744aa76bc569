// Canonical JSON (RFC 8785 style) for signed registry entries: object keys
// sorted by their UTF-8 bytes (for the ASCII keys medcred writes this is RFC
// 8785's UTF-16 order), no insignificant whitespace, strings as UTF-8 with only
// the escapes JSON requires (control characters as lower-case \u00xx), and
// numbers in one fixed form: integers (and doubles with an integral value) as
// integers, other doubles as the shortest text that reads back to the same
// double. Entries round their fractions to 6 decimal places before signing
// (RoundForEntry), so every number has one spelling.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace medcred {

// The canonical bytes of `value`; BadInput for NaN or infinity.
Result<std::string> CanonicalJson(const nlohmann::json& value);

// Parses `bytes` and checks they are canonical (re-serialising gives the same
// bytes); `what` names the file in errors. Entries larger than `max_bytes` are
// refused before parsing.
Result<nlohmann::json> ParseCanonical(const std::string& bytes, const std::string& what, size_t max_bytes = 1 << 20);

// x rounded to 6 decimal places (the only fractions an entry holds).
double RoundForEntry(double x);

}  // namespace medcred

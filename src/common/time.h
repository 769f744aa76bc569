// MIMIC timestamps as integer seconds.
//
// MIMIC-IV writes times as "YYYY-MM-DD HH:MM:SS" (dates shifted into the 2100s)
// and dates as "YYYY-MM-DD". The store keeps both as seconds since
// 1970-01-01 00:00:00 on a proleptic Gregorian calendar with no time zone, so
// windows are integer comparisons. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace medcred {

// Parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM" or "YYYY-MM-DD HH:MM:SS" (a 'T' may
// stand for the space; fractional seconds are accepted and dropped).
std::optional<int64_t> ParseTimestamp(std::string_view s);

// "YYYY-MM-DD HH:MM:SS".
std::string FormatTimestamp(int64_t seconds);

// The current UTC wall-clock time as ISO 8601 ("2026-11-24T10:00:00Z").
std::string NowIso8601Utc();

}  // namespace medcred

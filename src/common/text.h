// Small text helpers shared by the methodology readers and matchers (ASCII;
// MIMIC's dictionaries and the data files are ASCII).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace medcred {

std::string Lower(std::string_view s);
std::string Upper(std::string_view s);
std::string Trim(std::string_view s);  // white space at both ends
// Text for HTML: & < > " ' as character references.
std::string HtmlEscape(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix);

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) without NUL bytes.
bool IsCleanUtf8(std::string_view s);
// `s` with every byte sequence that is not UTF-8, and every NUL, replaced by
// U+FFFD; `replaced` (may be null) gets the number of replacements.
std::string RepairUtf8(std::string_view s, size_t* replaced = nullptr);

// A number as printf's %g writes it ("98.6", "2", "1e+06"); FormatFixed with
// `decimals` digits after the point.
std::string FormatNumber(double v);
std::string FormatFixed(double v, int decimals);

// Lower case; letters, digits and the characters in `keep` kept; every other
// run of characters a single space; trimmed. "INR(PT)" -> "inr pt".
std::string NormalizeWords(std::string_view text, std::string_view keep = "");

}  // namespace medcred

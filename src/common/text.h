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

// A number as printf's %g writes it ("98.6", "2", "1e+06"); FormatFixed with
// `decimals` digits after the point.
std::string FormatNumber(double v);
std::string FormatFixed(double v, int decimals);

// Lower case; letters, digits and the characters in `keep` kept; every other
// run of characters a single space; trimmed. "INR(PT)" -> "inr pt".
std::string NormalizeWords(std::string_view text, std::string_view keep = "");

}  // namespace medcred

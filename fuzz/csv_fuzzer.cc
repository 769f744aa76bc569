// libFuzzer target for the RFC 4180 reader (common/csv_reader.h).
//
// Besides "never crashes, never reads out of bounds" (ASan/UBSan), it checks a
// property: the records must not depend on how the input is split into reads.
// The input is parsed once whole and once served in reads of 1..16 bytes (the
// first byte picks the size); both parses must agree, field for field, and on
// the error message when there is one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/byte_source.h"
#include "common/csv_reader.h"

namespace {

struct Parsed {
  std::vector<std::vector<std::string>> rows;
  std::vector<uint64_t> lines;
  std::string error;
};

Parsed Parse(const std::string& data, size_t max_read) {
  auto src = medcred::NewStringSource(data, max_read);
  medcred::CsvReader reader(src.get(), "fuzz.csv", 1 << 16);
  Parsed p;
  for (;;) {
    auto more = reader.Next();
    if (!more.ok()) {
      p.error = more.status().message();
      break;
    }
    if (!*more) break;
    std::vector<std::string> row;
    for (const auto& f : reader.fields()) row.push_back((f.quoted ? "q:" : "u:") + std::string(f.text));
    p.rows.push_back(std::move(row));
    p.lines.push_back(reader.line());
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 16;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  Parsed whole = Parse(text, SIZE_MAX);
  Parsed pieces = Parse(text, chunk);
  if (whole.rows != pieces.rows || whole.lines != pieces.lines || whole.error != pieces.error) std::abort();
  return 0;
}

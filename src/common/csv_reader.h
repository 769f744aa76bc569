// CsvReader: RFC 4180 records pulled from a ByteSource, without copying fields.
//
// Handles quoted commas, doubled quotes, quoted newlines and CRLF line ends.
// An empty unquoted field is reported with quoted=false and empty text: the
// store reads that as NULL, while "" (quoted) is an empty string. Errors name
// the source and the physical line on which the offending record starts:
// "hosp/labevents.csv.gz:1042: unterminated quoted field".
//
// Written by hand rather than taken from a library: the one CSV library Debian
// ships (libcsv) copies every field through callbacks and cannot report the
// physical line of a record, and ingest needs both zero-copy field views (it
// runs at gzip speed) and file:line errors. It is covered by unit tests and a
// libFuzzer target (fuzz/csv_fuzzer.cc).
//
// Thread safety: one reader per thread. Field views stay valid until the next
// call to Next().
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace medcred {

class ByteSource;

struct CsvField {
  std::string_view text;
  bool quoted = false;
  bool is_null() const { return !quoted && text.empty(); }
};

class CsvReader {
 public:
  static constexpr size_t kDefaultMaxRecordBytes = size_t{256} << 20;

  CsvReader(ByteSource* source, std::string name, size_t max_record_bytes = kDefaultMaxRecordBytes);

  // Reads the next record. Returns true with the record in fields(), false at
  // the end of input, or a BadInput status naming name():line.
  Result<bool> Next();

  const std::vector<CsvField>& fields() const { return fields_; }
  // The 1-based physical line on which the current record starts.
  uint64_t line() const { return record_line_; }
  const std::string& name() const { return name_; }

  // A BadInput status "name:line: msg" for the current record.
  Status ErrorHere(const std::string& msg) const;

 private:
  struct Span {
    size_t offset;  // from the start of the record
    size_t length;
    bool quoted;
  };

  char* Rec() { return buf_.data() + rec_start_; }
  size_t Avail() const { return end_ - rec_start_; }
  // Moves the current record to the front of the buffer and reads more input.
  Status Fill();
  // Fills until at least `need` bytes of the record are buffered or input ends.
  Status Ensure(size_t need);

  ByteSource* source_;
  std::string name_;
  size_t max_record_bytes_;
  std::vector<char> buf_;
  size_t rec_start_ = 0;  // index of the current record in buf_
  size_t pos_ = 0;        // index of the next unread byte in buf_
  size_t end_ = 0;        // bytes of buf_ holding data
  bool eof_ = false;
  uint64_t line_ = 1;
  uint64_t record_line_ = 0;
  std::vector<Span> spans_;
  std::vector<CsvField> fields_;
};

// Reads the small reference CSV file at `path` (gzip when it ends in ".gz"),
// skipping its header and calling `row` for every record; a record with fewer
// than `min_fields` fields is an error naming path:line. Every byte read is fed
// to `hasher` when it is non-null.
class Sha256;
Status ForEachCsvRecord(const std::string& path, Sha256* hasher, size_t min_fields,
                        const std::function<Status(const CsvReader&)>& row);

}  // namespace medcred

#include "common/csv_reader.h"

#include <cstring>

#include "common/byte_source.h"

namespace medcred {

CsvReader::CsvReader(ByteSource* source, std::string name, size_t max_record_bytes)
    : source_(source), name_(std::move(name)), max_record_bytes_(max_record_bytes) {
  buf_.resize(std::min<size_t>(size_t{1} << 20, max_record_bytes_));
}

Status CsvReader::ErrorHere(const std::string& msg) const {
  return Status::BadInput(name_ + ":" + std::to_string(record_line_) + ": " + msg);
}

Status CsvReader::Fill() {
  if (eof_) return Status::OK();
  if (rec_start_ > 0) {
    std::memmove(buf_.data(), buf_.data() + rec_start_, end_ - rec_start_);
    pos_ -= rec_start_;
    end_ -= rec_start_;
    rec_start_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() >= max_record_bytes_) {
      return ErrorHere("record longer than " + std::to_string(max_record_bytes_ >> 20) +
                       " MiB (an unterminated quoted field?)");
    }
    buf_.resize(std::min(buf_.size() * 2, max_record_bytes_));
  }
  auto got = source_->Read(buf_.data() + end_, buf_.size() - end_);
  if (!got.ok()) return got.status();
  if (*got == 0) eof_ = true;
  end_ += *got;
  return Status::OK();
}

Status CsvReader::Ensure(size_t need) {
  while (Avail() < need && !eof_) MEDCRED_RETURN_IF_ERROR(Fill());
  return Status::OK();
}

Result<bool> CsvReader::Next() {
  spans_.clear();
  fields_.clear();
  rec_start_ = pos_;
  record_line_ = line_;
  MEDCRED_RETURN_IF_ERROR(Ensure(1));
  if (Avail() == 0) return false;

  size_t p = 0;  // offset of the parse position from the record start
  for (;;) {
    MEDCRED_RETURN_IF_ERROR(Ensure(p + 1));
    if (p < Avail() && Rec()[p] == '"') {
      // Quoted field: unescape "" in place (the text only ever shrinks).
      const size_t start = p + 1;
      const uint64_t field_line = line_;
      size_t w = start;
      size_t r = start;
      for (;;) {
        if (r + 1 >= Avail()) {
          MEDCRED_RETURN_IF_ERROR(Ensure(r + 2));  // one byte of lookahead after a quote
          if (r == Avail()) {
            return ErrorHere("unterminated quoted field (opened on line " + std::to_string(field_line) + ")");
          }
        }
        char* b = Rec();
        const char c = b[r];
        if (c == '"') {
          if (r + 1 < Avail() && b[r + 1] == '"') {
            b[w++] = '"';
            r += 2;
            continue;
          }
          ++r;  // the closing quote
          break;
        }
        if (c == '\n') ++line_;
        b[w++] = c;
        ++r;
      }
      spans_.push_back({start, w - start, true});
      p = r;
      MEDCRED_RETURN_IF_ERROR(Ensure(p + 2));
      if (p == Avail()) break;  // end of input ends the record
      const char c = Rec()[p];
      if (c == ',') {
        ++p;
        continue;
      }
      if (c == '\n') {
        ++p;
        ++line_;
        break;
      }
      if (c == '\r' && p + 1 < Avail() && Rec()[p + 1] == '\n') {
        p += 2;
        ++line_;
        break;
      }
      return ErrorHere(
          "unexpected character after a closing quote (a quote inside a field "
          "must be doubled)");
    }

    // Unquoted field: runs to the next comma, newline or the end of input.
    const size_t start = p;
    for (;;) {
      const char* b = Rec();
      const size_t n = Avail();
      while (p < n && b[p] != ',' && b[p] != '\n') ++p;
      if (p < n || eof_) break;
      MEDCRED_RETURN_IF_ERROR(Fill());
    }
    size_t len = p - start;
    if (p == Avail() || Rec()[p] == '\n') {
      if (len > 0 && Rec()[start + len - 1] == '\r') --len;  // CRLF
      spans_.push_back({start, len, false});
      if (p < Avail()) {
        ++p;
        ++line_;
      }
      break;
    }
    spans_.push_back({start, len, false});
    ++p;  // the comma
  }

  pos_ = rec_start_ + p;
  fields_.reserve(spans_.size());
  const char* b = Rec();
  for (const Span& s : spans_) fields_.push_back({std::string_view(b + s.offset, s.length), s.quoted});
  return true;
}

Status ForEachCsvRecord(const std::string& path, Sha256* hasher, size_t min_fields,
                        const std::function<Status(const CsvReader&)>& row) {
  MEDCRED_ASSIGN_OR_RETURN(auto src, OpenDataFile(path, hasher));
  CsvReader reader(src.get(), path);
  bool header = true;
  for (;;) {
    MEDCRED_ASSIGN_OR_RETURN(bool more, reader.Next());
    if (!more) return Status::OK();
    if (reader.fields().size() < min_fields) {
      return reader.ErrorHere("expected " + std::to_string(min_fields) + " fields");
    }
    if (header) {
      header = false;
      continue;
    }
    MEDCRED_RETURN_IF_ERROR(row(reader));
  }
}

}  // namespace medcred

#include "common/csv_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/byte_source.h"

namespace medcred {
namespace {

using Rows = std::vector<std::vector<std::string>>;
constexpr const char* kNull = "<NULL>";

// Parses all of `text`, serving it `chunk` bytes per read, and renders NULLs
// (empty unquoted fields) as <NULL> so they are told apart from "".
Result<Rows> ParseAll(const std::string& text, size_t chunk = SIZE_MAX, size_t max_record = 1 << 20) {
  auto src = NewStringSource(text, chunk);
  CsvReader reader(src.get(), "t.csv", max_record);
  Rows rows;
  for (;;) {
    auto more = reader.Next();
    if (!more.ok()) return more.status();
    if (!*more) break;
    std::vector<std::string> row;
    for (const CsvField& f : reader.fields()) row.push_back(f.is_null() ? kNull : std::string(f.text));
    rows.push_back(row);
  }
  return rows;
}

// Every case is checked with every read size from 1 to 9 bytes and unbounded,
// so that each buffer boundary falls inside quotes, escapes and CRLFs.
void ExpectRows(const std::string& text, const Rows& want) {
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{7}, size_t{9}, SIZE_MAX}) {
    auto got = ParseAll(text, chunk);
    ASSERT_TRUE(got.ok()) << got.status().message() << " (chunk " << chunk << ")";
    EXPECT_EQ(*got, want) << "chunk " << chunk;
  }
}

TEST(CsvReader, PlainRecords) { ExpectRows("a,b,c\n1,2,3\n", {{"a", "b", "c"}, {"1", "2", "3"}}); }

TEST(CsvReader, LastRecordWithoutNewline) { ExpectRows("a,b\n1,2", {{"a", "b"}, {"1", "2"}}); }

TEST(CsvReader, EmptyFieldsAreNullButQuotedEmptyIsNot) { ExpectRows("x,,\"\",y,\n", {{"x", kNull, "", "y", kNull}}); }

TEST(CsvReader, QuotedCommasDoubledQuotesAndNewlines) {
  ExpectRows("1,\"a, b\",\"say \"\"hi\"\"\",\"line1\nline2\"\n2,\"\"\"\",z\n",
             {{"1", "a, b", "say \"hi\"", "line1\nline2"}, {"2", "\"", "z"}});
}

TEST(CsvReader, CrLfLineEnds) {
  ExpectRows("a,b\r\n1,\"q\"\r\n\"x\r\ny\",2\r\n", {{"a", "b"}, {"1", "q"}, {"x\r\ny", "2"}});
}

TEST(CsvReader, EmptyInputHasNoRecords) { ExpectRows("", {}); }

TEST(CsvReader, LineNumbersCountPhysicalLines) {
  auto src = NewStringSource("h\n\"a\nb\nc\"\nnext\n");
  CsvReader reader(src.get(), "t.csv");
  ASSERT_TRUE(*reader.Next());
  EXPECT_EQ(reader.line(), 1u);
  ASSERT_TRUE(*reader.Next());
  EXPECT_EQ(reader.line(), 2u);
  ASSERT_TRUE(*reader.Next());
  EXPECT_EQ(reader.line(), 5u);
  EXPECT_EQ(reader.fields()[0].text, "next");
}

TEST(CsvReader, UnterminatedQuoteNamesFileAndLine) {
  for (size_t chunk : {size_t{1}, size_t{4}, SIZE_MAX}) {
    auto got = ParseAll("a,b\n1,2\n3,\"open\nmore\n", chunk);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().kind(), Status::Kind::kBadInput);
    EXPECT_EQ(got.status().message(), "t.csv:3: unterminated quoted field (opened on line 3)");
  }
}

TEST(CsvReader, GarbageAfterClosingQuoteIsAnError) {
  auto got = ParseAll("a\n\"x\"y\n");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("t.csv:2: unexpected character after a closing quote"), std::string::npos)
      << got.status().message();
}

TEST(CsvReader, RecordLongerThanTheLimitIsAnError) {
  std::string big = "\"" + std::string(5000, 'x');  // never closed
  auto got = ParseAll(big, 100, 1024);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("record longer than"), std::string::npos);
}

TEST(CsvReader, LongFieldsGrowTheBuffer) {
  std::string big(3 << 20, 'y');
  auto got = ParseAll("id,text\n1,\"" + big + "\"\n", 65536, 8 << 20);
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[1][1].size(), big.size());
}

}  // namespace
}  // namespace medcred

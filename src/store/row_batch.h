// RowBatch: typed rows for one store table, handed from ingest's parsers to the
// store writer.
//
// Text lives in one arena string per batch, so a batch of thousands of rows is
// a handful of allocations. Thread safety: a batch is built by one thread and
// then moved, whole, to another.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace medcred {

// A text cell's bytes within its batch's arena.
struct TextRef {
  uint32_t offset;
  uint32_t length;
};

struct Cell {
  enum class Kind : uint8_t { kNull, kInt, kReal, kText };
  Kind kind = Kind::kNull;
  union {
    int64_t i;
    double d;
    TextRef text;
  };
  Cell() : i(0) {}
};

struct RowBatch {
  int table = -1;      // index into StoreTables()
  size_t columns = 0;  // cells per row
  std::vector<Cell> cells;
  std::string arena;

  size_t rows() const { return columns == 0 ? 0 : cells.size() / columns; }
  std::string_view Text(const Cell& c) const { return std::string_view(arena.data() + c.text.offset, c.text.length); }
  void AddNull() { cells.emplace_back(); }
  void AddInt(int64_t v) {
    cells.emplace_back().kind = Cell::Kind::kInt;
    cells.back().i = v;
  }
  void AddReal(double v) {
    cells.emplace_back().kind = Cell::Kind::kReal;
    cells.back().d = v;
  }
  void AddText(std::string_view s) {
    Cell& c = cells.emplace_back();
    c.kind = Cell::Kind::kText;
    c.text.offset = static_cast<uint32_t>(arena.size());
    c.text.length = static_cast<uint32_t>(s.size());
    arena.append(s);
  }
};

}  // namespace medcred

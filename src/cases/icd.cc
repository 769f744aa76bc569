#include "cases/icd.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "common/byte_source.h"
#include "common/csv_reader.h"
#include "common/data_file.h"
#include "common/sha256.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

constexpr const char* kOrderFile = "icd10cm_order_2021.csv.gz";
constexpr const char* kGemFile = "icd9cm_to_icd10cm_gem_2018.csv.gz";

}  // namespace

bool CodeRange::Contains(std::string_view code) const {
  if (code.size() < lo.size()) return false;
  const std::string_view head = code.substr(0, lo.size());
  return head >= lo && head <= hi;
}

Result<CodeRange> ParseCodeRange(const std::string& text, const std::string& where) {
  const size_t dash = text.find('-');
  CodeRange r;
  if (dash == std::string::npos) {
    r.lo = r.hi = text;
  } else {
    r.lo = text.substr(0, dash);
    r.hi = text.substr(dash + 1);
  }
  if (r.lo.empty() || r.lo.size() != r.hi.size() || r.lo > r.hi) {
    return Status::BadInput(where + ": '" + text + "' is not a code range like I00-I59");
  }
  return r;
}

std::string NormalizeIcd(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c == '.' || std::isspace(static_cast<unsigned char>(c))) continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<std::string> IcdReference::FindDir(const std::string& explicit_dir) {
  std::error_code ec;
  auto ok = [&](const fs::path& p) {
    return fs::is_regular_file(p / kOrderFile, ec) && fs::is_regular_file(p / kGemFile, ec);
  };
  if (!explicit_dir.empty()) {
    if (!ok(explicit_dir)) {
      return Status::Usage(explicit_dir + ": no " + kOrderFile + " and " + kGemFile + " there");
    }
    return explicit_dir;
  }
  if (const char* env = std::getenv("MEDCRED_REFERENCE_DIR"); env != nullptr && *env != '\0') {
    if (!ok(env)) return Status::Usage(std::string("MEDCRED_REFERENCE_DIR=") + env + " holds no ICD reference files");
    return std::string(env);
  }
  for (const fs::path& root : {fs::current_path(ec), fs::path(MEDCRED_SOURCE_DIR)}) {
    for (const fs::path& p : {root / ".." / "shared" / "data" / "reference", root / "data" / "reference"}) {
      if (ok(p)) return fs::weakly_canonical(p, ec).string();
    }
  }
  return Status::Usage(std::string("the ICD reference files (") + kOrderFile + ", " + kGemFile +
                       ") were not found: pass --reference DIR or set MEDCRED_REFERENCE_DIR");
}

Status IcdReference::LoadChapters(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile file, LoadDataFile(file_name));
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  const toml::array* chapters = root["chapter"].as_array();
  if (chapters == nullptr || chapters->empty()) return Status::BadInput(file.path + ": no [[chapter]] entries");
  for (size_t i = 0; i < chapters->size(); ++i) {
    const std::string where = file.path + ": chapter #" + std::to_string(i + 1);
    const toml::table* c = (*chapters)[i].as_table();
    if (c == nullptr) return Status::BadInput(where + " is not a table");
    auto number = (*c)["number"].value<int64_t>();
    auto range = (*c)["range"].value<std::string>();
    auto title = (*c)["title"].value<std::string>();
    const toml::array* blocks = (*c)["blocks"].as_array();
    if (!number || !range || !title || blocks == nullptr) {
      return Status::BadInput(where + " needs number, range, title and blocks");
    }
    Chapter ch{static_cast<int>(*number), {}, *title};
    MEDCRED_ASSIGN_OR_RETURN(ch.range, ParseCodeRange(*range, where + ".range"));
    for (size_t k = 0; k < blocks->size(); ++k) {
      const std::string bw = where + ".blocks[" + std::to_string(k) + "]";
      const toml::array* b = (*blocks)[k].as_array();
      auto brange = b && b->size() == 2 ? (*b)[0].value<std::string>() : std::nullopt;
      auto btitle = b && b->size() == 2 ? (*b)[1].value<std::string>() : std::nullopt;
      if (!brange || !btitle) return Status::BadInput(bw + " must be [range, title]");
      Block block{"", {}, *btitle, chapters_.size()};
      // A block is one range of categories, then any categories with a letter
      // in third place that the tabular list files inside it: "C43-C44, C4A".
      size_t from = 0;
      while (from <= brange->size()) {
        size_t comma = brange->find(',', from);
        if (comma == std::string::npos) comma = brange->size();
        std::string piece = brange->substr(from, comma - from);
        piece.erase(0, piece.find_first_not_of(' '));
        piece.erase(piece.find_last_not_of(' ') + 1);
        MEDCRED_ASSIGN_OR_RETURN(CodeRange r, ParseCodeRange(piece, bw));
        if (r.lo.size() != 3 || !ch.range.Contains(r.lo) || !ch.range.Contains(r.hi)) {
          return Status::BadInput(bw + ": '" + piece + "' is not a range of categories inside " + *range);
        }
        if (block.label.empty()) block.label = piece;
        block.ranges.push_back(std::move(r));
        from = comma + 1;
      }
      blocks_.push_back(std::move(block));
    }
    chapters_.push_back(std::move(ch));
  }
  digest_input_ = file.sha256;
  return Status::OK();
}

IcdPlace IcdReference::Place(std::string_view icd10) const {
  IcdPlace p;
  p.category = std::string(icd10.substr(0, std::min<size_t>(3, icd10.size())));
  p.category_title = Title(p.category);
  if (p.category.size() < 3) return p;
  const Block* best = nullptr;
  const CodeRange* best_range = nullptr;
  for (const Block& b : blocks_) {
    for (const CodeRange& r : b.ranges) {
      if (!r.Contains(p.category)) continue;
      // Nested ranges: the narrower (greater low end, then smaller high end) wins.
      if (best == nullptr || r.lo > best_range->lo || (r.lo == best_range->lo && r.hi < best_range->hi)) {
        best = &b;
        best_range = &r;
      }
    }
  }
  if (best != nullptr) {
    p.block = best->label;
    p.block_title = best->title;
    p.chapter = chapters_[best->chapter].number;
    p.chapter_title = chapters_[best->chapter].title;
    return p;
  }
  for (const Chapter& c : chapters_) {
    if (c.range.Contains(p.category)) {
      p.chapter = c.number;
      p.chapter_title = c.title;
    }
  }
  return p;
}

std::vector<std::string> IcdReference::Categories() const {
  std::vector<std::string> out;
  for (const auto& [code, title] : titles_) {
    if (code.size() == 3) out.push_back(code);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<IcdReference> IcdReference::Load(const std::string& dir, const std::string& chapters_file) {
  IcdReference ref;
  MEDCRED_RETURN_IF_ERROR(ref.LoadChapters(chapters_file));
  Sha256 hasher;
  hasher.Update(ref.digest_input_);
  const std::string order = (fs::path(dir) / kOrderFile).string();
  MEDCRED_RETURN_IF_ERROR(ForEachCsvRecord(order, &hasher, 4, [&](const CsvReader& r) {
    ref.titles_[NormalizeIcd(r.fields()[0].text)] = std::string(r.fields()[3].text);
    return Status::OK();
  }));
  const std::string gem = (fs::path(dir) / kGemFile).string();
  MEDCRED_RETURN_IF_ERROR(ForEachCsvRecord(gem, &hasher, 3, [&](const CsvReader& r) {
    std::string_view flags = r.fields()[2].text;
    if (flags.size() != 5 || !std::all_of(flags.begin(), flags.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return r.ErrorHere("flags must be 5 digits (approximate, no map, combination, scenario, choice list)");
    auto& targets = ref.gem_[NormalizeIcd(r.fields()[0].text)];
    if (flags[1] == '1') return Status::OK();  // "no map": the code has no ICD-10-CM equivalent
    GemTarget t;
    t.icd10 = NormalizeIcd(r.fields()[1].text);
    t.approximate = flags[0] == '1';
    t.combination = flags[2] == '1';
    t.scenario = flags[3] - '0';
    t.choice_list = flags[4] - '0';
    targets.push_back(std::move(t));
    return Status::OK();
  }));
  ref.digest_ = hasher.HexDigest();
  return ref;
}

const std::string& IcdReference::Title(std::string_view code) const {
  static const std::string kEmpty;
  auto it = titles_.find(std::string(code));
  return it == titles_.end() ? kEmpty : it->second;
}

const std::vector<GemTarget>& IcdReference::Gem(std::string_view icd9) const {
  static const std::vector<GemTarget> kNone;
  auto it = gem_.find(std::string(icd9));
  return it == gem_.end() ? kNone : it->second;
}

}  // namespace medcred

#include "cases/icd.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>

#include "common/byte_source.h"
#include "common/csv_reader.h"
#include "common/sha256.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

constexpr const char* kOrderFile = "icd10cm_order_2021.csv.gz";
constexpr const char* kGemFile = "icd9cm_to_icd10cm_gem_2018.csv.gz";

// Reads a small CSV file with a header, calling `row` for each record.
template <typename F>
Status ReadCsv(const std::string& path, Sha256* hasher, size_t min_fields, F row) {
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

}  // namespace

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
  auto ok = [&](const fs::path& p) { return fs::is_regular_file(p / kOrderFile, ec) && fs::is_regular_file(p / kGemFile, ec); };
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

Result<IcdReference> IcdReference::Load(const std::string& dir) {
  IcdReference ref;
  Sha256 hasher;
  const std::string order = (fs::path(dir) / kOrderFile).string();
  MEDCRED_RETURN_IF_ERROR(ReadCsv(order, &hasher, 4, [&](const CsvReader& r) {
    ref.titles_[NormalizeIcd(r.fields()[0].text)] = std::string(r.fields()[3].text);
    return Status::OK();
  }));
  const std::string gem = (fs::path(dir) / kGemFile).string();
  MEDCRED_RETURN_IF_ERROR(ReadCsv(gem, &hasher, 3, [&](const CsvReader& r) {
    std::string_view flags = r.fields()[2].text;
    if (flags.size() != 5 || !std::all_of(flags.begin(), flags.end(), [](char c) { return c >= '0' && c <= '9'; })) return r.ErrorHere("flags must be 5 digits (approximate, no map, combination, scenario, choice list)");
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

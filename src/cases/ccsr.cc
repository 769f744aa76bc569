#include "cases/ccsr.h"

#include <filesystem>

#include "cases/icd.h"
#include "common/byte_source.h"
#include "common/csv_reader.h"
#include "common/sha256.h"

namespace medcred {

Result<Ccsr> Ccsr::Load(const std::string& reference_dir) {
  Ccsr c;
  const std::string path = (std::filesystem::path(reference_dir) / "dxccsr_v2023_1.csv.gz").string();
  Sha256 hasher;
  MEDCRED_ASSIGN_OR_RETURN(auto src, OpenDataFile(path, &hasher));
  CsvReader reader(src.get(), path);
  bool header = true;
  for (;;) {
    MEDCRED_ASSIGN_OR_RETURN(bool more, reader.Next());
    if (!more) break;
    if (reader.fields().size() < 5) return reader.ErrorHere("expected 6 fields");
    if (header) {
      header = false;
      continue;
    }
    const auto& f = reader.fields();
    const std::string code = NormalizeIcd(f[0].text), id(f[2].text);
    c.descriptions_[code] = std::string(f[1].text);
    c.categories_.try_emplace(id, CcsrCategory{id, std::string(f[3].text)});
    auto& ids = c.by_code_[code];
    if (f[4].text == "Y") {
      ids.insert(ids.begin(), id);
      c.default_[code] = id;
    } else {
      ids.push_back(id);
    }
    c.codes_in_[id].push_back(code);
  }
  c.digest_ = hasher.HexDigest();
  return c;
}

const CcsrCategory* Ccsr::DefaultInpatient(std::string_view icd10) const {
  // "X" in the file: the code cannot be an inpatient principal diagnosis, and has no default.
  auto it = default_.find(std::string(icd10));
  return it == default_.end() ? nullptr : Category(it->second);
}

std::vector<const CcsrCategory*> Ccsr::Categories(std::string_view icd10) const {
  std::vector<const CcsrCategory*> out;
  auto it = by_code_.find(std::string(icd10));
  if (it == by_code_.end()) return out;
  for (const auto& id : it->second) out.push_back(Category(id));
  return out;
}

const std::string& Ccsr::Description(std::string_view icd10) const {
  static const std::string kEmpty;
  auto it = descriptions_.find(std::string(icd10));
  return it == descriptions_.end() ? kEmpty : it->second;
}

const std::vector<std::string>& Ccsr::CodesIn(std::string_view category_id) const {
  static const std::vector<std::string> kNone;
  auto it = codes_in_.find(std::string(category_id));
  return it == codes_in_.end() ? kNone : it->second;
}

const CcsrCategory* Ccsr::Category(std::string_view id) const {
  auto it = categories_.find(std::string(id));
  return it == categories_.end() ? nullptr : &it->second;
}

}  // namespace medcred

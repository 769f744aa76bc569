#include "cases/ccsr.h"

#include <filesystem>

#include "cases/icd.h"
#include "common/csv_reader.h"
#include "common/sha256.h"

namespace medcred {

Result<Ccsr> Ccsr::Load(const std::string& reference_dir) {
  Ccsr c;
  const std::string path = (std::filesystem::path(reference_dir) / kFileName).string();
  Sha256 hasher;
  bool header_checked = false;
  MEDCRED_RETURN_IF_ERROR(ForEachCsvRecord(path, &hasher, 6, [&](const CsvReader& r) -> Status {
    const auto& f = r.fields();
    const std::string code = NormalizeIcd(f[0].text);
    const std::string id(f[2].text);
    const std::string_view ip = f[4].text;
    if (code.empty() || id.size() != 6)
      return r.ErrorHere("expected an ICD-10-CM code and a CCSR category like RSP002");
    if (ip != "Y" && ip != "N" && ip != "X") return r.ErrorHere("inpatient_default must be Y, N or X");
    header_checked = true;
    auto [it, added] = c.category_index_.try_emplace(id, static_cast<int>(c.categories_.size()));
    if (added) {
      c.categories_.push_back({id, std::string(f[3].text)});
      c.codes_in_.emplace_back();
    }
    Code& entry = c.codes_[code];
    entry.categories.push_back(it->second);
    if (ip == "Y") entry.default_ip = it->second;
    c.codes_in_[it->second].push_back(code);
    c.descriptions_.try_emplace(code, std::string(f[1].text));
    return Status::OK();
  }));
  if (!header_checked) return Status::BadInput(path + ": no CCSR rows");
  c.digest_ = hasher.HexDigest();
  return c;
}

const CcsrCategory* Ccsr::DefaultInpatient(std::string_view icd10) const {
  auto it = codes_.find(std::string(icd10));
  if (it == codes_.end() || it->second.default_ip < 0) return nullptr;
  return &categories_[it->second.default_ip];
}

std::vector<const CcsrCategory*> Ccsr::Categories(std::string_view icd10) const {
  std::vector<const CcsrCategory*> out;
  auto it = codes_.find(std::string(icd10));
  if (it == codes_.end()) return out;
  if (it->second.default_ip >= 0) out.push_back(&categories_[it->second.default_ip]);
  for (int i : it->second.categories) {
    if (i != it->second.default_ip) out.push_back(&categories_[i]);
  }
  return out;
}

const std::string& Ccsr::Description(std::string_view icd10) const {
  static const std::string kEmpty;
  auto it = descriptions_.find(std::string(icd10));
  return it == descriptions_.end() ? kEmpty : it->second;
}

const std::vector<std::string>& Ccsr::CodesIn(std::string_view category_id) const {
  static const std::vector<std::string> kNone;
  auto it = category_index_.find(std::string(category_id));
  return it == category_index_.end() ? kNone : codes_in_[it->second];
}

const CcsrCategory* Ccsr::Category(std::string_view id) const {
  auto it = category_index_.find(std::string(id));
  return it == category_index_.end() ? nullptr : &categories_[it->second];
}

}  // namespace medcred

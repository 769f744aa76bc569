#include "environment/cost_table.h"

namespace medcred {

Result<CostTable> CostTable::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  return Parse(f);
}

Result<CostTable> CostTable::Parse(const DataFile& file) {
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  CostTable t;
  t.sha256_ = file.sha256;
  auto v = root["version"].value<std::string>();
  if (!v) return Status::BadInput(file.path + ": version must be a string");
  t.version_ = *v;
  for (const char* section : {"lab", "micro", "imaging", "ecg"}) {
    const toml::table* s = root[section].as_table();
    if (s == nullptr) return Status::BadInput(file.path + ": [" + section + "] is missing");
    for (const auto& [name, entry] : *s) {
      const std::string where = file.path + ": " + section + "." + std::string(name.str());
      const toml::table* e = entry.as_table();
      auto usd = e ? (*e)["usd"].value<double>() : std::nullopt;
      auto code = e ? (*e)["code"].value<std::string>() : std::nullopt;
      if (!usd || *usd < 0 || !code) return Status::BadInput(where + " must be { usd = AMOUNT >= 0, code = \"...\" }");
      t.sections_[section][std::string(name.str())] = Price{*usd, *code};
    }
  }
  return t;
}

std::optional<Price> CostTable::Find(const std::string& section, const std::string& name) const {
  auto s = sections_.find(section);
  if (s == sections_.end()) return std::nullopt;
  auto it = s->second.find(name);
  if (it == s->second.end()) return std::nullopt;
  return it->second;
}

}  // namespace medcred

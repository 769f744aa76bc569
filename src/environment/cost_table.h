// The cost table: the price of every curated order (data/cost-table-v2.toml; v1 stays loadable).
//
// Thread safety: immutable after Load(); share freely.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/data_file.h"
#include "common/status.h"

namespace medcred {

struct Price {
  double usd = 0;
  std::string code;  // the HCPCS/CPT code priced
};

class CostTable {
 public:
  static Result<CostTable> Load(const std::string& file_name = "cost-table-v2.toml");
  static Result<CostTable> Parse(const DataFile& file);

  // section: "lab" (tests and panels), "micro", "imaging" (by modality) or "ecg".
  std::optional<Price> Find(const std::string& section, const std::string& name) const;

  const std::string& version() const { return version_; }
  const std::string& sha256() const { return sha256_; }

 private:
  std::string version_, sha256_;
  std::map<std::string, std::map<std::string, Price>> sections_;
};

}  // namespace medcred

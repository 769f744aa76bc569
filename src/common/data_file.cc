#include "common/data_file.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/sha256.h"

namespace medcred {

std::string DataDir() {
  if (const char* env = std::getenv("MEDCRED_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return std::string(MEDCRED_SOURCE_DIR) + "/data";
}

Result<DataFile> LoadDataFile(const std::string& name) {
  DataFile f;
  f.name = name;
  f.path = DataDir() + "/" + name;
  std::ifstream in(f.path, std::ios::binary);
  if (!in) return Status::BadInput(f.path + ": data file not found (set MEDCRED_DATA_DIR to the repository's data/)");
  std::stringstream ss;
  ss << in.rdbuf();
  f.text = ss.str();
  f.sha256 = Sha256::Hex(f.text);
  return f;
}

Result<toml::table> ParseToml(const DataFile& file) {
  try {
    return toml::parse(file.text, file.path);
  } catch (const toml::parse_error& e) {  // Debian's toml++ reports errors by exception
    return Status::BadInput(file.path + ":" + std::to_string(e.source().begin.line) + ": " +
                            std::string(e.description()));
  }
}

Result<std::vector<std::string>> TomlStrings(const toml::node_view<const toml::node>& node, const std::string& where,
                                             bool required) {
  std::vector<std::string> out;
  if (!node) {
    if (required) return Status::BadInput(where + " is missing");
    return out;
  }
  const toml::array* arr = node.as_array();
  if (arr == nullptr) return Status::BadInput(where + " must be a list of non-empty strings");
  for (const auto& e : *arr) {
    auto s = e.value<std::string>();
    if (!s || s->empty()) return Status::BadInput(where + " must be a list of non-empty strings");
    out.push_back(*s);
  }
  return out;
}

Result<std::string> TomlText(const toml::node_view<const toml::node>& node, const std::string& where) {
  auto s = node.value<std::string>();
  if (!s || s->empty()) return Status::BadInput(where + " must be a non-empty string");
  return *s;
}

}  // namespace medcred

// DataFile: a versioned methodology file of the repository's data/ folder
// (taxonomy, presentation rules, and later the lab catalog, lexicon, cost
// table and methodology), read whole with the SHA-256 of its exact bytes, which
// every result records.
//
// Files are found in $MEDCRED_DATA_DIR when set, else in the data/ folder of
// the source tree this binary was built from.
//
// Thread safety: pure functions; DataFile is a value.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "common/status.h"

namespace medcred {

struct DataFile {
  std::string name;  // e.g. taxonomy-v1.toml
  std::string path;
  std::string text;
  std::string sha256;  // of `text`
};

std::string DataDir();
Result<DataFile> LoadDataFile(const std::string& name);

// Parses a TOML data file; a syntax error becomes BadInput naming file:line.
Result<toml::table> ParseToml(const DataFile& file);

// Typed reads of one TOML field; an error is BadInput naming `where`
// ("taxonomy-v1.toml: inclusion.excluded_admission_types").
// A list of non-empty strings; absent is an error when `required`, else empty.
Result<std::vector<std::string>> TomlStrings(const toml::node_view<const toml::node>& node, const std::string& where,
                                             bool required = true);
// A non-empty string.
Result<std::string> TomlText(const toml::node_view<const toml::node>& node, const std::string& where);

}  // namespace medcred

// StoreSummary: what a store says of itself: dataset, modules, per-table
// accounting, checksums and provenance. `ingest --json` and `info --json`
// print it (docs/cli.md#machine-readable-outputs); the `meta` and `ingest_tables` tables hold it.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace medcred {

struct TableStats {
  std::string module;
  std::string source_file;  // relative to its source directory, e.g. hosp/labevents.csv.gz
  std::string sha256;       // of the source file's bytes
  bool verified = false;    // matched SHA256SUMS.txt
  uint64_t source_rows = 0;
  uint64_t rows = 0;
  uint64_t filtered_rows = 0;
  double seconds = 0;
  // Text fields that were not UTF-8 or held NUL bytes, stored with U+FFFD
  // (counted at ingest, not kept in the store), and where the first was.
  uint64_t repaired_fields = 0;
  std::string first_repair;
};

struct StoreSummary {
  std::string store;
  std::string dataset_name;
  std::string dataset_version;
  bool demo = false;
  std::vector<std::string> modules;
  std::map<std::string, TableStats> tables;
  std::vector<std::string> missing_files;
  std::string medcred_version;
  std::string git_commit;
  int schema_version = 0;
  std::string ingest_time;
  std::string gzip_backend;
  double seconds = 0;

  // SHA-256 over the sorted "file sha256" lines of every ingested source: one
  // value naming exactly which bytes the store was built from.
  std::string ChecksumDigest() const;
  nlohmann::json ToJson() const;
};

}  // namespace medcred

// Source discovery: which files of a MIMIC-IV release ingest will read.
//
// A source is a directory as PhysioNet ships it: `hosp/` and `icu/` (MIMIC-IV),
// `ed/` (MIMIC-IV-ED), `note/` (MIMIC-IV-Note), each optionally with a
// SHA256SUMS.txt at its top. MIMIC-IV-ECG has no module folder: its
// machine_measurements.csv and record_list.csv sit at the top of its release
// folder (an `ecg/` folder holding them works too). Several sources may be
// given (the ED, Note and ECG modules are separate downloads). PlanIngest() maps every table of the store
// schema to a file (`.csv.gz`, or plain `.csv`), collects the expected
// checksums, and names the files that are absent.
//
// Thread safety: pure functions over the file system.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace medcred {

struct SourceFile {
  int table = -1;               // index into StoreTables()
  std::string path;             // on disk
  std::string relative;         // module/name.csv.gz, as in SHA256SUMS.txt
  std::string expected_sha256;  // empty when not listed or not verifying
  uint64_t size = 0;
};

struct IngestPlan {
  std::vector<SourceFile> files;  // largest first
  std::vector<std::string> modules;
  std::vector<std::string> missing_files;  // expected but absent: reported, skipped
  std::string dataset_name;
  std::string dataset_version;
  bool demo = false;
};

// Reads a SHA256SUMS.txt ("<hex>  <relative path>" per line).
Result<std::map<std::string, std::string>> ReadChecksums(const std::string& path);

// `modules` empty means: hosp and icu, plus ed, note and ecg when a source has them.
Result<IngestPlan> PlanIngest(const std::vector<std::string>& sources, const std::vector<std::string>& modules,
                              bool verify);

// Dataset name and version from a source directory's name, e.g.
// ".../mimic-iv-demo-2.2" -> ("mimic-iv-demo", "2.2"), ".../mimiciv/3.1" ->
// ("mimic-iv", "3.1").
void IdentifyDataset(const std::string& dir, std::string* name, std::string* version);

}  // namespace medcred

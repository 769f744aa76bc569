// Helpers shared by medcred's tests: locating the open demo, temporary
// directories, and writing small synthetic MIMIC-shaped files.
//
// Thread safety: test-only; each test uses its own TempDir.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace medcred::testing {

// The MIMIC-IV demo: $MEDCRED_DEMO_DIR, else ../shared/data/mimic-iv-demo-2.2
// beside the repository. Empty when absent (tests then skip with a message).
std::string DemoDir();

// A fresh directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `path` (creating parents), gzip-compressed when the name
// ends in .gz.
void WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// The folder of the synthetic release: src/testing/synthetic-release.
std::string SyntheticReleaseDir();

// Copies the synthetic release (invented patients, not MIMIC data; see
// synthetic-release/README.md) into `dir`: hosp/, icu/, ed/ and note/ files in
// MIMIC-IV's layout, each gzipped to .csv.gz, and a SHA256SUMS.txt.
// `overrides` replaces the text of a file by relative path ("hosp/x.csv.gz")
// before gzip; the text "<absent>" leaves the file out.
void WriteSyntheticRelease(const std::string& dir,
                           const std::map<std::string, std::string>& overrides = {});
// Rewrites SHA256SUMS.txt for the files now in `dir`.
void WriteChecksums(const std::string& dir);

}  // namespace medcred::testing

// Helpers shared by medcred's tests: locating the open demo, temporary
// directories, and writing small synthetic MIMIC-shaped files.
//
// Thread safety: test-only; each test uses its own TempDir.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace medcred::test {

// The MIMIC-IV demo: $MEDCRED_DEMO_DIR, else ../shared/data/mimic-iv-demo-2.2
// beside the repository. Empty when absent (tests then skip with a message).
std::string DemoDir();

// Declares `dir` = DemoDir(); skips the test when the demo is absent, or fails
// it when $MEDCRED_REQUIRE_DEMO is set (as in CI).
#define MEDCRED_REQUIRE_DEMO(dir)                                                         \
  const std::string dir = ::medcred::test::DemoDir();                                     \
  if (dir.empty()) {                                                                      \
    if (std::getenv("MEDCRED_REQUIRE_DEMO")) FAIL() << "the MIMIC-IV demo was not found"; \
    GTEST_SKIP() << "the MIMIC-IV demo is not at ../shared/data; set MEDCRED_DEMO_DIR";   \
  }

// The CMS ICD reference files: $MEDCRED_REFERENCE_DIR, else
// ../shared/data/reference beside the repository. Empty when absent.
std::string ReferenceDir();

#define MEDCRED_REQUIRE_REFERENCE(dir)                                                           \
  const std::string dir = ::medcred::test::ReferenceDir();                                       \
  if (dir.empty()) {                                                                             \
    if (std::getenv("MEDCRED_REQUIRE_DEMO")) FAIL() << "the ICD reference files were not found"; \
    GTEST_SKIP() << "the ICD reference is not at ../shared/data; set MEDCRED_REFERENCE_DIR";     \
  }

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
// A gzip file's decompressed text.
std::string ReadGzipFile(const std::string& path);

// A copy of the repository's data/ folder in tmp/data whose known datasets
// (datasets-v1.toml) also list a made-up, non-demo release with this digest;
// point MEDCRED_DATA_DIR at it to have medcred recognize that release.
std::string DataDirWithRelease(const TempDir& tmp, const std::string& digest);

// The folder of the synthetic release: src/testing/synthetic-release.
std::string SyntheticReleaseDir();

// Copies the synthetic release (invented patients, not MIMIC data; see
// synthetic-release/README.md) into `dir`: hosp/, icu/, ed/ and note/ files in
// MIMIC-IV's layout, each gzipped to .csv.gz, and a SHA256SUMS.txt.
// `overrides` replaces the text of a file by relative path ("hosp/x.csv.gz")
// before gzip; the text "<absent>" leaves the file out.
void WriteSyntheticRelease(const std::string& dir, const std::map<std::string, std::string>& overrides = {});
// Writes the synthetic MIMIC-IV-ECG release into `dir` as PhysioNet ships the
// module: machine_measurements.csv and record_list.csv (plain CSV) at its top, and
// a SHA256SUMS.txt. Ingest it as a second source beside WriteSyntheticRelease's.
void WriteSyntheticEcgRelease(const std::string& dir);
// Rewrites SHA256SUMS.txt for the files now in `dir`.
void WriteChecksums(const std::string& dir);

// SQL on a store file, outside medcred's own code paths. QueryColumn returns
// column `col` of every row ("<null>" for NULL); Exec returns the number of rows
// the statement changed. Failures are reported as test failures.
std::vector<std::string> QueryColumn(const std::string& db_path, const std::string& sql, int col = 0);
std::string QueryText(const std::string& db_path, const std::string& sql);  // first row, or "<no row>"
int64_t QueryInt(const std::string& db_path, const std::string& sql);
int64_t Exec(const std::string& db_path, const std::string& sql);

// Runs the built `medcred` binary with `args` (a shell-quoted string), stdin
// closed, capturing stdout and stderr through files in `tmp`.
struct CliRun {
  int code;
  std::string out, err;
};
CliRun RunMedcred(const std::string& args, const TempDir& tmp);

// The JSON objects of a .jsonl file, one per line.
std::vector<nlohmann::json> ReadEpisodeLinesOf(const std::string& path);

// Debian's headless Chromium (/usr/bin/chromium), or "" when not installed.
std::string ChromiumPath();

// Declares `browser` = ChromiumPath(); skips the test when Chromium is absent,
// or fails it when $MEDCRED_REQUIRE_BROWSER is set (as in CI).
#define MEDCRED_REQUIRE_BROWSER(browser)                                            \
  const std::string browser = ::medcred::test::ChromiumPath();                      \
  if (browser.empty()) {                                                            \
    if (std::getenv("MEDCRED_REQUIRE_BROWSER")) FAIL() << "chromium was not found"; \
    GTEST_SKIP() << "chromium is not installed (scripts/bootstrap.sh installs it)"; \
  }

// A page as headless Chromium rendered it: the DOM after loading, and a
// screenshot written to `png` (width x height pixels).
struct RenderedPage {
  bool ok = false;
  std::string dom;
  std::string error;  // what went wrong, when !ok
  int png_width = 0, png_height = 0;
  uintmax_t png_bytes = 0;
};
RenderedPage RenderInChromium(const std::string& url, const std::string& png, const TempDir& tmp, int width = 1200,
                              int height = 1600);

}  // namespace medcred::test

#include "testing/testing.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/sha256.h"

namespace medcred::test {
namespace fs = std::filesystem;

std::string DemoDir() {
  if (const char* env = std::getenv("MEDCRED_DEMO_DIR"); env != nullptr && *env != '\0') return env;
  fs::path p = fs::path(MEDCRED_SOURCE_DIR) / ".." / "shared" / "data" / "mimic-iv-demo-2.2";
  std::error_code ec;
  return fs::is_directory(p / "hosp", ec) ? fs::canonical(p).string() : "";
}

std::string ReferenceDir() {
  if (const char* env = std::getenv("MEDCRED_REFERENCE_DIR"); env != nullptr && *env != '\0') return env;
  fs::path p = fs::path(MEDCRED_SOURCE_DIR) / ".." / "shared" / "data" / "reference";
  std::error_code ec;
  return fs::is_directory(p, ec) ? fs::canonical(p).string() : "";
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "medcred-test-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  if (path.size() > 3 && path.substr(path.size() - 3) == ".gz") {
    gzFile f = gzopen(path.c_str(), "wb6");
    if (f == nullptr) throw std::runtime_error("gzopen " + path);
    if (!text.empty()) gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string DataDirWithRelease(const TempDir& tmp, const std::string& digest) {
  const std::string dir = tmp / "data";
  fs::remove_all(dir);
  fs::copy(std::string(MEDCRED_SOURCE_DIR) + "/data", dir, fs::copy_options::recursive);
  std::ofstream out(dir + "/datasets-v1.toml", std::ios::app);
  out << "\n[[release]]\nname = \"mimic-iv-test\"\nversion = \"0.0\"\ndemo = false\ndigest = \"" << digest
      << "\"\nsource = \"a release made up by a test\"\n";
  return dir;
}

std::string ReadGzipFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  std::string out;
  if (f == nullptr) return out;
  char buf[1 << 16];
  for (int n; (n = gzread(f, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteChecksums(const std::string& dir) {
  std::string sums;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "SHA256SUMS.txt") continue;
    sums += Sha256::Hex(ReadFile(e.path().string())) + " " + fs::relative(e.path(), dir).string() + "\n";
  }
  WriteFile((fs::path(dir) / "SHA256SUMS.txt").string(), sums);
}

std::string SyntheticReleaseDir() {
  return (fs::path(MEDCRED_SOURCE_DIR) / "src" / "testing" / "synthetic-release").string();
}

void WriteSyntheticRelease(const std::string& dir, const std::map<std::string, std::string>& overrides) {
  // SYNTHETIC: invented patients (see synthetic-release/README.md). Nothing here comes from MIMIC.
  std::map<std::string, std::string> files;
  const fs::path fixture = SyntheticReleaseDir();
  for (const auto& e : fs::recursive_directory_iterator(fixture)) {
    if (!e.is_regular_file() || e.path().extension() != ".csv") continue;
    const std::string rel = fs::relative(e.path(), fixture).string();
    if (rel.rfind("mimic-iv-ecg/", 0) == 0) continue;  // a release of its own: WriteSyntheticEcgRelease
    files[rel + ".gz"] = ReadFile(e.path().string());
  }
  if (files.empty()) throw std::runtime_error("no synthetic release at " + fixture.string());
  for (const auto& [rel, text] : overrides) files[rel] = text;
  for (const auto& [rel, text] : files) {
    if (text == "<absent>") continue;
    WriteFile((fs::path(dir) / rel).string(), text);
  }
  WriteChecksums(dir);
}

void WriteSyntheticEcgRelease(const std::string& dir) {
  // SYNTHETIC: invented tracings of the invented patients (see synthetic-release/README.md).
  const fs::path fixture = fs::path(SyntheticReleaseDir()) / "mimic-iv-ecg";
  for (const char* f : {"machine_measurements.csv", "record_list.csv"}) {
    WriteFile((fs::path(dir) / f).string(), ReadFile((fixture / f).string()));
  }
  WriteChecksums(dir);
}

std::vector<std::string> QueryColumn(const std::string& db_path, const std::string& sql, int col) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK) << db_path;
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::vector<std::string> out;
  while (st != nullptr && sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, col);
    out.push_back(t ? reinterpret_cast<const char*>(t) : "<null>");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

std::string QueryText(const std::string& db_path, const std::string& sql) {
  auto rows = QueryColumn(db_path, sql);
  return rows.empty() ? "<no row>" : rows[0];
}

int64_t QueryInt(const std::string& db_path, const std::string& sql) { return std::stoll(QueryText(db_path, sql)); }

int64_t Exec(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK) << db_path;
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (err ? err : "");
  sqlite3_free(err);
  const int64_t changed = sqlite3_total_changes64(db);
  sqlite3_close(db);
  return changed;
}

CliRun RunMedcred(const std::string& args, const TempDir& tmp) {
  const std::string out = tmp / "stdout", err = tmp / "stderr";
  // The client-side trust state (registry keys, tree heads) of each test's own user.
  const char* state = std::getenv("MEDCRED_STATE_DIR");
  const std::string env = state != nullptr ? "" : "MEDCRED_STATE_DIR=" + (tmp / "medcred-state") + " ";
  const std::string cmd =
      env + std::string(MEDCRED_BINARY_DIR) + "/src/cli/medcred " + args + " >" + out + " 2>" + err + " </dev/null";
  int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ReadFile(out), ReadFile(err)};
}

std::vector<nlohmann::json> ReadEpisodeLinesOf(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

std::string ChromiumPath() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

RenderedPage RenderInChromium(const std::string& url, const std::string& png, const TempDir& tmp, int width,
                              int height) {
  RenderedPage page;
  const std::string browser = ChromiumPath();
  if (browser.empty()) {
    page.error = "chromium is not installed";
    return page;
  }
  // The flags of a browser in CI: no sandbox (root in a container), no GPU, no
  // first-run or background network traffic, a profile of its own.
  const std::string flags =
      " --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
      " --disable-extensions --hide-scrollbars --user-data-dir=" +
      (tmp / "chromium-profile") + " --window-size=" + std::to_string(width) + "," + std::to_string(height);
  const std::string log = tmp / "chromium.log";
  std::string cmd = browser + flags + " --dump-dom '" + url + "' >" + (tmp / "dom.html") + " 2>" + log;
  if (std::system(cmd.c_str()) != 0) {
    page.error = "chromium --dump-dom failed: " + ReadFile(log);
    return page;
  }
  page.dom = ReadFile(tmp / "dom.html");
  cmd = browser + flags + " --screenshot=" + png + " '" + url + "' >" + log + " 2>&1";
  if (std::system(cmd.c_str()) != 0) {
    page.error = "chromium --screenshot failed: " + ReadFile(log);
    return page;
  }
  const std::string bytes = ReadFile(png);
  page.png_bytes = bytes.size();
  // A PNG: its signature, then the IHDR chunk with big-endian width and height.
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0) {
    page.error = png + " is not a PNG";
    return page;
  }
  auto be32 = [&](size_t at) {
    int v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  page.png_width = be32(16);
  page.png_height = be32(20);
  page.ok = true;
  return page;
}

}  // namespace medcred::test

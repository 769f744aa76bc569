#include "testing/testing.h"

#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/sha256.h"

namespace medcred::testing {
namespace fs = std::filesystem;

std::string DemoDir() {
  if (const char* env = std::getenv("MEDCRED_DEMO_DIR"); env != nullptr && *env != '\0') return env;
  fs::path p = fs::path(MEDCRED_SOURCE_DIR) / ".." / "shared" / "data" / "mimic-iv-demo-2.2";
  std::error_code ec;
  return fs::is_directory(p / "hosp", ec) ? fs::canonical(p).string() : "";
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

std::string SyntheticReleaseDir() { return (fs::path(MEDCRED_SOURCE_DIR) / "src" / "testing" / "synthetic-release").string(); }

void WriteSyntheticRelease(const std::string& dir, const std::map<std::string, std::string>& overrides) {
  // SYNTHETIC: invented patients (see synthetic-release/README.md). Nothing here comes from MIMIC.
  std::map<std::string, std::string> files;
  const fs::path fixture = SyntheticReleaseDir();
  for (const auto& e : fs::recursive_directory_iterator(fixture)) {
    if (!e.is_regular_file() || e.path().extension() != ".csv") continue;
    files[fs::relative(e.path(), fixture).string() + ".gz"] = ReadFile(e.path().string());
  }
  if (files.empty()) throw std::runtime_error("no synthetic release at " + fixture.string());
  for (const auto& [rel, text] : overrides) files[rel] = text;
  for (const auto& [rel, text] : files) {
    if (text == "<absent>") continue;
    WriteFile((fs::path(dir) / rel).string(), text);
  }
  WriteChecksums(dir);
}

}  // namespace medcred::testing

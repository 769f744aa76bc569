// make_scaled_demo: writes a MIMIC-shaped release N times the size of the open
// demo, for measuring ingest at scale.
//
//   make_scaled_demo DEMO_DIR OUT_DIR N
//
// Every table the store reads is copied N times; copy k adds k * 10^9 to every
// identifier (subject_id, hadm_id, stay_id, event and specimen ids, and the
// subject prefix of poe_id / note_id), so ids are fresh per copy and every
// join (admission -> labs, poe -> poe_detail, ...) stays consistent within a
// copy. Dictionaries (d_labitems, d_icd_diagnoses) are written once. A
// SHA256SUMS.txt is written so verification is measured too. The output is
// derived from the demo: keep it out of the repository (bench/results/ is
// ignored).
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/byte_source.h"
#include "common/csv_reader.h"
#include "common/sha256.h"
#include "store/schema.h"

namespace fs = std::filesystem;
using namespace medcred;

namespace {

const std::set<std::string> kIdColumns = {"subject_id",  "hadm_id",     "stay_id",       "transfer_id",
                                          "labevent_id", "specimen_id", "microevent_id", "micro_specimen_id",
                                          "pharmacy_id", "emar_id"};
const std::set<std::string> kPrefixedIds = {"poe_id", "discontinue_of_poe_id", "discontinued_by_poe_id", "note_id"};
const std::set<std::string> kDictionaries = {"d_labitems", "d_icd_diagnoses"};

void AppendField(std::string* out, std::string_view text, bool quoted) {
  const bool needs = quoted || text.find_first_of(",\"\n\r") != std::string_view::npos;
  if (!needs) {
    out->append(text);
    return;
  }
  out->push_back('"');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

int Scale(const std::string& in_path, const std::string& out_path, int copies) {
  auto src = OpenDataFile(in_path, nullptr);
  if (!src.ok()) {
    std::fprintf(stderr, "%s\n", src.status().message().c_str());
    return 1;
  }
  // Read the whole (small) demo table once.
  CsvReader reader(src->get(), in_path);
  std::vector<std::vector<std::pair<std::string, bool>>> rows;
  for (;;) {
    auto more = reader.Next();
    if (!more.ok()) {
      std::fprintf(stderr, "%s\n", more.status().message().c_str());
      return 1;
    }
    if (!*more) break;
    auto& row = rows.emplace_back();
    for (const auto& f : reader.fields()) row.emplace_back(std::string(f.text), f.quoted);
  }
  if (rows.empty()) return 0;
  std::vector<int> kind(rows[0].size(), 0);  // 1: integer id, 2: "subject-..." id
  for (size_t c = 0; c < rows[0].size(); ++c) {
    if (kIdColumns.count(rows[0][c].first)) kind[c] = 1;
    if (kPrefixedIds.count(rows[0][c].first)) kind[c] = 2;
  }
  fs::create_directories(fs::path(out_path).parent_path());
  gzFile out = gzopen(out_path.c_str(), "wb6");
  std::string buf;
  auto flush = [&] {
    gzwrite(out, buf.data(), static_cast<unsigned>(buf.size()));
    buf.clear();
  };
  for (int k = 0; k < copies; ++k) {
    const long long offset = static_cast<long long>(k) * 1000000000LL;
    for (size_t r = (k == 0 ? 0 : 1); r < rows.size(); ++r) {
      for (size_t c = 0; c < rows[r].size(); ++c) {
        if (c) buf.push_back(',');
        const auto& [text, quoted] = rows[r][c];
        if (r > 0 && k > 0 && !text.empty() && kind[c] == 1) {
          buf += std::to_string(std::stoll(text) + offset);
        } else if (r > 0 && k > 0 && !text.empty() && kind[c] == 2) {
          const size_t dash = text.find('-');
          buf += std::to_string(std::stoll(text.substr(0, dash)) + offset) + text.substr(dash);
        } else {
          AppendField(&buf, text, quoted);
        }
      }
      buf.push_back('\n');
      if (buf.size() > (1 << 20)) flush();
    }
  }
  flush();
  gzclose(out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_scaled_demo DEMO_DIR OUT_DIR N\n");
    return 1;
  }
  const std::string demo = argv[1], out = argv[2];
  const int n = std::stoi(argv[3]);
  std::vector<std::pair<std::string, int>> jobs;
  for (const TableSpec& t : StoreTables()) {
    const std::string rel = t.RelativePath();
    if (fs::exists(fs::path(demo) / rel)) jobs.emplace_back(rel, kDictionaries.count(t.name) ? 1 : n);
  }
  std::vector<std::thread> threads;
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  for (unsigned w = 0; w < std::max(1u, std::thread::hardware_concurrency()); ++w) {
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < jobs.size();) {
        const auto& [rel, copies] = jobs[i];
        if (Scale((fs::path(demo) / rel).string(), (fs::path(out) / rel).string(), copies) != 0) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return 1;
  std::string sums;
  for (const auto& [rel, copies] : jobs) {
    Sha256 h;
    auto src = OpenFileSource((fs::path(out) / rel).string(), &h);
    std::vector<char> buf(1 << 20);
    while (*(*src)->Read(buf.data(), buf.size()) > 0) {
    }
    sums += h.HexDigest() + "  " + rel + "\n";
  }
  FILE* f = std::fopen((fs::path(out) / "SHA256SUMS.txt").c_str(), "w");
  std::fputs(sums.c_str(), f);
  std::fclose(f);
  std::fprintf(stderr, "wrote %zu tables x%d to %s\n", jobs.size(), n, out.c_str());
  return 0;
}

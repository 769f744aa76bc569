#include "ingest/source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "store/schema.h"

namespace medcred {
namespace fs = std::filesystem;

Result<std::map<std::string, std::string>> ReadChecksums(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::BadInput(path + ": cannot read");
  std::map<std::string, std::string> sums;
  static const std::regex kLine(R"(^([0-9a-fA-F]{64}) [ *]?(.+?)\r?$)");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    std::smatch m;
    if (!std::regex_match(line, m, kLine)) {
      return Status::BadInput(path + ":" + std::to_string(n) + ": not a '<sha256>  <file>' line");
    }
    std::string hex = m[1];
    std::transform(hex.begin(), hex.end(), hex.begin(), ::tolower);
    sums[m[2]] = hex;
  }
  return sums;
}

void IdentifyDataset(const std::string& dir, std::string* name, std::string* version) {
  static const std::regex kNameVersion(R"(^(mimic-?iv(?:-[a-z]+)*)[-_]v?(\d+\.\d+(?:\.\d+)?)$)", std::regex::icase);
  static const std::regex kVersion(R"(^v?(\d+\.\d+(?:\.\d+)?)$)");
  *name = "unknown";
  *version = "unknown";
  fs::path p = fs::absolute(fs::path(dir)).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  const std::string base = p.filename().string();
  std::smatch m;
  if (std::regex_match(base, m, kNameVersion)) {
    *name = m[1];
    *version = m[2];
  } else if (std::regex_match(base, m, kVersion)) {
    *version = m[1];
    *name = p.parent_path().filename().string();  // physionet.org/files/mimiciv/3.1
  } else {
    *name = base;
  }
  std::string lower = *name;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  if (lower.rfind("mimiciv", 0) == 0) lower = "mimic-iv" + lower.substr(7);
  *name = lower;
}

namespace {

bool HasTopLevelEcgFiles(const std::string& dir) {
  std::error_code ec;
  for (const char* f : {"machine_measurements.csv", "machine_measurements.csv.gz"}) {
    if (fs::is_regular_file(fs::path(dir) / f, ec)) return true;
  }
  return false;
}

// Where one module was found: its source folder and that source's checksums.
struct ModuleSource {
  std::string dir;
  std::map<std::string, std::string> sums;
  bool has_sums = false;
  std::string folder;  // where the module's files sit in `dir`: "hosp/", or "" (MIMIC-IV-ECG: at the top)
};

// Phase 1: which module each source holds (a module in two sources is an
// error); the hosp source names the dataset.
Result<std::map<std::string, ModuleSource>> FindModules(const std::vector<std::string>& sources, IngestPlan* plan) {
  std::map<std::string, ModuleSource> found;
  for (const std::string& src : sources) {
    std::error_code ec;
    if (!fs::is_directory(src, ec)) return Status::BadInput(src + ": source directory not found");
    ModuleSource ms{src, {}, false, ""};
    const std::string sums_path = (fs::path(src) / "SHA256SUMS.txt").string();
    if (fs::exists(sums_path, ec)) {
      MEDCRED_ASSIGN_OR_RETURN(ms.sums, ReadChecksums(sums_path));
      ms.has_sums = true;
    }
    for (const std::string& mod : KnownModules()) {
      ms.folder = mod + "/";
      if (!fs::is_directory(fs::path(src) / mod, ec)) {
        // MIMIC-IV-ECG ships its tables at the top of the release folder.
        if (mod != "ecg" || !HasTopLevelEcgFiles(src)) continue;
        ms.folder = "";
      }
      if (found.count(mod)) {
        return Status::Usage("module '" + mod + "' found in two sources: " + found[mod].dir + " and " + src);
      }
      found[mod] = ms;
      if (mod == "hosp") {
        IdentifyDataset(src, &plan->dataset_name, &plan->dataset_version);
        plan->demo = plan->dataset_name.find("demo") != std::string::npos ||
                     fs::exists(fs::path(src) / "demo_subject_id.csv", ec);
      }
    }
  }
  return found;
}

// Phase 2: the modules to ingest, in KnownModules() order: those asked for
// (hosp required), else hosp, icu and whatever the sources hold.
Result<std::vector<std::string>> ChooseModules(const std::vector<std::string>& sources,
                                               const std::vector<std::string>& modules,
                                               const std::map<std::string, ModuleSource>& found) {
  std::vector<std::string> wanted = modules;
  if (wanted.empty()) {
    for (const std::string& mod : KnownModules()) {
      if (mod == "hosp" || mod == "icu" || found.count(mod)) wanted.push_back(mod);
    }
  }
  for (const std::string& mod : wanted) {
    if (std::find(KnownModules().begin(), KnownModules().end(), mod) == KnownModules().end()) {
      return Status::Usage("unknown module '" + mod + "' (known: hosp, icu, ed, note, ecg)");
    }
  }
  if (std::find(wanted.begin(), wanted.end(), "hosp") == wanted.end()) {
    return Status::Usage("the hosp module is required (--modules must include hosp)");
  }
  for (const std::string& mod : wanted) {
    if (!found.count(mod)) {
      std::string dirs;
      for (const auto& s : sources) dirs += (dirs.empty() ? "" : ", ") + s;
      return Status::BadInput("module '" + mod + "' has no " + mod + "/ folder in any source (" + dirs + ")" +
                              (mod == "ecg" ? " and no machine_measurements.csv at the top of one" : ""));
    }
  }
  std::vector<std::string> ordered;
  for (const std::string& mod : KnownModules()) {
    if (std::find(wanted.begin(), wanted.end(), mod) != wanted.end()) ordered.push_back(mod);
  }
  return ordered;
}

// Phase 3: each table's file (.csv.gz, else .csv) with its expected checksum;
// a missing required file is an error, a missing optional one is listed.
Status FindFiles(const std::map<std::string, ModuleSource>& found, bool verify, IngestPlan* plan) {
  const auto& tables = StoreTables();
  for (size_t i = 0; i < tables.size(); ++i) {
    const TableSpec& t = tables[i];
    if (t.is_tally()) continue;  // counted while its table is read
    if (std::find(plan->modules.begin(), plan->modules.end(), t.module) == plan->modules.end()) continue;
    const ModuleSource& ms = found.at(t.module);
    SourceFile f;
    f.table = static_cast<int>(i);
    for (const std::string ext : {".csv.gz", ".csv"}) {
      const std::string rel = ms.folder + t.name + ext;
      std::error_code ec;
      if (fs::is_regular_file(fs::path(ms.dir) / rel, ec)) {
        f.relative = rel;
        f.path = (fs::path(ms.dir) / rel).string();
        f.size = fs::file_size(f.path, ec);
        break;
      }
    }
    if (f.path.empty()) {
      const std::string rel = ms.folder + t.name + ".csv.gz";
      if (t.required_file) {
        return Status::BadInput((fs::path(ms.dir) / rel).string() + ": required file not found (also tried .csv)");
      }
      plan->missing_files.push_back(rel);
      continue;
    }
    if (verify && ms.has_sums) {
      auto it = ms.sums.find(f.relative);
      if (it != ms.sums.end()) f.expected_sha256 = it->second;
    }
    plan->files.push_back(f);
  }
  return Status::OK();
}

}  // namespace

Result<IngestPlan> PlanIngest(const std::vector<std::string>& sources, const std::vector<std::string>& modules,
                              bool verify) {
  if (sources.empty()) return Status::Usage("no --source given");
  IngestPlan plan;
  MEDCRED_ASSIGN_OR_RETURN(const auto found, FindModules(sources, &plan));
  MEDCRED_ASSIGN_OR_RETURN(plan.modules, ChooseModules(sources, modules, found));
  MEDCRED_RETURN_IF_ERROR(FindFiles(found, verify, &plan));
  // The largest files first, so that they start parsing first.
  std::stable_sort(plan.files.begin(), plan.files.end(),
                   [](const SourceFile& a, const SourceFile& b) { return a.size > b.size; });
  return plan;
}

}  // namespace medcred

// `medcred ingest` and `medcred info`.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "common/json_util.h"
#include "ingest/ingest.h"
#include "store/datasets.h"
#include "store/schema.h"
#include "store/store.h"

namespace medcred::cli {
namespace {

// The summary as JSON, with the dataset as medcred recognizes it: the known
// release (by its release digest) and its status.
nlohmann::json SummaryJson(const StoreSummary& s, const DatasetIdentity& id) {
  nlohmann::json j = s.ToJson();
  j["dataset"]["name"] = id.name;
  j["dataset"]["version"] = id.version;
  j["dataset"]["demo"] = id.status == DatasetStatus::kDemo;
  j["dataset"]["release_digest"] = id.release_digest;
  j["dataset"]["status"] = DatasetStatusName(id.status);
  return j;
}

void PrintTable(const StoreSummary& s, const DatasetIdentity& id, const char* verb) {
  std::printf("%s %s: %s %s (%s; release digest %s), modules", verb, s.store.c_str(), id.name.c_str(),
              id.version.c_str(), DatasetStatusName(id.status),
              id.release_digest.empty() ? "unknown" : id.release_digest.substr(0, 16).c_str());
  for (const auto& m : s.modules) std::printf(" %s", m.c_str());
  std::printf("\n%-20s %12s %12s %12s %8s  %s\n", "table", "rows", "source_rows", "filtered", "seconds", "checksum");
  uint64_t total = 0;
  for (const TableSpec& t : StoreTables()) {
    auto it = s.tables.find(t.name);
    if (it == s.tables.end()) continue;
    const TableStats& ts = it->second;
    total += ts.rows;
    std::printf("%-20s %12llu %12llu %12llu %8.2f  %s\n", t.name.c_str(), static_cast<unsigned long long>(ts.rows),
                static_cast<unsigned long long>(ts.source_rows), static_cast<unsigned long long>(ts.filtered_rows),
                ts.seconds, ts.verified ? "verified" : "not listed");
  }
  std::printf("%-20s %12llu rows in %.2f s\n", "total", static_cast<unsigned long long>(total), s.seconds);
  for (const auto& f : s.missing_files) std::printf("missing (skipped): %s\n", f.c_str());
}

}  // namespace

Command AddIngest(CLI::App& root) {
  struct Opts {
    std::vector<std::string> sources;
    std::string store;
    std::string modules;
    bool no_verify = false;
    bool json = false;
    std::string gzip = "isa-l";
    int threads = 0;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("ingest", "Build the embedded store from MIMIC-IV files (hosp, icu, ed, note)");
  app->add_option("--source", o->sources, "A release directory (repeat for the ED and Note modules)")->required();
  app->add_option("--store", o->store, "Store file to create (replaced atomically)")->required();
  app->add_option("--modules", o->modules, "Comma-separated modules (default: hosp,icu and ed,note when present)");
  app->add_flag("--no-verify", o->no_verify, "Do not check files against SHA256SUMS.txt");
  app->add_flag("--json", o->json, "Print the summary as JSON on stdout");
  app->add_option("--gzip", o->gzip, "gzip decoder: isa-l (default) or zlib")->check(CLI::IsMember({"isa-l", "zlib"}));
  app->add_option("--threads", o->threads, "Parser threads (default: cores - 1, at least 1)")->check(CLI::Range(0, 64));
  return {app, [o]() -> Status {
            IngestOptions opt;
            opt.sources = o->sources;
            opt.store_path = o->store;
            std::string m;
            for (char c : o->modules + ",") {
              if (c == ',') {
                if (!m.empty()) opt.modules.push_back(m);
                m.clear();
              } else if (c != ' ') {
                m += c;
              }
            }
            opt.verify = !o->no_verify;
            opt.gzip = o->gzip == "zlib" ? GzipBackend::kZlib : GzipBackend::kIsal;
            opt.parse_threads = o->threads;
            opt.progress = ::isatty(STDERR_FILENO) != 0;
            MEDCRED_ASSIGN_OR_RETURN(KnownDatasets known, KnownDatasets::Load());
            MEDCRED_ASSIGN_OR_RETURN(StoreSummary s, Ingest(opt));
            const DatasetIdentity id = IdentifyStore(s, known);
            for (const auto& [name, t] : s.tables) {
              if (t.repaired_fields == 0) continue;
              std::fprintf(stderr,
                           "medcred ingest: %s: %llu text fields were not UTF-8 or held NUL bytes; they are stored "
                           "with U+FFFD in place of the bad bytes (the first at %s)\n",
                           t.source_file.c_str(), static_cast<unsigned long long>(t.repaired_fields),
                           t.first_repair.c_str());
            }
            if (o->json) {
              std::printf("%s\n", SafeDump(SummaryJson(s, id), 2).c_str());
            } else {
              PrintTable(s, id, "ingested");
            }
            return Status::OK();
          }};
}

Command AddInfo(CLI::App& root) {
  struct Opts {
    std::string store;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("info", "Describe a store: dataset, modules, row counts, checksums");
  app->add_option("--store", o->store, "Store file")->required();
  app->add_flag("--json", o->json, "Print as JSON on stdout");
  return {app, [o]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(auto store, OpenStore(o->store));
            MEDCRED_ASSIGN_OR_RETURN(StoreSummary s, store->Summary());
            // The recorded counts must still be what the store holds.
            for (const auto& [name, t] : s.tables) {
              MEDCRED_ASSIGN_OR_RETURN(uint64_t n, store->CountRows(name));
              if (n != t.rows) {
                return Status::BadInput(s.store + ": table " + name + " holds " + std::to_string(n) +
                                        " rows but its ingest recorded " + std::to_string(t.rows));
              }
            }
            MEDCRED_ASSIGN_OR_RETURN(KnownDatasets known, KnownDatasets::Load());
            const DatasetIdentity id = IdentifyStore(s, known);
            if (o->json) {
              std::printf("%s\n", SafeDump(SummaryJson(s, id), 2).c_str());
            } else {
              PrintTable(s, id, "store");
              if (s.git_commit.empty()) {  // a PostgreSQL database: loaded by another tool
                std::printf("loaded %s by %s\n", s.ingest_time.empty() ? "(time unknown)" : s.ingest_time.c_str(),
                            s.medcred_version.empty() ? "a tool other than medcred" : s.medcred_version.c_str());
              } else {
                std::printf("ingested %s by medcred %s (%s)\n", s.ingest_time.c_str(), s.medcred_version.c_str(),
                            s.git_commit.c_str());
              }
            }
            return Status::OK();
          }};
}

}  // namespace medcred::cli

#include "store/summary.h"

#include "common/sha256.h"

namespace medcred {

std::string StoreSummary::ChecksumDigest() const {
  std::map<std::string, std::string> by_file;
  for (const auto& [name, t] : tables) {
    if (!t.sha256.empty()) by_file[t.source_file] = t.sha256;  // tallies have no file of their own
  }
  Sha256 h;
  for (const auto& [file, sha] : by_file) h.Update(file + " " + sha + "\n");
  return h.HexDigest();
}

nlohmann::json StoreSummary::ToJson() const {
  nlohmann::json tables_json = nlohmann::json::object();
  for (const auto& [name, t] : tables) {
    tables_json[name] = {{"module", t.module},
                         {"source_file", t.source_file},
                         {"sha256", t.sha256},
                         {"verified", t.verified},
                         {"rows", t.rows},
                         {"source_rows", t.source_rows},
                         {"filtered_rows", t.filtered_rows},
                         {"seconds", t.seconds}};
    if (t.repaired_fields > 0) {
      tables_json[name]["repaired_fields"] = t.repaired_fields;
      tables_json[name]["first_repair"] = t.first_repair;
    }
  }
  return {
      {"store", store},
      {"dataset",
       {{"name", dataset_name}, {"version", dataset_version}, {"demo", demo}, {"checksum_digest", ChecksumDigest()}}},
      {"modules", modules},
      {"tables", tables_json},
      {"missing_files", missing_files},
      {"medcred_version", medcred_version},
      {"git_commit", git_commit},
      {"schema_version", schema_version},
      {"ingest_time", ingest_time},
      {"gzip_backend", gzip_backend},
      {"seconds", seconds}};
}

}  // namespace medcred

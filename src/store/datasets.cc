#include "store/datasets.h"

#include <algorithm>

#include "common/sha256.h"

namespace medcred {

const char* DatasetStatusName(DatasetStatus status) {
  switch (status) {
    case DatasetStatus::kRecognized:
      return "recognized";
    case DatasetStatus::kDemo:
      return "demo";
    case DatasetStatus::kUnrecognized:
      return "unrecognized";
  }
  return "unrecognized";
}

Result<DatasetStatus> ParseDatasetStatus(const std::string& name) {
  for (DatasetStatus s : {DatasetStatus::kRecognized, DatasetStatus::kDemo, DatasetStatus::kUnrecognized}) {
    if (name == DatasetStatusName(s)) return s;
  }
  return Status::BadInput("dataset status '" + name + "' is not recognized, demo or unrecognized");
}

const std::vector<std::string>& ReleaseDigestFiles() {
  static const std::vector<std::string> kFiles = {"hosp/admissions.csv.gz", "hosp/d_icd_diagnoses.csv.gz",
                                                  "hosp/d_labitems.csv.gz", "hosp/diagnoses_icd.csv.gz",
                                                  "hosp/labevents.csv.gz",  "hosp/patients.csv.gz"};
  return kFiles;
}

std::string ReleaseDigest(const StoreSummary& summary) {
  std::map<std::string, std::string> sha_of;
  // The files as PhysioNet distributes them (.csv.gz): a decompressed copy has other bytes.
  for (const auto& [table, t] : summary.tables) sha_of[t.source_file] = t.sha256;
  Sha256 h;
  for (const std::string& f : ReleaseDigestFiles()) {
    auto it = sha_of.find(f);
    if (it == sha_of.end() || it->second.size() != 64) return "";
    h.Update(f + " " + it->second + "\n");
  }
  return h.HexDigest();
}

Result<KnownDatasets> KnownDatasets::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  return Parse(f);
}

Result<KnownDatasets> KnownDatasets::Parse(const DataFile& file) {
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  KnownDatasets k;
  k.sha256_ = file.sha256;
  MEDCRED_ASSIGN_OR_RETURN(k.version_, TomlText(root["version"], file.path + ": version"));
  const toml::array* releases = root["release"].as_array();
  if (releases == nullptr) return Status::BadInput(file.path + ": [[release]] is missing");
  for (size_t i = 0; i < releases->size(); ++i) {
    const std::string where = file.path + ": release[" + std::to_string(i) + "]";
    const toml::table* t = releases->get(i)->as_table();
    if (t == nullptr) return Status::BadInput(where + " must be a table");
    KnownRelease r;
    MEDCRED_ASSIGN_OR_RETURN(r.name, TomlText((*t)["name"], where + ".name"));
    MEDCRED_ASSIGN_OR_RETURN(r.version, TomlText((*t)["version"], where + ".version"));
    MEDCRED_ASSIGN_OR_RETURN(r.digest, TomlText((*t)["digest"], where + ".digest"));
    MEDCRED_ASSIGN_OR_RETURN(r.source, TomlText((*t)["source"], where + ".source"));
    auto demo = (*t)["demo"].value<bool>();
    if (!demo) return Status::BadInput(where + ".demo must be true or false");
    r.demo = *demo;
    const bool hex = r.digest.size() == 64 && std::all_of(r.digest.begin(), r.digest.end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!hex) return Status::BadInput(where + ".digest must be 64 lower-case hex digits");
    if (k.Find(r.digest) != nullptr) return Status::BadInput(where + ": digest listed twice");
    k.releases_.push_back(std::move(r));
  }
  return k;
}

const KnownRelease* KnownDatasets::Find(const std::string& digest) const {
  if (digest.empty()) return nullptr;
  for (const KnownRelease& r : releases_) {
    if (r.digest == digest) return &r;
  }
  return nullptr;
}

DatasetStatus KnownDatasets::StatusOf(const std::string& digest) const {
  const KnownRelease* r = Find(digest);
  if (r == nullptr) return DatasetStatus::kUnrecognized;
  return r->demo ? DatasetStatus::kDemo : DatasetStatus::kRecognized;
}

DatasetIdentity IdentifyStore(const StoreSummary& summary, const KnownDatasets& known) {
  DatasetIdentity id;
  id.release_digest = ReleaseDigest(summary);
  id.status = known.StatusOf(id.release_digest);
  if (const KnownRelease* r = known.Find(id.release_digest)) {
    id.name = r->name;
    id.version = r->version;
  } else {
    id.name = summary.dataset_name;
    id.version = summary.dataset_version;
  }
  return id;
}

}  // namespace medcred

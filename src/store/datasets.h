// Known datasets: how a store's data is recognized as a MIMIC-IV release
// (data/datasets-v1.toml), by the release digest of its files, never by the
// name of the folder it came from.
//
//   recognized    a listed release that is not a demo: tiers can be earned
//   demo          a listed open demo: labelled demo everywhere, never a tier
//   unrecognized  anything else (a scaled or edited copy, a release not yet
//                 listed, a database without checksums): no tier anywhere
//
// Thread safety: immutable after Load(); a value.
#pragma once

#include <string>
#include <vector>

#include "common/data_file.h"
#include "common/status.h"
#include "store/summary.h"

namespace medcred {

enum class DatasetStatus { kRecognized, kDemo, kUnrecognized };
const char* DatasetStatusName(DatasetStatus status);  // "recognized", "demo", "unrecognized"
Result<DatasetStatus> ParseDatasetStatus(const std::string& name);

struct KnownRelease {
  std::string name, version, digest, source;
  bool demo = false;
};

// The files whose checksums make up a release digest.
const std::vector<std::string>& ReleaseDigestFiles();

// The release digest of a store's files (empty when a file's checksum is unknown).
std::string ReleaseDigest(const StoreSummary& summary);

class KnownDatasets {
 public:
  static Result<KnownDatasets> Load(const std::string& file_name = "datasets-v1.toml");
  static Result<KnownDatasets> Parse(const DataFile& file);

  // The release with this digest, or null.
  const KnownRelease* Find(const std::string& digest) const;
  DatasetStatus StatusOf(const std::string& digest) const;

  const std::string& version() const { return version_; }
  const std::string& sha256() const { return sha256_; }
  const std::vector<KnownRelease>& releases() const { return releases_; }

 private:
  std::string version_, sha256_;
  std::vector<KnownRelease> releases_;
};

// A store's identity under the known datasets: its name and version (the
// release's when recognized, else the store's own labels), digest and status.
struct DatasetIdentity {
  std::string name, version, release_digest;
  DatasetStatus status = DatasetStatus::kUnrecognized;
};
DatasetIdentity IdentifyStore(const StoreSummary& summary, const KnownDatasets& known);

}  // namespace medcred

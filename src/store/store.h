// Store: read access to an ingested MIMIC-IV store.
//
// The embedded SQLite store is the one implementation today; a PostgreSQL
// implementation (issue 8) will sit behind the same interface, chosen by the
// location string (`postgresql://...`). Cases and the environment read through
// this interface only.
//
// Thread safety: a Store object is used by one thread at a time; open one per
// worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "store/summary.h"

namespace medcred {

class Store {
 public:
  virtual ~Store() = default;
  // What the store says of itself (meta and ingest_tables).
  virtual Result<StoreSummary> Summary() = 0;
  // Rows actually present in `table` now.
  virtual Result<uint64_t> CountRows(const std::string& table) = 0;
};

// Opens the store at `location` read-only. A missing file is a usage error; a
// store of another schema version is bad input.
Result<std::unique_ptr<Store>> OpenStore(const std::string& location);

}  // namespace medcred

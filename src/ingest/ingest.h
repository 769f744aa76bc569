// Ingest: a MIMIC-IV release, as PhysioNet ships it, into a new embedded store.
//
// Pipeline: parser threads each take a whole source file (largest first),
// decompress it, parse RFC 4180 records, check and type every kept column,
// apply the schema's by-design filters and hash the raw bytes for checksum
// verification, all in one pass; they hand typed RowBatches through a bounded
// queue to the single SQLite writer (the calling thread). Memory is bounded by
// the queue, whatever the file sizes. Indexes are built after the load. The
// store appears at its path only when everything succeeded (StoreWriter).
//
// Thread safety: Ingest() may be called from any thread; it starts and joins
// its own workers.
#pragma once

#include <string>
#include <vector>

#include "common/byte_source.h"
#include "common/status.h"
#include "store/summary.h"

namespace medcred {

struct IngestOptions {
  std::vector<std::string> sources;
  std::string store_path;
  std::vector<std::string> modules;  // empty: hosp, icu, and ed/note when present
  bool verify = true;                // check SHA256SUMS.txt when present
  GzipBackend gzip = GzipBackend::kIsal;
  int parse_threads = 0;  // 0: one less than the cores, at least 1
  bool progress = false;  // a progress line on stderr
};

Result<StoreSummary> Ingest(const IngestOptions& options);

}  // namespace medcred

// StoreWriter: builds a new embedded (SQLite) store, atomically.
//
// Create() makes `PATH.tmp` with every table of the schema and no indexes;
// Insert() appends typed batches inside one large transaction with journaling
// off (the file is private until it is renamed); Finish() builds the indexes,
// writes `meta` and `ingest_tables`, commits, syncs and renames the file over
// PATH. Until Finish() succeeds, whatever was at PATH is untouched; a writer
// destroyed unfinished deletes its temporary file.
//
// Thread safety: one thread uses a writer.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/row_batch.h"
#include "store/summary.h"

namespace medcred {

class StoreWriter {
 public:
  static Result<std::unique_ptr<StoreWriter>> Create(const std::string& path);
  ~StoreWriter();

  Status Insert(const RowBatch& batch);
  // `summary` is written as the store's metadata. Row counts are checked
  // against what was inserted before anything is renamed.
  Status Finish(const StoreSummary& summary);

 private:
  struct Impl;
  explicit StoreWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace medcred

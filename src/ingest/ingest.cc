#include "ingest/ingest.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "common/csv_reader.h"
#include "common/sha256.h"
#include "common/text.h"
#include "common/time.h"
#include "common/version.h"
#include "ingest/source.h"
#include "store/schema.h"
#include "store/store_writer.h"

namespace medcred {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kBatchRows = 8192;
constexpr size_t kBatchBytes = 4 << 20;
constexpr size_t kQueueBatches = 16;

// Rows of a table counted by some of its columns while its file is read
// (schema.h: a tally table such as labitem_counts).
struct Tally {
  int table = -1;                                    // the tally's index in StoreTables()
  std::vector<int> source;                           // the source-file column of each counted column
  std::unordered_map<std::string, uint64_t> counts;  // the values, joined by '\x1f' -> rows
};

// A parsed file's accounting, sent after its last batch, with its tallies as rows.
struct FileDone {
  int table;
  TableStats stats;
  std::vector<RowBatch> tallies;
};

struct Item {
  std::optional<RowBatch> batch;
  std::optional<FileDone> done;
};

// A bounded multi-producer queue; Close() wakes everyone up for shutdown.
class Queue {
 public:
  bool Push(Item item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < kQueueBatches; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  // False when the queue is closed or every producer finished and it is empty.
  bool Pop(Item* out) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty() || producers_ == 0; });
    if (closed_ || items_.empty()) return false;
    *out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }
  void SetProducers(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    producers_ = n;
  }
  void ProducerDone() {
    std::lock_guard<std::mutex> lock(mu_);
    --producers_;
    not_empty_.notify_all();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Item> items_;
  int producers_ = 0;
  bool closed_ = false;
};

// Converts one CSV field into a typed cell, or says why it cannot. Text that
// is not UTF-8, or holds NUL bytes, is stored repaired (U+FFFD) and counted
// in `repaired`: every reader downstream can then rely on clean text.
bool AddCell(RowBatch* batch, ColumnType type, const CsvField& f, uint64_t* repaired) {
  if (f.is_null() || (f.text.empty() && type != ColumnType::kText)) {
    batch->AddNull();
    return true;
  }
  const char* b = f.text.data();
  const char* e = b + f.text.size();
  switch (type) {
    case ColumnType::kText:
      if (IsCleanUtf8(f.text)) {
        batch->AddText(f.text);
      } else {
        batch->AddText(RepairUtf8(f.text));
        ++*repaired;
      }
      return true;
    case ColumnType::kInt: {
      int64_t v;
      auto r = std::from_chars(b, e, v);
      if (r.ec != std::errc() || r.ptr != e) return false;
      batch->AddInt(v);
      return true;
    }
    case ColumnType::kReal: {
      double v;
      auto r = std::from_chars(b, e, v);
      if (r.ec != std::errc() || r.ptr != e || v != v) return false;  // NaN is not a measurement
      batch->AddReal(v);
      return true;
    }
    case ColumnType::kTime: {
      auto t = ParseTimestamp(f.text);
      if (!t) return false;
      batch->AddInt(*t);
      return true;
    }
  }
  return false;
}

const char* TypeNoun(ColumnType t) {
  switch (t) {
    case ColumnType::kInt:
      return "an integer";
    case ColumnType::kReal:
      return "a number";
    case ColumnType::kTime:
      return "a date or time";
    case ColumnType::kText:
      break;
  }
  return "text";
}

// The tallies of `spec`'s table, their counted columns located in the file's header.
Result<std::vector<Tally>> TalliesFor(int table, const CsvReader& reader) {
  std::vector<Tally> out;
  for (int t : TalliesOf(table)) {
    const TableSpec& tally = StoreTables()[static_cast<size_t>(t)];
    Tally tl;
    tl.table = t;
    for (size_t c = 0; c + 1 < tally.columns.size(); ++c) {
      int at = -1;
      for (size_t h = 0; h < reader.fields().size(); ++h) {
        if (Lower(reader.fields()[h].text) == tally.columns[c].name) at = static_cast<int>(h);
      }
      if (at < 0) return reader.ErrorHere("header has no column '" + tally.columns[c].name + "'");
      tl.source.push_back(at);
    }
    out.push_back(std::move(tl));
  }
  return out;
}

// A tally's counts as rows of its table, ordered by value.
Result<RowBatch> TallyRows(const Tally& t, const std::string& where) {
  const TableSpec& spec = StoreTables()[static_cast<size_t>(t.table)];
  RowBatch b;
  b.table = t.table;
  b.columns = spec.columns.size();
  std::vector<std::pair<std::string, uint64_t>> sorted(t.counts.begin(), t.counts.end());
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [key, n] : sorted) {
    size_t from = 0;
    for (size_t c = 0; c + 1 < spec.columns.size(); ++c) {
      size_t to = key.find('\x1f', from);
      if (to == std::string::npos) to = key.size();
      const CsvField f{std::string_view(key).substr(from, to - from), false};
      uint64_t repaired = 0;  // counted already, in the source table's own stats
      if (!AddCell(&b, spec.columns[c].type, f, &repaired)) {
        return Status::BadInput(where + ": column '" + spec.columns[c].name + "': '" + std::string(f.text) +
                                "' is not " + TypeNoun(spec.columns[c].type));
      }
      from = to + 1;
    }
    b.AddInt(static_cast<int64_t>(n));
  }
  return b;
}

// Where each kept column (and the filter column) sits in the file's header.
Status MapHeader(const TableSpec& spec, const CsvReader& reader, std::vector<int>* source_index, int* filter_index) {
  source_index->assign(spec.columns.size(), -1);
  for (size_t h = 0; h < reader.fields().size(); ++h) {
    const std::string name = Lower(reader.fields()[h].text);
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      if (spec.columns[c].name == name) (*source_index)[c] = static_cast<int>(h);
    }
    if (!spec.filter_column.empty() && spec.filter_column == name) *filter_index = static_cast<int>(h);
  }
  for (size_t c = 0; c < spec.columns.size(); ++c) {
    if ((*source_index)[c] < 0 && spec.columns[c].required) {
      return reader.ErrorHere("header has no column '" + spec.columns[c].name + "'");
    }
  }
  return Status::OK();
}

// Counts one row in each tally of its table.
void CountRow(const std::vector<CsvField>& fields, std::vector<Tally>* tallies, std::string* key) {
  for (Tally& t : *tallies) {
    key->clear();
    for (size_t c = 0; c < t.source.size(); ++c) {
      if (c > 0) key->push_back('\x1f');
      key->append(fields[static_cast<size_t>(t.source[c])].text);
    }
    ++t.counts[*key];
  }
}

// Parses one source file into batches on `queue`.
Status ParseFile(const SourceFile& file, GzipBackend gzip, Queue* queue, const std::atomic<bool>& cancel) {
  const TableSpec& spec = StoreTables()[static_cast<size_t>(file.table)];
  const auto start = Clock::now();
  Sha256 hasher;
  MEDCRED_ASSIGN_OR_RETURN(auto source, OpenDataFile(file.path, &hasher, gzip));
  CsvReader reader(source.get(), file.path);

  MEDCRED_ASSIGN_OR_RETURN(bool has_header, reader.Next());
  if (!has_header) return Status::BadInput(file.path + ": empty file (no header line)");
  const size_t width = reader.fields().size();
  std::vector<int> source_index;
  int filter_index = -1;
  MEDCRED_RETURN_IF_ERROR(MapHeader(spec, reader, &source_index, &filter_index));
  std::unordered_set<std::string_view> keep(spec.filter_values.begin(), spec.filter_values.end());
  MEDCRED_ASSIGN_OR_RETURN(std::vector<Tally> tallies, TalliesFor(file.table, reader));
  std::string tally_key;

  TableStats stats;
  stats.module = spec.module;
  stats.source_file = file.relative;
  auto new_batch = [&] {
    RowBatch b;
    b.table = file.table;
    b.columns = spec.columns.size();
    b.cells.reserve(kBatchRows * b.columns);
    return b;
  };
  RowBatch batch = new_batch();
  for (;;) {
    MEDCRED_ASSIGN_OR_RETURN(bool more, reader.Next());
    if (!more) break;
    const auto& fields = reader.fields();
    if (fields.size() != width) {
      return reader.ErrorHere("expected " + std::to_string(width) + " fields as in the header, found " +
                              std::to_string(fields.size()));
    }
    ++stats.source_rows;
    if (filter_index >= 0 && !keep.count(fields[static_cast<size_t>(filter_index)].text)) {
      ++stats.filtered_rows;
      continue;
    }
    for (size_t c = 0; c < spec.columns.size(); ++c) {
      if (source_index[c] < 0) {
        batch.AddNull();
        continue;
      }
      const CsvField& f = fields[static_cast<size_t>(source_index[c])];
      const uint64_t repaired_before = stats.repaired_fields;
      if (!AddCell(&batch, spec.columns[c].type, f, &stats.repaired_fields)) {
        return reader.ErrorHere("column '" + spec.columns[c].name + "': '" + RepairUtf8(f.text.substr(0, 40)) +
                                "' is not " + TypeNoun(spec.columns[c].type));
      }
      if (stats.repaired_fields > repaired_before && stats.first_repair.empty()) {
        stats.first_repair = file.path + ":" + std::to_string(reader.line()) + " (column " + spec.columns[c].name + ")";
      }
    }
    ++stats.rows;
    CountRow(fields, &tallies, &tally_key);
    if (batch.rows() >= kBatchRows || batch.arena.size() >= kBatchBytes) {
      if (cancel.load(std::memory_order_relaxed) || !queue->Push(Item{std::move(batch), {}})) {
        return Status::OK();  // another thread failed; it reports
      }
      batch = new_batch();
    }
  }
  stats.sha256 = hasher.HexDigest();
  if (!file.expected_sha256.empty()) {
    if (stats.sha256 != file.expected_sha256) {
      return Status::BadInput(file.path + ": SHA-256 mismatch: SHA256SUMS.txt says " + file.expected_sha256 +
                              ", the file is " + stats.sha256 + " (re-download it, or pass --no-verify)");
    }
    stats.verified = true;
  }
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  FileDone done{file.table, stats, {}};
  for (const Tally& t : tallies) {
    MEDCRED_ASSIGN_OR_RETURN(RowBatch rows, TallyRows(t, file.path));
    done.tallies.push_back(std::move(rows));
  }
  if (batch.rows() > 0) queue->Push(Item{std::move(batch), {}});
  queue->Push(Item{{}, std::move(done)});
  return Status::OK();
}

// A file parsed to its end: its accounting, and its tallies written as rows of their tables.
Status FileFinished(const FileDone& done, StoreWriter* writer, StoreSummary* summary) {
  const TableStats& source = done.stats;
  summary->tables[StoreTables()[static_cast<size_t>(done.table)].name] = source;
  for (const RowBatch& rows : done.tallies) {
    MEDCRED_RETURN_IF_ERROR(writer->Insert(rows));
    TableStats ts;  // no file of its own: no checksum
    ts.module = source.module;
    ts.source_file = "tally of " + source.source_file;
    ts.source_rows = source.rows;
    ts.rows = rows.rows();
    summary->tables[StoreTables()[static_cast<size_t>(rows.table)].name] = ts;
  }
  return Status::OK();
}

std::string Thousands(uint64_t n) {
  // Built front to back: GCC 12 at -O3 reports a false -Wrestrict on
  // std::string::insert in a loop.
  const std::string digits = std::to_string(n);
  std::string s;
  s.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s.push_back(',');
    s.push_back(digits[i]);
  }
  return s;
}

}  // namespace

Result<StoreSummary> Ingest(const IngestOptions& options) {
  const auto start = Clock::now();
  if (options.store_path.empty()) return Status::Usage("no --store given");
  MEDCRED_ASSIGN_OR_RETURN(IngestPlan plan, PlanIngest(options.sources, options.modules, options.verify));
  MEDCRED_ASSIGN_OR_RETURN(auto writer, StoreWriter::Create(options.store_path));

  StoreSummary summary;
  summary.store = options.store_path;
  summary.dataset_name = plan.dataset_name;
  summary.dataset_version = plan.dataset_version;
  summary.demo = plan.demo;
  summary.modules = plan.modules;
  summary.missing_files = plan.missing_files;
  summary.medcred_version = kVersion;
  summary.git_commit = kGitCommit;
  summary.schema_version = kStoreSchemaVersion;
  summary.ingest_time = NowIso8601Utc();
  summary.gzip_backend = GzipBackendName(options.gzip);

  int threads = options.parse_threads;
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) - 1);
  threads = std::min<int>(threads, static_cast<int>(std::max<size_t>(plan.files.size(), 1)));

  Queue queue;
  queue.SetProducers(threads);
  std::atomic<bool> cancel{false};
  std::atomic<size_t> next_file{0};
  std::mutex err_mu;
  Status first_error;
  auto fail = [&](const Status& st) {
    std::lock_guard<std::mutex> lock(err_mu);
    if (first_error.ok()) first_error = st;
    cancel = true;
    queue.Close();
  };

  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&] {
      for (;;) {
        const size_t i = next_file.fetch_add(1);
        if (i >= plan.files.size() || cancel) break;
        Status st = ParseFile(plan.files[i], options.gzip, &queue, cancel);
        if (!st.ok()) {
          fail(st);
          break;
        }
      }
      queue.ProducerDone();
    });
  }

  // The writer: this thread.
  uint64_t total_rows = 0;
  auto last_progress = Clock::now();
  Item item;
  while (queue.Pop(&item)) {
    if (item.batch) {
      Status st = writer->Insert(*item.batch);
      if (!st.ok()) {
        fail(st);
        break;
      }
      total_rows += item.batch->rows();
      if (options.progress && Clock::now() - last_progress > std::chrono::milliseconds(250)) {
        last_progress = Clock::now();
        const double secs = std::chrono::duration<double>(last_progress - start).count();
        std::fprintf(stderr, "\ringest: %s rows stored, %s rows/s   ", Thousands(total_rows).c_str(),
                     Thousands(static_cast<uint64_t>(static_cast<double>(total_rows) / secs)).c_str());
      }
    } else if (item.done) {
      Status st = FileFinished(*item.done, writer.get(), &summary);
      if (!st.ok()) {
        fail(st);
        break;
      }
    }
  }
  for (auto& t : workers) t.join();
  if (options.progress) std::fprintf(stderr, "\r\033[K");
  if (!first_error.ok()) return first_error;  // the writer's destructor removes the temporary file

  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  MEDCRED_RETURN_IF_ERROR(writer->Finish(summary));
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace medcred

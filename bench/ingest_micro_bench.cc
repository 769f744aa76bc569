// Micro-benchmarks of ingest's front end on the demo's largest table
// (hosp/labevents.csv.gz): decompression with ISA-L vs zlib, and decompression
// plus RFC 4180 parsing. Bytes/s are of decompressed CSV.
//
//   build/bench/ingest_micro_bench [--benchmark_filter=...]
// The demo is found through MEDCRED_DEMO_DIR or ../shared/data.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/byte_source.h"
#include "common/csv_reader.h"

namespace {

std::string LabFile() {
  const char* env = std::getenv("MEDCRED_DEMO_DIR");
  std::string dir = env ? env : std::string(MEDCRED_SOURCE_DIR) + "/../shared/data/mimic-iv-demo-2.2";
  return dir + "/hosp/labevents.csv.gz";
}

void BM_Gunzip(benchmark::State& state) {
  const auto backend = static_cast<medcred::GzipBackend>(state.range(0));
  std::vector<char> buf(1 << 20);
  int64_t bytes = 0;
  for (auto _ : state) {
    auto src = medcred::OpenDataFile(LabFile(), nullptr, backend);
    if (!src.ok()) {
      state.SkipWithError(src.status().message().c_str());
      return;
    }
    for (;;) {
      auto n = (*src)->Read(buf.data(), buf.size());
      if (!n.ok() || *n == 0) break;
      bytes += static_cast<int64_t>(*n);
    }
  }
  state.SetBytesProcessed(bytes);
  state.SetLabel(medcred::GzipBackendName(backend));
}
BENCHMARK(BM_Gunzip)
    ->Arg(static_cast<int>(medcred::GzipBackend::kIsal))
    ->Arg(static_cast<int>(medcred::GzipBackend::kZlib))
    ->Unit(benchmark::kMillisecond);

class CountingSource : public medcred::ByteSource {
 public:
  explicit CountingSource(std::unique_ptr<medcred::ByteSource> s) : s_(std::move(s)) {}
  medcred::Result<size_t> Read(char* dst, size_t n) override {
    auto r = s_->Read(dst, n);
    if (r.ok()) bytes += static_cast<int64_t>(*r);
    return r;
  }
  int64_t bytes = 0;

 private:
  std::unique_ptr<medcred::ByteSource> s_;
};

void BM_GunzipAndParse(benchmark::State& state) {
  const auto backend = static_cast<medcred::GzipBackend>(state.range(0));
  int64_t bytes = 0, records = 0;
  for (auto _ : state) {
    auto src = medcred::OpenDataFile(LabFile(), nullptr, backend);
    if (!src.ok()) {
      state.SkipWithError(src.status().message().c_str());
      return;
    }
    CountingSource counting(std::move(src).value());
    medcred::CsvReader reader(&counting, "labevents");
    for (;;) {
      auto more = reader.Next();
      if (!more.ok() || !*more) break;
      ++records;
    }
    bytes += counting.bytes;
  }
  state.SetBytesProcessed(bytes);
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.SetLabel(medcred::GzipBackendName(backend));
}
BENCHMARK(BM_GunzipAndParse)
    ->Arg(static_cast<int>(medcred::GzipBackend::kIsal))
    ->Arg(static_cast<int>(medcred::GzipBackend::kZlib))
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Grading speed (issue 16): loading the grader and grading one answer, under methodology and lexicon
// v2 and v1, over the hand-graded table's answers (src/grading/testdata/grader_table.tsv). Prints
// figures; asserts nothing (bench/README.md#grading). Needs the reference folder (MEDCRED_REFERENCE_DIR
// or ../shared/data/reference beside the repository).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "cases/ccsr.h"
#include "cases/icd.h"
#include "grading/grader.h"

namespace medcred {
namespace {

struct Row {
  std::vector<std::string> truth, secondary;
  std::string answer;
};

struct Fixture {
  std::string dir;
  std::unique_ptr<IcdReference> ref;
  std::shared_ptr<const Ccsr> ccsr;
  std::unique_ptr<Grader> v1, v2;
  std::vector<Row> rows;
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string c; std::getline(in, c, ',');)
    if (!c.empty()) out.push_back(c);
  return out;
}

Fixture* Get() {
  static Fixture* f = [] {
    auto* x = new Fixture;
    auto dir = IcdReference::FindDir("");
    if (!dir.ok()) {
      std::fprintf(stderr, "grading_bench: %s\n", dir.status().message().c_str());
      std::exit(2);
    }
    x->dir = *dir;
    x->ref = std::make_unique<IcdReference>(std::move(*IcdReference::Load(x->dir)));
    x->ccsr = std::make_shared<const Ccsr>(std::move(*Ccsr::Load(x->dir)));
    x->v2 = std::make_unique<Grader>(std::move(*Grader::Load(x->ref.get(), x->ccsr)));
    x->v1 = std::make_unique<Grader>(
        std::move(*Grader::Load(x->ref.get(), nullptr, "lexicon-v1.toml", "methodology-v1.toml")));
    std::ifstream in(std::string(MEDCRED_SOURCE_DIR) + "/src/grading/testdata/grader_table.tsv");
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> cell;
      std::stringstream cells(line);
      for (std::string c; std::getline(cells, c, '\t');) cell.push_back(c);
      if (cell.size() >= 3) x->rows.push_back({Split(cell[0]), Split(cell[1]), cell[2]});
    }
    return x;
  }();
  return f;
}

void GradeTable(benchmark::State& state, bool v2) {
  Fixture* f = Get();
  const Grader& g = v2 ? *f->v2 : *f->v1;
  size_t i = 0;
  for (auto _ : state) {
    const Row& r = f->rows[i++ % f->rows.size()];
    benchmark::DoNotOptimize(g.GradeAnswer(r.truth, r.secondary, r.answer, std::nullopt));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["answers"] = static_cast<double>(f->rows.size());
}

void BM_GradeAnswerV2(benchmark::State& state) { GradeTable(state, true); }
void BM_GradeAnswerV1(benchmark::State& state) { GradeTable(state, false); }
BENCHMARK(BM_GradeAnswerV2)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GradeAnswerV1)->Unit(benchmark::kMicrosecond);

// The slowest answers of the table under v2 (long ones, compounds): the worst case per answer.
void BM_GradeLongAnswerV2(benchmark::State& state) {
  Fixture* f = Get();
  const std::string text =
      "acute on chronic systolic congestive heart failure exacerbation secondary to NSTEMI, "
      "rule out pulmonary embolism, no evidence of pneumonia, left leg cellulitis due to MRSA";
  for (auto _ : state) benchmark::DoNotOptimize(f->v2->GradeAnswer({"I5023"}, {"I214"}, text, std::nullopt));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GradeLongAnswerV2)->Unit(benchmark::kMicrosecond);

void BM_LoadGraderV2(benchmark::State& state) {
  Fixture* f = Get();
  for (auto _ : state) benchmark::DoNotOptimize(Grader::Load(f->ref.get(), f->ccsr));
}
BENCHMARK(BM_LoadGraderV2)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_LoadCcsr(benchmark::State& state) {
  Fixture* f = Get();
  for (auto _ : state) benchmark::DoNotOptimize(Ccsr::Load(f->dir));
}
BENCHMARK(BM_LoadCcsr)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace medcred

BENCHMARK_MAIN();

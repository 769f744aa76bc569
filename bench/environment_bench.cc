// Tool-call latency of the environment (issue 4): for every case of a store,
// open an episode and make a fixed, realistic sequence of tool calls (parse +
// answer), timing each. Prints p50/p99/max per tool and overall, and the
// episode open time. No assertion: the figures are the result.
//
//   build/bench/environment_bench STORE [REFERENCE_DIR] [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "environment/environment.h"

using namespace medcred;
using Clock = std::chrono::steady_clock;

namespace {

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double ThreadCpuMicros() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

void Print(const char* what, std::vector<double> v) {
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) {
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  std::printf("%-22s n=%-7zu p50 %8.1f us   p99 %8.1f us   max %8.1f us\n", what, v.size(), pct(0.50), pct(0.99),
              v.back());
}

int Fail(const Status& s) {
  std::fprintf(stderr, "environment_bench: %s\n", s.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: environment_bench STORE [REFERENCE_DIR] [ROUNDS]\n");
    return 1;
  }
  const std::string store_path = argv[1];
  const int rounds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 1;
  auto ref_dir = IcdReference::FindDir(argc > 2 ? argv[2] : "");
  if (!ref_dir.ok()) return Fail(ref_dir.status());
  auto store = OpenStore(store_path);
  auto tax = Taxonomy::Load();
  auto rules = PresentationRules::Load();
  auto ref = IcdReference::Load(*ref_dir);
  auto ccsr = Ccsr::Load(*ref_dir);
  if (!ccsr.ok()) return Fail(ccsr.status());
  auto catalog = LabCatalog::Load();
  auto costs = CostTable::Load();
  if (catalog.ok()) {
    const Status loinc = catalog->UseLoincFrom(*ref_dir);
    if (!loinc.ok()) return Fail(loinc);
  }
  for (const Status& s :
       {store.status(), tax.status(), rules.status(), ref.status(), catalog.status(), costs.status()}) {
    if (!s.ok()) return Fail(s);
  }
  const auto t_cases = Clock::now();
  auto cases = BuildCases(**store, CaseInputs{&*tax, &*rules, &*ref, &*ccsr});
  if (!cases.ok()) return Fail(cases.status());
  const double cases_s = std::chrono::duration<double>(Clock::now() - t_cases).count();
  auto env = Environment::Create(**store, std::move(*catalog), std::move(*costs), std::move(*rules), WindowHours{});
  if (!env.ok()) return Fail(env.status());

  const std::vector<std::pair<std::string, std::string>> script = {
      {"get_history", ""},
      {"physical_exam", ""},
      {"order_labs", R"({"tests": ["CBC", "BMP", "troponin", "lactate"]})"},
      {"order_labs", R"({"tests": ["LFTs", "lipase", "coags", "UA"]})"},
      {"order_labs", R"({"tests": ["potasium", "urine sodium", "bnp", "unobtainium"]})"},
      {"order_microbiology", R"({"tests": ["blood culture", "urine culture"]})"},
      {"order_imaging", R"({"modality": "CT", "region": "head"})"},
      {"order_imaging", R"({"modality": "x-ray", "region": "chest"})"},
      {"order_ecg", ""},
      {"submit_diagnosis", R"({"diagnosis": "pneumonia", "icd10": "J18.9"})"},
  };
  std::map<std::string, std::vector<double>> by_tool;
  std::vector<double> all, open, cpu, labs_cpu;
  for (int round = 0; round < rounds; ++round) {
    for (const Case& c : cases->cases) {
      const auto t0 = Clock::now();
      auto e = Episode::Open(**store, *env, c);
      open.push_back(Micros(Clock::now() - t0));
      if (!e.ok()) return Fail(e.status());
      for (const auto& [tool, args] : script) {
        const double cpu0 = ThreadCpuMicros();
        const auto t1 = Clock::now();
        auto call = ParseToolCall(tool, args);
        if (!call.ok()) return Fail(call.status());
        // What the runner does per call: the answer, its text for the model, its record.
        const ToolAnswer r = e->Call(*call);
        const std::string text = r.Text();
        const nlohmann::json record = r.ToJson();
        const double us = Micros(Clock::now() - t1);
        cpu.push_back(ThreadCpuMicros() - cpu0);
        if (tool == "order_labs") labs_cpu.push_back(cpu.back());
        if (text.empty() || record.empty()) return Fail(Status::BadInput("empty answer from " + tool));
        by_tool[tool].push_back(us);
        all.push_back(us);
      }
    }
  }
  std::printf("store %s: %zu cases (built in %.2f s), %d round(s); catalog %s bound in %.1f ms (%s)\n",
              store_path.c_str(), cases->cases.size(), cases_s, rounds, env->catalog().version().c_str(),
              env->bind_seconds() * 1000, env->catalog().loinc_note().c_str());
  Print("episode open", open);
  for (const auto& [tool, v] : by_tool) Print(tool.c_str(), v);
  Print("all tool calls", all);
  // The same calls in this thread's CPU time: their own cost, without the waits of a shared machine.
  Print("order_labs (CPU)", labs_cpu);
  Print("all tool calls (CPU)", cpu);
  return 0;
}

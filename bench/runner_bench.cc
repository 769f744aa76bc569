// Runner benchmarks (issue 5), printing figures:
//  1. harness overhead per model turn on a store: an in-process model (no HTTP)
//     and an OpenAI-compatible endpoint on loopback that answers at once;
//  2. throughput against an endpoint with 100 ms latency as concurrency grows
//     1 -> 64, against the ideal concurrency / latency.
//
//   build/bench/runner_bench STORE [REFERENCE_DIR]
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "models/openai_model.h"
#include "runner/runner.h"

using namespace medcred;
namespace fs = std::filesystem;

namespace {

// A doctor: history and labs on the first turn, then a diagnosis.
nlohmann::json DoctorReply(const nlohmann::json& request) {
  int tool_messages = 0;
  for (const auto& m : request["messages"]) tool_messages += m.value("role", "") == "tool";
  nlohmann::json calls = nlohmann::json::array();
  if (tool_messages == 0) {
    calls.push_back({{"id", "a"}, {"type", "function"}, {"function", {{"name", "get_history"}, {"arguments", "{}"}}}});
    calls.push_back(
        {{"id", "b"},
         {"type", "function"},
         {"function", {{"name", "order_labs"}, {"arguments", R"({"tests": ["CBC", "BMP", "troponin"]})"}}}});
  } else {
    calls.push_back({{"id", "c"},
                     {"type", "function"},
                     {"function", {{"name", "submit_diagnosis"}, {"arguments", R"({"diagnosis": "sepsis"})"}}}});
  }
  nlohmann::json msg = {{"role", "assistant"}, {"content", ""}};
  msg["tool_calls"] = calls;
  nlohmann::json out = {{"id", "x"}};
  out["choices"] = nlohmann::json::array({nlohmann::json{{"index", 0}, {"message", msg}}});
  return out;
}

class InProcessDoctor : public Model {
 public:
  std::string spec() const override { return "bench:doctor"; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json&, const EpisodeContext&) override {
    return ParseChatCompletion(DoctorReply({{"messages", ConversationJson(messages)}}).dump());
  }
};

struct Endpoint {
  explicit Endpoint(int latency_ms) {
    server.new_task_queue = [] { return new httplib::ThreadPool(96); };
    server.set_tcp_nodelay(true);  // as production servers do; else Nagle delays each reply
    server.Post("/v1/chat/completions", [latency_ms](const httplib::Request& req, httplib::Response& res) {
      if (latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
      res.set_content(DoctorReply(nlohmann::json::parse(req.body)).dump(), "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Endpoint() {
    server.stop();
    thread.join();
  }
  httplib::Server server;
  int port = 0;
  std::thread thread;
};

struct Timing {
  double seconds;
  int turns;
  int episodes;
};

Timing RunOnce(RunInputs& in, Model& model, const RunOptions& base, const std::string& dir, int concurrency,
               int cases) {
  fs::remove_all(dir);
  RunOptions o = base;
  o.out_dir = dir;
  o.concurrency = concurrency;
  o.cases = cases;
  o.model = model.spec();
  auto r = Run(o, in, model);
  if (!r.ok()) {
    std::fprintf(stderr, "runner_bench: %s\n", r.status().message().c_str());
    std::exit(1);
  }
  // The episodes alone: setup (run.json with fsync) and the summary are not per-turn costs.
  return {r->episode_seconds, r->ran * 2, r->ran};  // the doctor takes two turns per episode
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: runner_bench STORE [REFERENCE_DIR]\n");
    return 1;
  }
  RunOptions base;
  base.store = argv[1];
  base.split = "all";
  base.reference = argc > 2 ? argv[2] : "";
  auto in = LoadRunInputs(base);
  if (!in.ok()) {
    std::fprintf(stderr, "runner_bench: %s\n", in.status().message().c_str());
    return 1;
  }
  const std::string tmp = (fs::temp_directory_path() / "medcred-runner-bench").string();

  InProcessDoctor local;
  Timing t = RunOnce(**in, local, base, tmp + "/local", 1, 0);
  std::printf(
      "harness, in-process model:      %d episodes, %d turns, %.3f s: %.3f ms per turn (episode open, env, transcript, "
      "log)\n",
      t.episodes, t.turns, t.seconds, 1000 * t.seconds / t.turns);
  {
    Endpoint fast(0);
    OpenAIOptions oo;
    oo.model = "bench";
    oo.base_url = "http://127.0.0.1:" + std::to_string(fast.port) + "/v1";
    auto m = OpenAIModel::Create(oo);
    t = RunOnce(**in, **m, base, tmp + "/http", 1, 0);
    std::printf("harness, loopback HTTP endpoint: %d episodes, %d turns, %.3f s: %.3f ms per turn (incl. HTTP)\n",
                t.episodes, t.turns, t.seconds, 1000 * t.seconds / t.turns);
  }
  {
    Endpoint slow(100);
    OpenAIOptions oo;
    oo.model = "bench";
    oo.base_url = "http://127.0.0.1:" + std::to_string(slow.port) + "/v1";
    auto m = OpenAIModel::Create(oo);
    std::printf("\nendpoint latency 100 ms: turns per second against the ideal concurrency / latency\n");
    std::printf("%12s %10s %10s %12s %10s %8s\n", "concurrency", "episodes", "seconds", "turns/s", "ideal", "share");
    for (int c : {1, 2, 4, 8, 16, 32, 64}) {
      const int cases = std::min(static_cast<int>((*in)->cases.cases.size()), std::max(8, 4 * c));
      // A first pass opens the connections (a new listener's accept backlog is
      // small); the second, on reused connections, is measured.
      (void)RunOnce(**in, **m, base, tmp + "/warm" + std::to_string(c), c, std::min(cases, c));
      t = RunOnce(**in, **m, base, tmp + "/slow" + std::to_string(c), c, cases);
      const double rate = t.turns / t.seconds, ideal = c / 0.1;
      std::printf("%12d %10d %10.2f %12.1f %10.1f %7.1f%%\n", c, t.episodes, t.seconds, rate, ideal,
                  100 * rate / ideal);
    }
  }
  fs::remove_all(tmp);
  return 0;
}

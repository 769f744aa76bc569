// How fast `medcred view` opens and filters big runs (bench/README.md):
//
//   viewer_bench RUN_DIR [RUN_DIR...]
//
// Prints the time to open the runs (index every episode; twice: the first
// pass may read episodes.jsonl from disk, the second from the page cache),
// the memory the index takes (the process's resident set before and after,
// its peak, and the index's own estimate), and the latency of the JSON API
// over HTTP on loopback for the filters the page uses: median and slowest of
// 20 requests each. Figures only; nothing is asserted.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "viewer/server.h"
#include "viewer/viewer.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// VmRSS or VmHWM of this process, in MiB.
double ProcMiB(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: viewer_bench RUN_DIR [RUN_DIR...]\n");
    return 1;
  }
  const std::vector<std::string> dirs(argv + 1, argv + argc);
  const double rss_before = ProcMiB("VmRSS");

  medcred::Result<medcred::Viewer> viewer = medcred::Status::Usage("not opened");
  for (int pass = 1; pass <= 2; ++pass) {
    const auto t0 = Clock::now();
    viewer = medcred::Viewer::Open(dirs);
    const auto t1 = Clock::now();
    if (!viewer.ok()) {
      std::fprintf(stderr, "viewer_bench: %s\n", viewer.status().message().c_str());
      return viewer.status().exit_code();
    }
    size_t episodes = 0;
    for (const auto& r : viewer->runs()) episodes += r.rows().size();
    std::printf("open, pass %d: %zu runs, %zu episodes in %.0f ms\n", pass, viewer->runs().size(), episodes,
                Ms(t0, t1));
  }
  size_t index_bytes = 0;
  for (const auto& r : viewer->runs()) index_bytes += r.MemoryBytes();
  std::printf("memory: RSS %.0f MiB before opening, %.0f MiB after (peak %.0f MiB); the index itself ~%.1f MiB\n",
              rss_before, ProcMiB("VmRSS"), ProcMiB("VmHWM"), index_bytes / 1048576.0);

  medcred::ViewerServer server(*viewer);
  std::promise<int> ready;
  std::thread serving([&] { (void)server.Serve("127.0.0.1", 0, [&](int port) { ready.set_value(port); }); });
  const int port = ready.get_future().get();
  httplib::Client client("127.0.0.1", port);

  const std::string some_case = viewer->runs()[0].rows().empty() ? "" : viewer->runs()[0].rows()[0].case_id;
  const std::string category =
      viewer->runs()[0].categories().empty() ? "cardiology" : viewer->runs()[0].categories()[0];
  std::vector<std::pair<std::string, std::string>> requests = {
      {"runs", "/api/runs"},
      {"episodes, first page", "/api/runs/0/episodes"},
      {"wrong only", "/api/runs/0/episodes?wrong=1"},
      {"category", "/api/runs/0/episodes?category=" + category},
      {"grade none, by cost desc", "/api/runs/0/episodes?level=none&sort=cost&order=desc"},
      {"wrong, sorted by answer", "/api/runs/0/episodes?wrong=1&sort=answer"},
      {"text search", "/api/runs/0/episodes?q=I2"},
      {"last page",
       "/api/runs/0/episodes?offset=" +
           std::to_string(viewer->runs()[0].rows().size() > 100 ? viewer->runs()[0].rows().size() - 100 : 0)},
      {"1000 rows", "/api/runs/0/episodes?limit=1000"},
      {"one episode", "/api/runs/0/episodes/" + some_case},
  };
  if (viewer->runs().size() > 1) {
    requests.push_back({"with run 1", "/api/runs/0/episodes?with=1"});
    requests.push_back({"differs from run 1, wrong", "/api/runs/0/episodes?with=1&differs=1&wrong=1"});
  }
  std::printf("\n%-30s %10s %10s %12s\n", "request", "median ms", "max ms", "body bytes");
  for (const auto& [name, path] : requests) {
    std::vector<double> times;
    size_t bytes = 0;
    for (int i = 0; i < 20; ++i) {
      const auto t0 = Clock::now();
      auto res = client.Get(path);
      const auto t1 = Clock::now();
      if (!res || res->status != 200) {
        std::fprintf(stderr, "viewer_bench: %s failed (%d)\n", path.c_str(), res ? res->status : -1);
        break;
      }
      bytes = res->body.size();
      times.push_back(Ms(t0, t1));
    }
    if (times.empty()) continue;
    std::sort(times.begin(), times.end());
    std::printf("%-30s %10.2f %10.2f %12zu\n", name.c_str(), times[times.size() / 2], times.back(), bytes);
  }
  server.Stop();
  serving.join();
  return 0;
}

// `medcred view` in a real browser: the demo run with baseline:labs-bayes and
// one with baseline:prior, and a SYNTHETIC run whose transcript is markup,
// served by the built binary and driven by Playwright (playwright-core from
// src/viewer/browser_test/, installed by scripts/bootstrap.sh) in Debian's
// Chromium. The checks are in browser_test/view_test.mjs; screenshots go to
// build/test-output/viewer_browser_test/. Fails, not skips, when Chromium,
// node or playwright-core is missing and MEDCRED_REQUIRE_BROWSER is set.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/testing.h"

namespace medcred::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string FindNode() {
  for (const char* p : {"/usr/bin/node", "/usr/bin/nodejs", "/usr/local/bin/node"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return "";
}

// A run directory holding one SYNTHETIC episode whose every text is markup
// that would run if the page parsed it as HTML.
void WriteMarkupRun(const std::string& dir, const std::string& manifest_from) {
  fs::create_directories(dir);
  fs::copy_file(manifest_from, dir + "/run.json");
  const std::string x = "<img src=x onerror=\"window.__medcred_xss=true\"><script>window.__medcred_xss=true</script>";
  nlohmann::json call = {
      {"id", "c1\"><img src=x>"},
      {"type", "function"},
      {"function", {{"name", "order_labs<img src=x>"}, {"arguments", "{\"tests\":[\"" + x + "\"]}"}}}};
  nlohmann::json e = {
      {"format", "medcred-episode-v2"},
      {"case_id", "xss-case"},
      {"categories", {"cardiology"}},
      {"split", "test"},
      {"outcome", "diagnosed"},
      {"turns", 2},
      {"tool_calls", 2},
      {"protocol_errors", 0},
      {"invalid_orders", 1},
      {"cost", 1.0},
      {"messages",
       {{{"role", "system"}, {"content", "SYNTHETIC " + x}},
        {{"role", "user"}, {"content", "SYNTHETIC presentation " + x}},
        {{"role", "assistant"}, {"content", "SYNTHETIC model text " + x}, {"tool_calls", {call}}},
        {{"role", "tool"}, {"content", "SYNTHETIC answer " + x + " ABNORMAL"}, {"tool_call_id", "c1\"><img src=x>"}}}},
      {"orders",
       {{{"tool", "order_labs<img src=x>"},
         {"cost", 1},
         {"orders", {{{"query", x}, {"status", "unrecognized"}, {"suggestions", {x}}}}}}}},
      {"answer", {{"diagnosis", "SYNTHETIC " + x}, {"icd10", x}, {"differential", {x}}, {"confidence", 0.5}}},
      {"truth", {{"principal", {"I214"}}, {"secondary", nlohmann::json::array()}}},
      {"grade", {{"level", "none"}, {"credit", 0.0}, {"mapped_code", nullptr}, {"explanation", "SYNTHETIC " + x}}},
      {"tests_ordered", nlohmann::json::array()},
      {"tests_performed", {x}},
      {"error", nullptr},
      {"seconds", 0.0},
      {"judge", nullptr}};
  WriteFile(dir + "/episodes.jsonl", e.dump() + "\n");
}

TEST(ViewerBrowserTest, WrongOnlyThenAnEpisodeInChromium) {
  MEDCRED_REQUIRE_DEMO(demo);
  const std::string browser = ChromiumPath(), node = FindNode();
  const std::string script_dir = std::string(MEDCRED_SOURCE_DIR) + "/src/viewer/browser_test";
  const bool playwright = fs::exists(script_dir + "/node_modules/playwright-core/package.json");
  if (browser.empty() || node.empty() || !playwright) {
    const std::string missing = browser.empty() ? "chromium" : node.empty() ? "node" : "playwright-core (npm ci)";
    if (std::getenv("MEDCRED_REQUIRE_BROWSER")) FAIL() << missing << " was not found: run scripts/bootstrap.sh";
    GTEST_SKIP() << missing << " is not installed (scripts/bootstrap.sh installs it)";
  }
  TempDir tmp;
  auto d = RunMedcred("demo --out " + tmp / "demo" + " --source " + demo, tmp);
  ASSERT_EQ(d.code, 0) << d.err;
  auto p = RunMedcred("run --store " + tmp / "demo/demo.db" + " --model baseline:prior --out " + tmp / "prior", tmp);
  ASSERT_EQ(p.code, 0) << p.err;
  WriteMarkupRun(tmp / "markup", tmp / "prior/run.json");

  // medcred view, on any free port; its first line of stdout names the URL.
  const std::string log = tmp / "view.log";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    FILE* out = std::freopen(log.c_str(), "w", stdout);
    if (out == nullptr || std::freopen((log + ".err").c_str(), "w", stderr) == nullptr) _exit(127);
    const std::string bin = std::string(MEDCRED_BINARY_DIR) + "/src/cli/medcred";
    const std::string a = tmp / "demo/run-baseline-labs-bayes", b = tmp / "prior", c = tmp / "markup";
    execl(bin.c_str(), bin.c_str(), "view", a.c_str(), b.c_str(), c.c_str(), "--port", "0", (char*)nullptr);
    _exit(127);
  }
  std::string url;
  const std::regex open_line(R"(open (http://127\.0\.0\.1:[0-9]+)/)");
  for (int i = 0; i < 300 && url.empty(); ++i) {
    std::smatch m;
    const std::string text = fs::exists(log) ? ReadFile(log) : "";
    if (std::regex_search(text, m, open_line)) url = m[1];
    if (url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (url.empty()) {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    FAIL() << "medcred view did not start: " << ReadFile(log + ".err");
  }

  const std::string out_dir = std::string(MEDCRED_BINARY_DIR) + "/test-output/viewer_browser_test";
  fs::remove_all(out_dir);
  const std::string node_log = tmp / "node.log";
  const std::string cmd = "cd " + script_dir + " && MEDCRED_CHROMIUM=" + browser + " " + node + " view_test.mjs " +
                          url + " " + out_dir + " 2 xss-case >" + node_log + " 2>&1 </dev/null";
  const int rc = std::system(cmd.c_str());
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);

  const std::string report = ReadFile(node_log);
  std::printf("%s", report.c_str());
  EXPECT_TRUE(WIFEXITED(rc) && WEXITSTATUS(rc) == 0) << report;
  EXPECT_THAT(report, HasSubstr("all checks passed"));
  EXPECT_THAT(report, HasSubstr("ok   every row shown is wrong in run 0"));
  EXPECT_THAT(report, HasSubstr("ok   markup in a transcript runs nothing"));
  for (const char* png : {"viewer-episodes-wrong.png", "viewer-episode.png", "viewer-xss.png"}) {
    EXPECT_TRUE(fs::exists(out_dir + "/" + png)) << png;
    if (fs::exists(out_dir + "/" + png)) {
      EXPECT_GT(fs::file_size(out_dir + "/" + png), 20000u) << png;
    }
  }
  // The viewer stopped cleanly on SIGTERM.
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(log + ".err");
  std::printf("screenshots in %s\n", out_dir.c_str());
}

}  // namespace
}  // namespace medcred::test

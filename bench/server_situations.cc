// How many realistic server situations a medcred binary gets through
// (issue 17): every situation of src/runner/testdata/server_situations.tsv is
// played by the in-process emulator (src/runner/server_emulator.h), and the
// given binary runs the synthetic release's 4 cases against it with its
// default settings. Prints, per situation, the run's exit code and the
// episodes' outcomes, then how many situations ended as the table expects and
// how many in no_diagnosis, error or a failed run. Any medcred binary works
// (an older one for the "before" figure).
//
//   build/bench/server_situations MEDCRED_BINARY [WORK_DIR]
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "runner/server_emulator.h"
#include "testing/testing.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MEDCRED_BINARY [WORK_DIR]\n", argv[0]);
    return 1;
  }
  const std::string bin = fs::absolute(argv[1]).string();
  const fs::path work = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path() / "medcred-server-situations";
  fs::remove_all(work);
  fs::create_directories(work);
  medcred::test::WriteSyntheticRelease((work / "release").string());
  const std::string store = (work / "s.db").string();
  if (std::system(("'" + bin + "' ingest --source '" + (work / "release").string() + "' --store '" + store +
                   "' >/dev/null 2>&1")
                      .c_str()) != 0) {
    std::fprintf(stderr, "ingest failed\n");
    return 1;
  }
  int as_expected = 0, failed = 0, total = 0;
  std::map<std::string, int> all;
  for (const medcred::test::Situation& s : medcred::test::LoadSituations()) {
    medcred::test::ServerEmulator server(s);
    const std::string out = (work / ("run-" + s.name)).string();
    const std::string cmd = "'" + bin + "' run --store '" + store + "' --split all --concurrency 2 --model '" +
                            server.spec() + "' --out '" + out + "' >'" + out + ".stdout' 2>'" + out + ".stderr'";
    const int rc = std::system(cmd.c_str());
    const int exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    std::map<std::string, int> outcomes;
    std::ifstream in(out + "/episodes.jsonl");
    int n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      outcomes[nlohmann::json::parse(line)["outcome"].get<std::string>()]++;
    }
    const bool ok = exit_code == 0 && n == 4 && outcomes[s.expect] == 4;
    const bool bad = exit_code != 0 || outcomes["no_diagnosis"] > 0 || outcomes["error"] > 0;
    as_expected += ok;
    failed += bad;
    ++total;
    std::printf("%-36s exit %d", s.name.c_str(), exit_code);
    for (const auto& [k, v] : outcomes) {
      if (v > 0) std::printf("  %s %d", k.c_str(), v);
      all[k] += v;
    }
    std::printf("%s\n", ok ? "" : bad ? "   <- no_diagnosis/error/failed" : "   <- not as expected");
    std::fflush(stdout);
  }
  std::printf("\n%d situations: %d as expected, %d end in no_diagnosis, error or a failed run\n", total, as_expected,
              failed);
  return 0;
}

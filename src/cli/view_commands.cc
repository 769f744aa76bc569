// `medcred view RUN_DIR [RUN_DIR...]`: the local viewer of episodes and
// transcripts (docs/viewer.md), served on loopback only.
#include <chrono>
#include <csignal>
#include <cstdio>

#include "cli/commands.h"
#include "viewer/server.h"
#include "viewer/viewer.h"

namespace medcred::cli {

Command AddView(CLI::App& root) {
  struct Opts {
    std::vector<std::string> run_dirs;
    std::string host = "127.0.0.1", reference;
    int port = 8765;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand(
      "view", "Look inside runs in a browser: episodes, transcripts, two runs side by side (on 127.0.0.1 only)");
  app->add_option("run_dirs", o->run_dirs, "Run directories (two or more: compared side by side)")->required();
  app->add_option("--port", o->port, "Port on 127.0.0.1 (default 8765; 0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app->add_option("--host", o->host,
                  "Loopback address to listen on (default 127.0.0.1; any other address is refused: transcripts hold "
                  "MIMIC data)");
  app->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file (for titles)");
  return {app, [o]() -> Status {
            // Refused before anything is read: the viewer never listens beyond this machine.
            if (!IsLoopbackHost(o->host)) {
              return Status::Usage("--host " + o->host +
                                   ": the viewer listens on loopback only (127.0.0.1, ::1 or localhost); transcripts "
                                   "hold MIMIC data and never leave this machine");
            }
            const auto start = std::chrono::steady_clock::now();
            MEDCRED_ASSIGN_OR_RETURN(Viewer viewer, Viewer::Open(o->run_dirs, o->reference));
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            size_t episodes = 0;
            for (const RunIndex& r : viewer.runs()) episodes += r.rows().size();
            static ViewerServer* server = nullptr;
            ViewerServer s(viewer);
            server = &s;
            std::signal(SIGINT, [](int) {
              if (server) server->Stop();
            });
            std::signal(SIGTERM, [](int) {
              if (server) server->Stop();
            });
            if (!viewer.has_titles()) {
              std::fprintf(stderr, "medcred view: no ICD-10-CM reference found, so no titles (pass --reference DIR)\n");
            }
            Status st = s.Serve(o->host, o->port, [&](int port) {
              const std::string host = o->host.find(':') != std::string::npos ? "[" + o->host + "]" : o->host;
              std::printf("%zu runs, %zu episodes indexed in %.2f s\nopen http://%s:%d/ (Ctrl-C stops)\n",
                          viewer.runs().size(), episodes, seconds, host.c_str(), port);
              std::fflush(stdout);
            });
            server = nullptr;
            return st;
          }};
}

}  // namespace medcred::cli

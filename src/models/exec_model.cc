#include "models/exec_model.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/json_util.h"

extern char** environ;

namespace medcred {
namespace {

constexpr size_t kMaxReplyBytes = 8 << 20;  // a reply line larger than 8 MiB is refused

}  // namespace

Result<ModelReply> ParseAgentReply(const std::string& line) {
  auto parsed = ParseJson(line, "the agent's reply");
  if (!parsed.ok()) return parsed.status();
  const nlohmann::json& j = *parsed;
  if (!j.is_object()) return Status::BadInput("the agent's reply is not one JSON object");
  ModelReply r;
  if (j.contains("content") && j["content"].is_string()) r.content = j["content"];
  if (j.contains("tool_calls") && j["tool_calls"].is_array()) {
    int i = 0;
    for (const auto& tc : j["tool_calls"]) {
      if (!tc.is_object()) continue;
      const nlohmann::json& f = tc.contains("function") && tc["function"].is_object() ? tc["function"] : tc;
      ModelToolCall c;
      c.id = tc.contains("id") && tc["id"].is_string() ? tc["id"].get<std::string>() : "call_" + std::to_string(i);
      c.name = f.contains("name") && f["name"].is_string() ? f["name"].get<std::string>() : "";
      if (f.contains("arguments"))
        c.arguments = f["arguments"].is_string() ? f["arguments"].get<std::string>() : SafeDump(f["arguments"]);
      r.tool_calls.push_back(std::move(c));
      ++i;
    }
  }
  return r;
}

ExecModel::ExecModel(std::string command, int timeout_seconds, std::vector<std::string> hidden_env)
    : command_(std::move(command)), timeout_seconds_(timeout_seconds) {
  hidden_env.push_back("MEDCRED_API_KEY");
  std::sort(hidden_env.begin(), hidden_env.end());
  hidden_env.erase(std::unique(hidden_env.begin(), hidden_env.end()), hidden_env.end());
  hidden_ = hidden_env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (std::find(hidden_env.begin(), hidden_env.end(), name) == hidden_env.end()) env_.push_back(entry);
  }
}

ExecModel::~ExecModel() {
  for (Agent& a : idle_) Stop(a);
}

void ExecModel::Stop(Agent& a) {
  if (a.in >= 0) ::close(a.in);
  if (a.out >= 0) ::close(a.out);
  if (a.pid > 0) {
    ::kill(-a.pid, SIGKILL);  // the whole process group
    int status = 0;
    ::waitpid(a.pid, &status, 0);
  }
  a = Agent{};
}

Result<ExecModel::Agent> ExecModel::Start() {
  int to_child[2], from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0)
    return Status::External(std::string("exec: pipe failed: ") + std::strerror(errno));
  if (::pipe2(from_child, O_CLOEXEC) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return Status::External(std::string("exec: pipe failed: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
  // The agent gets a process group of its own, so that stopping it stops
  // everything it started (a script's interpreter, its children).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  const char* argv[] = {"/bin/sh", "-c", command_.c_str(), nullptr};
  std::vector<char*> envp;
  for (const std::string& e : env_) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, const_cast<char* const*>(argv), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(to_child[0]);
  ::close(from_child[1]);
  if (rc != 0) {
    ::close(to_child[1]);
    ::close(from_child[0]);
    return Status::External("exec: cannot start '" + command_ + "': " + std::strerror(rc));
  }
  Agent a;
  a.pid = pid;
  a.in = to_child[1];
  a.out = from_child[0];
  return a;
}

Result<ModelReply> ExecModel::Complete(const Conversation& messages, const nlohmann::json& tools,
                                       const EpisodeContext& context) {
  Agent a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      a = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (a.pid < 0) {
    MEDCRED_ASSIGN_OR_RETURN(a, Start());
  }
  auto fail = [&](const std::string& why) -> Status {
    Stop(a);
    return Status::External("exec: agent '" + command_ + "' " + why);
  };
  const std::string line =
      nlohmann::json{
          {"type", "turn"}, {"case_turn", context.turn}, {"messages", ConversationJson(messages)}, {"tools", tools}}
          .dump() +
      "\n";
  // A crashed agent closes its end: writing must not kill us with SIGPIPE.
  signal(SIGPIPE, SIG_IGN);
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(a.in, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("stopped reading its input (it may have exited)");
    done += static_cast<size_t>(n);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds_);
  for (;;) {
    const size_t nl = a.buffered.find('\n');
    if (nl != std::string::npos) {
      std::string reply_line = a.buffered.substr(0, nl);
      a.buffered.erase(0, nl + 1);
      auto reply = ParseAgentReply(reply_line);
      if (!reply.ok()) {
        // Garbage the model sent: a scored outcome, not an outage.
        Stop(a);
        return Status::BadInput("exec: agent '" + command_ + "' wrote a line that is not one JSON object (" +
                                reply.status().message() + ")");
      }
      std::lock_guard<std::mutex> lock(mu_);
      idle_.push_back(std::move(a));
      return reply;
    }
    if (a.buffered.size() > kMaxReplyBytes) {
      Stop(a);
      return Status::BadInput("exec: agent '" + command_ + "' wrote more than 8 MiB without a newline");
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return fail("did not answer within " + std::to_string(timeout_seconds_) + " s");
    pollfd p{a.out, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    char buf[65536];
    const ssize_t n = ::read(a.out, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("exited without answering");
    a.buffered.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace medcred

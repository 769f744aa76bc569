// The `exec:COMMAND` adapter: a subprocess agent, in any language, speaking one
// JSON object per line on stdin/stdout (docs/models.md).
//
//   medcred -> agent   {"type": "turn", "case_turn": N, "messages": [...], "tools": [...]}
//   agent -> medcred   {"content": "...", "tool_calls": [{"id": "...", "name": "...",
//                       "arguments": {...} or "..."}]}
//
// Every turn carries the whole conversation, so an agent may keep no state.
// COMMAND runs under /bin/sh -c; agents are started on demand and reused (one
// per concurrent episode). An agent that exits or does not answer within the
// timeout is stopped and the turn fails as an external error (the run stops;
// `--resume` runs the case again); one that writes something that is not one
// JSON object (nested at most 64 deep, at most 8 MiB) is stopped and the
// episode ends as `error`, a scored outcome. Agents do not see the API key:
// MEDCRED_API_KEY and the variable named by --api-key-env are removed from
// their environment.
//
// Thread safety: Complete() may be called from many threads; each call takes
// an idle agent process or starts one.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/model.h"

namespace medcred {

class ExecModel : public Model {
 public:
  // `hidden_env`: variables the agent must not inherit (besides MEDCRED_API_KEY).
  ExecModel(std::string command, int timeout_seconds, std::vector<std::string> hidden_env = {});
  ~ExecModel() override;
  std::string spec() const override { return "exec:" + command_; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;
  nlohmann::json Describe() const override {
    return {{"timeout_seconds", timeout_seconds_}, {"environment_removed", hidden_}};
  }

 private:
  struct Agent {
    int pid = -1;
    int in = -1;   // we write
    int out = -1;  // we read
    std::string buffered;
  };
  Result<Agent> Start();
  static void Stop(Agent& a);

  std::string command_;
  int timeout_seconds_;
  std::vector<std::string> env_;     // the agent's environment ("NAME=value")
  std::vector<std::string> hidden_;  // the names taken out of it
  std::mutex mu_;
  std::vector<Agent> idle_;
};

// Reads an agent's (or any) JSON reply line into a ModelReply.
Result<ModelReply> ParseAgentReply(const std::string& line);

}  // namespace medcred

#include "models/record_replay.h"

#include <filesystem>

#include "common/file_util.h"
#include "common/json_util.h"
#include "common/sha256.h"

namespace medcred {

std::string RequestHash(const std::string& spec, const Conversation& messages, const nlohmann::json& tools, int epoch) {
  Sha256 h;
  h.Update("medcred-request-v1\n" + spec + "\n");
  h.Update(ConversationJson(messages).dump());
  h.Update("\n");
  h.Update(tools.dump());
  if (epoch > 1) h.Update("\nepoch " + std::to_string(epoch));
  return h.HexDigest();
}

Result<ModelReply> RecordingModel::Complete(const Conversation& messages, const nlohmann::json& tools,
                                            const EpisodeContext& context) {
  MEDCRED_ASSIGN_OR_RETURN(ModelReply reply, inner_->Complete(messages, tools, context));
  std::error_code ec;
  std::filesystem::create_directories(cache_dir_, ec);
  const std::string key = RequestHash(inner_->spec(), messages, tools, context.epoch);
  MEDCRED_RETURN_IF_ERROR(WriteFileAtomically(cache_dir_ + "/" + key + ".json", SafeDump(reply.ToJson()) + "\n", 0600));
  return reply;
}

Result<ModelReply> ReplayModel::Complete(const Conversation& messages, const nlohmann::json& tools,
                                         const EpisodeContext& context) {
  const std::string path = cache_dir_ + "/" + RequestHash(spec_, messages, tools, context.epoch) + ".json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::External("replay: no recorded reply for this request in " + cache_dir_ + " (the run diverged)");
  }
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, path));
  if (!j.is_object() || !j.contains("tool_calls")) return Status::BadInput(path + ": not a recorded reply");
  return ModelReply::FromJson(j, path);
}

}  // namespace medcred

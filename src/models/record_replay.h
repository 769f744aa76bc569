// Record and replay (docs/models.md): every request to a model and its reply are kept
// under RUN_DIR/cache/, named by the SHA-256 of the request (model spec,
// messages, tools; never a key). A reply is kept whole: content, calls,
// reasoning, finish_reason, usage, and a refusal the runner acted on. A replaying model answers from such a cache
// alone and fails, as an external error, on a request it has not seen: a run
// can be reproduced without the endpoint or the agent.
//
// Thread safety: like the wrapped model; cache files are written atomically.
#pragma once

#include <memory>
#include <string>

#include "models/model.h"

namespace medcred {

// The cache key of a request. Epochs after the first (--epochs K) are keyed
// apart, so each epoch's replies are kept and replayed as they came; epoch 1
// keeps the key of a run without epochs.
std::string RequestHash(const std::string& spec, const Conversation& messages, const nlohmann::json& tools,
                        int epoch = 1);

class RecordingModel : public Model {
 public:
  RecordingModel(std::unique_ptr<Model> inner, std::string cache_dir)
      : inner_(std::move(inner)), cache_dir_(std::move(cache_dir)) {}
  std::string spec() const override { return inner_->spec(); }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;
  nlohmann::json Describe() const override { return inner_->Describe(); }
  bool TakesSeed() const override { return inner_->TakesSeed(); }

 private:
  std::unique_ptr<Model> inner_;
  std::string cache_dir_;
};

class ReplayModel : public Model {
 public:
  ReplayModel(std::string spec, std::string cache_dir) : spec_(std::move(spec)), cache_dir_(std::move(cache_dir)) {}
  std::string spec() const override { return spec_; }
  Result<ModelReply> Complete(const Conversation& messages, const nlohmann::json& tools,
                              const EpisodeContext& context) override;

 private:
  std::string spec_, cache_dir_;
};

}  // namespace medcred

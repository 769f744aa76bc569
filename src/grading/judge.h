// The optional LLM judge (docs/methodology.md#grading, `--judge SPEC`): any model adapter, asked on
// a fixed rubric (data/judge-v1.toml) whether an answer names the admission's
// principal diagnosis. Reported beside the deterministic grade, with the
// agreement rate between the two; it never replaces the grade.
//
// The judge sees the truth's codes and titles and the answer: it is a model
// like any other and is held to the same rule (an `openai:` judge must be on
// this machine unless explicitly allowed; see models/model.h).
//
// Thread safety: Ask() is as thread-safe as the model it holds.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/icd.h"
#include "common/status.h"
#include "models/model.h"

namespace medcred {

struct JudgeVerdict {
  bool correct = false;
  std::string reason;  // the judge's own sentence (local: it may quote the data)
};

class Judge {
 public:
  static Result<Judge> Load(Model* model, const IcdReference* reference,
                            const std::string& rubric_file = "judge-v1.toml");

  Result<JudgeVerdict> Ask(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                           const std::string& answer_text, const std::optional<std::string>& answer_code) const;

  std::string spec() const { return model_->spec(); }
  const std::string& rubric_version() const { return version_; }
  const std::string& rubric_sha256() const { return sha256_; }

  // Reads a verdict from a reply: a `verdict` tool call {"correct": bool,
  // "reason": "..."}, or content whose first word is CORRECT or INCORRECT.
  static Result<JudgeVerdict> ParseVerdict(const ModelReply& reply);

 private:
  Model* model_ = nullptr;
  const IcdReference* ref_ = nullptr;
  std::string version_, sha256_, system_, prompt_;
  nlohmann::json tools_;
};

}  // namespace medcred

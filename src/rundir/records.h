// The typed records of a run directory (docs/runner.md, "The run directory"):
//
//   run.json           RunManifest      the run's settings, versions and hashes
//   episodes.jsonl     EpisodeRecord    one line per finished episode
//   summary.json       SummaryFile      per-category results (local)
//   credentials.json   CredentialsFile  what a registry entry is made from (publishable)
//
// Each record has ToJson() and a static FromJson() that never throws: a field
// that is missing or of the wrong type is BadInput naming the file, line and
// field. Each carries a format version (`format`); files written before
// versions existed are read as format 1, and still load.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "grading/grader.h"
#include "models/model.h"

namespace medcred {

inline constexpr const char* kRunFormat = "medcred-run-v2";
inline constexpr const char* kEpisodeFormat = "medcred-episode-v2";
inline constexpr const char* kSummaryFormat = "medcred-summary-v2";
inline constexpr const char* kCredentialsFormat = "medcred-credentials-v1";
// Issue 18: the formats of files of exam runs and of runs with --epochs K > 1
// (their new fields); every other run writes the formats above, byte for byte
// as before, and both are read.
inline constexpr const char* kRunFormatV3 = "medcred-run-v3";
inline constexpr const char* kEpisodeFormatV3 = "medcred-episode-v3";
inline constexpr const char* kSummaryFormatV3 = "medcred-summary-v3";
inline constexpr const char* kCredentialsFormatV2 = "medcred-credentials-v2";

// The dataset a run was made on: its name and version, the checksum digest of
// every file ingested, the release digest (store/datasets.h) and the status it
// had under the known datasets: recognized, demo or unrecognized.
struct DatasetRecord {
  std::string name, version, checksum_digest;
  std::string release_digest;           // empty in runs made before releases were recognized
  std::string status = "unrecognized";  // recognized, demo, unrecognized
  nlohmann::json ToJson() const;
  static Result<DatasetRecord> FromJson(const nlohmann::json& j, const std::string& where);
  bool operator==(const DatasetRecord&) const = default;
};

// The part of run.json a resumed run, and the shards of a merge, must agree with.
struct RunFingerprint {
  std::string model, category, split;
  int64_t cases = 0;
  std::vector<std::string> case_ids;
  int64_t max_turns = 0;
  uint64_t seed = 0;
  std::string tool_mode = "auto";  // as asked for: native, text or auto (docs/models.md#text-mode)
  std::string shard;               // "K/N", or "merged"
  std::string exam;                // the standard exam's version (`--exam`), or "" (issue 18)
  int64_t epochs = 1;              // `--epochs K`: each case K times (issue 18)
  DatasetRecord dataset;
  std::map<std::string, std::string> hashes;  // protocol, taxonomy, catalog, cost_table, presentation, ...
  std::string case_builder;

  nlohmann::json ToJson() const;
  static Result<RunFingerprint> FromJson(const nlohmann::json& j, const std::string& where);
};

struct RunLimits {
  int64_t max_turns = 0, max_tool_calls = 0, call_timeout_seconds = 0, max_output_tokens = 0;
  nlohmann::json ToJson() const;
};

// run.json.
struct RunManifest {
  std::string format = kRunFormat;
  std::string medcred_version, git_commit, created;
  bool demo = false;
  std::string store;  // with any password redacted
  int64_t selected_cases = 0;
  RunLimits limits;
  std::string protocol_version, taxonomy_version;
  std::map<std::string, std::string> suites;  // category -> suite hash of its whole credential split
  RunFingerprint fingerprint;
  std::vector<std::string> merged_from;  // the shards of a merged run
  // Written again when the run's episodes end: what the model's adapter used
  // (context window and its source, sampling settings, timeouts, proxy), the
  // tool modes the episodes ran in (native/text -> episodes), and the
  // server's words that made an `auto` run switch to text.
  nlohmann::json model_settings = nlohmann::json::object();
  std::map<std::string, int64_t> tool_modes;
  std::string tool_refusal;

  nlohmann::json ToJson() const;
  static Result<RunManifest> FromJson(const nlohmann::json& j, const std::string& where);
};

// What the model submitted.
struct AnswerRecord {
  std::string diagnosis;
  std::optional<std::string> icd10;
  std::vector<std::string> differential;
  std::optional<double> confidence;
  nlohmann::json ToJson() const;
};

// The optional LLM judge's verdict on an answer.
struct JudgeRecord {
  std::string model, rubric;
  std::optional<bool> correct;
  std::string reason, error;
  nlohmann::json ToJson() const;
};

// Tokens as servers counted them (`usage`), summed.
struct TokenCount {
  int64_t prompt = 0, completion = 0;
  nlohmann::json ToJson() const { return {{"prompt", prompt}, {"completion", completion}}; }
};

// One line of episodes.jsonl.
struct EpisodeRecord {
  std::string format = kEpisodeFormat;
  std::string case_id;                             // local only: never published
  std::optional<std::string> presentation_sha256;  // the case's presentation (cases/presentation.h Sha256)
  std::vector<std::string> categories;
  std::string split;
  std::string outcome;  // diagnosed, no_diagnosis, limit, error
  int64_t turns = 0, tool_calls = 0, protocol_errors = 0, invalid_orders = 0;
  double cost = 0;
  Conversation messages;
  nlohmann::json orders = nlohmann::json::array();  // the environment's record of each tool call (ToolAnswer::ToJson)
  std::optional<AnswerRecord> answer;
  std::vector<std::string> truth_principal, truth_secondary;
  Grade grade;
  std::vector<std::string> tests_ordered, tests_performed;
  std::optional<std::string> error;
  double seconds = 0;
  std::optional<JudgeRecord> judge;
  std::string tool_mode = "native";  // native or text (files before it: native)
  std::optional<TokenCount> tokens;  // over the replies whose usage the server reported
  // Runs with --epochs K > 1 (issue 18; format v3): which run of the case this
  // is (1..K), and the sampling seed sent for it when the model takes one.
  std::optional<int64_t> epoch;
  std::optional<uint64_t> sampling_seed;
  int64_t EpochOr1() const { return epoch.value_or(1); }

  nlohmann::json ToJson() const;
  // `where` names the line ("RUN/episodes.jsonl:12").
  static Result<EpisodeRecord> FromJson(const nlohmann::json& j, const std::string& where);
};

struct Interval {
  double low = 0, high = 0;
};

// One category's result (summary.json `categories`, credentials.json's ranked list).
struct CategoryResult {
  std::string name, title, kind;
  int64_t n = 0, correct = 0;
  double points = 0, accuracy = 0;
  Interval ci;
  std::string tier;
  int rank = 0;  // 1 = best
  double mean_cost = 0, mean_turns = 0;
  std::optional<double> test_precision, test_recall;  // none when nothing was ordered / performed
  int64_t invalid_orders = 0, protocol_errors = 0;
  std::string suite_sha256;               // SuiteHash of the category's case ids in this run
  std::optional<double> judge_agreement;  // share of judged episodes where judge and grade agree
  int64_t judged = 0;
  TokenCount tokens;  // what the category's episodes cost in tokens (0 when the model reports none)
  // Runs with --epochs K > 1 (issue 18): {"k", "episodes", "correct_episodes",
  // "n_effective", "design_effect", "interval", "agreement", "pairwise_agreement"};
  // null otherwise. n is then the cases, accuracy the mean over cases of each
  // case's share of correct epochs, points the sum of each case's mean credit.
  nlohmann::json epochs;
  // Issue 16, beside accuracy and never in tiers (docs/methodology.md#beyond-accuracy): summary.json's
  // "beyond_accuracy" object. top3_accuracy: principal matched at full credit by the diagnosis or the first
  // differential entries (none when the grades predate it); brier over the `calibrated_n` answers with a
  // confidence; reliability: those answers in equal-width confidence bins.
  struct ReliabilityBin {
    double lo = 0, hi = 0, mean_confidence = 0, accuracy = 0;
    int64_t n = 0;
  };
  std::optional<double> top3_accuracy;
  int64_t calibrated_n = 0;
  std::optional<double> brier;
  std::vector<ReliabilityBin> reliability;

  // summary.json's object for the category (docs/cli.md#machine-readable-outputs).
  nlohmann::json ToJson() const;
  static Result<CategoryResult> FromJson(const nlohmann::json& j, const std::string& name, const std::string& where);
};

// summary.json: local, holds no case id.
struct SummaryFile {
  std::string format = kSummaryFormat;
  std::string model;
  DatasetRecord dataset;
  bool demo = false;
  int64_t episodes = 0;
  std::string split;
  std::vector<CategoryResult> categories;  // ranked
  std::map<std::string, int64_t> outcomes, levels;
  std::map<std::string, int64_t> tool_modes;  // native/text -> episodes
  TokenCount tokens;                          // over every episode
  std::optional<int64_t> judged;
  std::optional<double> judge_agreement;
  std::string methodology_version, medcred_version;
  std::map<std::string, std::string> hashes;
  nlohmann::json exam;    // an exam run's Exam::ToJson() with each category's "ran" and "complete"; null otherwise
  nlohmann::json epochs;  // --epochs K > 1: {"k", "cases", "agreement"}; null otherwise
  // The comparison with the ED physicians (credentials/clinician.h); null when not made. Aggregates only.
  nlohmann::json clinician_comparison = nullptr;

  nlohmann::json ToJson() const;
  static Result<SummaryFile> FromJson(const nlohmann::json& j, const std::string& where);
};

// One ranked category of credentials.json.
struct CredentialCategory {
  std::string name, title, kind;
  int rank = 0;
  int64_t n = 0, correct = 0;
  double points = 0, accuracy = 0, ci_low = 0, ci_high = 1;
  std::string tier, suite_sha256;
  bool complete_suite = false;
  std::optional<bool> complete_exam;  // exam runs: the category's results are exactly its exam
  nlohmann::json epochs;              // CategoryResult::epochs, or null
  nlohmann::json ToJson() const;
};

// credentials.json: publishable (no case id, no value from the data).
struct CredentialsFile {
  std::string format = kCredentialsFormat;
  std::string model;
  bool demo = false;
  DatasetRecord dataset;
  std::string methodology_version, methodology_sha256;
  std::string split;
  double confidence = 0.95;
  std::string medcred_version, git_commit, protocol_version;
  std::map<std::string, std::string> hashes;
  nlohmann::json settings = nlohmann::json::object();  // the run's settings, without case ids
  int64_t episodes = 0;
  std::map<std::string, int64_t> outcomes;
  std::vector<CredentialCategory> categories;  // ranked
  std::string generated;
  nlohmann::json exam;                            // exam runs: {"version", "cases_per_category"}; null otherwise
  nlohmann::json clinician_comparison = nullptr;  // as summary.json's; aggregates only

  nlohmann::json ToJson() const;
  static Result<CredentialsFile> FromJson(const nlohmann::json& j, const std::string& where);
};

}  // namespace medcred

// The runner (`medcred run`, docs/runner.md): one episode per selected case, a
// model in the loop, the environment answering, every episode appended to the
// run directory as it ends.
//
// Run directory (mode 0700): run.json (configuration, versions, git commit and
// every hash; never a secret; rewritten at the end with the adapter's settings
// and the tool modes used), episodes.jsonl (one line per finished episode,
// written with a single append each, so a kill leaves at most one partial last
// line). summary.json, credentials.json and report.html are built from the
// episodes afterwards by credentials/report.h. `resume` keeps every
// complete line, drops a partial last one, and runs only the cases without an
// episode: an interrupted run resumed ends with the same episodes as one that
// was never interrupted.
//
// Only the model's behaviour is a scored outcome (diagnosed, no_diagnosis,
// limit, error for garbage it sent). A model call that fails for an external
// reason (endpoint unreachable or answering 5xx after retries, agent crashed
// or silent) is not an episode: the run stops with that error (exit 3),
// records nothing for the case, and `--resume` runs it again.
//
// Thread safety: Run() starts `concurrency` worker threads, each with its own
// store connection and episodes; the Model is shared and must be thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cases/case_builder.h"
#include "environment/environment.h"
#include "grading/grader.h"
#include "models/model.h"
#include "store/datasets.h"

namespace medcred {

struct RunOptions {
  std::string store;
  std::string model;
  std::string category = "all";  // a category name or "all"
  std::string split = "test";    // test, dev or all
  std::string out_dir;
  std::string reference;  // ICD reference folder ("" = the usual places)
  int cases = 0;          // 0 = every selected case; else the first N in seeded order
  std::vector<std::string> case_ids;
  int concurrency = 1;
  int max_turns = 0;  // 0 = the protocol's limit
  bool resume = false;
  uint64_t seed = 0;
  int shard_index = 1, shard_count = 1;  // --shard K/N
  // native: the protocol's tools sent as tools; text: described in the system
  // prompt and read from the reply's text; auto: native until the server
  // refuses tools, then text (docs/models.md#text-mode).
  std::string tool_mode = "auto";
};

// What a run reads, loaded once: methodology files, the case set, the store
// and the environment over it.
struct RunInputs {
  Taxonomy taxonomy;
  PresentationRules rules;
  std::optional<IcdReference> reference;
  std::optional<Ccsr> ccsr;  // the leakage audit's CCSR categories (cases/audit.h)
  Protocol protocol;
  CaseSet cases;
  StoreSummary store_summary;
  KnownDatasets known_datasets;
  DatasetIdentity dataset;  // the store's release under the known datasets
  std::unique_ptr<Store> store;
  std::optional<Environment> environment;
  std::optional<Grader> grader;  // holds a pointer to *reference
};

Result<std::unique_ptr<RunInputs>> LoadRunInputs(const RunOptions& options);

// The cases a run covers, in run order: split, category, --case-ids, then
// --cases N (seeded order), then --shard K/N.
Result<std::vector<const Case*>> SelectCases(const CaseSet& cases, const Taxonomy& taxonomy, const RunOptions& options);

// The shard (1..n) a case belongs to.
int ShardOf(const std::string& case_id, int n);

struct RunResult {
  int selected = 0;  // cases in this run (or shard)
  int skipped = 0;   // already in episodes.jsonl (resume)
  int ran = 0;
  std::map<std::string, int> outcomes;  // over all episodes of the run directory
  double seconds = 0;
  double episode_seconds = 0;  // the episodes alone, without setup and the final summary
};

Result<RunResult> Run(const RunOptions& options, RunInputs& inputs, Model& model);

// `medcred merge`: joins runs that differ only in --shard into `out_dir`
// (episodes sorted by case id; a case in two runs is an error).
Status Merge(const std::vector<std::string>& dirs, const std::string& out_dir);

// Parses --shard "K/N".
Status ParseShard(const std::string& text, int* k, int* n);

}  // namespace medcred

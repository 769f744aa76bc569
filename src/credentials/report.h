// The outputs of a run directory (docs/runner.md#the-run-directory, docs/cli.md#machine-readable-outputs): re-grades
// episodes.jsonl and writes summary.json, credentials.json and report.html from it.
//
// `medcred run`, `merge`, `report` and `demo` all end here, so the outputs of a
// run are always a function of its episodes and the methodology files in use:
// re-running BuildRunOutputs after a lexicon or methodology change re-grades
// every episode (the new grade is written back into episodes.jsonl) and records
// the new files' hashes. Episodes are streamed, never all held in memory.
// Every file is replaced atomically (mode 0600), through rundir/run_dir.h.
//
// summary.json, credentials.json and report.html hold no case id and no value
// from the data: counts, means, intervals, tiers and hashes only.
//
// Thread safety: BuildRunOutputs takes the run directory's write lock; a
// second process writing the same directory is refused.
#pragma once

#include <string>

#include "cases/case_builder.h"
#include "cases/taxonomy.h"
#include "common/status.h"
#include "credentials/credentials.h"
#include "grading/grader.h"
#include "grading/judge.h"
#include "rundir/records.h"
#include "store/datasets.h"
#include "store/store.h"

namespace medcred {

struct RunOutputs {
  Credentials credentials;
  SummaryFile summary;               // summary.json
  CredentialsFile credentials_file;  // credentials.json
  int regraded = 0;                  // episodes whose grade changed
  Methodology methodology;           // what they were graded and tiered under
};

// What re-grading a run reads besides its directory.
struct GradingInputs {
  const Grader* grader = nullptr;
  const Taxonomy* taxonomy = nullptr;
  const KnownDatasets* datasets = nullptr;
  // The cases of the store the run was made on. Credentials come only from
  // the store: every episode must be a case of it, once, with the case's
  // presentation (its hash), and is graded against the store's truth, in the
  // store's categories and split, never against what the episode says.
  const CaseSet* cases = nullptr;
  std::string store_checksum_digest;  // the store's: a run of another dataset is refused
  // The optional LLM judge (may be null), asked about every episode that has
  // an answer; its verdicts are kept in episodes.jsonl and reported beside
  // the deterministic grade, never instead of it.
  Judge* judge = nullptr;
  // The store, to read the ED physicians' diagnoses of each episode's case for the comparison with
  // them (credentials/clinician.h; truth side, like the truth itself); null: no comparison is made.
  Store* ed_store = nullptr;
  const IcdReference* reference = nullptr;  // maps ICD-9 ED diagnoses (may be null)
  // For a light case set (cases->light): the source that gives each episode's
  // whole truth again, and the store it reads.
  const CaseSource* case_source = nullptr;
  Store* store = nullptr;
};

Result<RunOutputs> BuildRunOutputs(const std::string& run_dir, const GradingInputs& inputs);

// The credential table as aligned text for a terminal.
std::string CredentialTable(const Credentials& credentials);
// The comparison with the ED physicians (summary.json's clinician_comparison) as aligned text; "" when none.
std::string ClinicianTable(const nlohmann::json& comparison);

// The self-contained report page (inline CSS and SVG, no script, no network).
std::string ReportHtml(const RunOutputs& outputs);

}  // namespace medcred

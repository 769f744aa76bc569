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

#include "cases/taxonomy.h"
#include "common/status.h"
#include "credentials/credentials.h"
#include "grading/grader.h"
#include "grading/judge.h"
#include "rundir/records.h"

namespace medcred {

struct RunOutputs {
  Credentials credentials;
  SummaryFile summary;               // summary.json
  CredentialsFile credentials_file;  // credentials.json
  int regraded = 0;                  // episodes whose grade changed
  Methodology methodology;           // what they were graded and tiered under
};

// `judge` (may be null): the optional LLM judge, asked about every episode
// that has an answer; its verdicts are kept in episodes.jsonl and reported
// beside the deterministic grade, never instead of it.
Result<RunOutputs> BuildRunOutputs(const std::string& run_dir, const Grader& grader, const Taxonomy& taxonomy,
                                   Judge* judge = nullptr);

// The credential table as aligned text for a terminal.
std::string CredentialTable(const Credentials& credentials);

// The self-contained report page (inline CSS and SVG, no script, no network).
std::string ReportHtml(const RunOutputs& outputs);

}  // namespace medcred

// Viewer: the JSON API of `medcred view` (docs/viewer.md), independent of HTTP:
//
//   Runs()                   GET /api/runs
//   Episodes(i, query)       GET /api/runs/{i}/episodes?category=&level=&outcome=&split=&wrong=1
//                                &with=j&differs=1&q=&sort=&order=&offset=&limit=
//   Episode(i, case_id)      GET /api/runs/{i}/episodes/{case_id}
//
// Runs are RunIndex values (the table's fields in memory, records read by
// offset); ICD-10-CM titles come from the CMS reference (cases/icd.h) when it
// is found, else titles are empty and Runs() says why. Comparing runs joins
// their episodes on the case id.
//
// Every reply is JSON with an HTTP status: 200, 400 for a bad query (the body
// names the parameter), 404 for an unknown run or case.
//
// Thread safety: immutable after Open(); the API methods are const and may be
// called from many threads at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/icd.h"
#include "common/status.h"
#include "viewer/run_index.h"

namespace medcred {

// The filters, sort and page of an episodes request.
struct EpisodeQuery {
  std::string category, level, outcome, split;
  std::string text;              // q: part of the case id, answer, truth or mapped code (any case)
  bool wrong = false;            // credit below the methodology's correct_at
  std::vector<size_t> with;      // runs compared with this one (a column each)
  bool differs = false;          // only cases whose grade differs in a compared run, or missing from one
  std::string sort = "case_id";  // a field of the row (see kSortFields in viewer.cc)
  bool descending = false;
  size_t offset = 0, limit = 100;  // limit 1..1000

  // From URL query parameters (already decoded); an unknown parameter or a
  // bad value is a usage error naming it.
  static Result<EpisodeQuery> FromParams(const std::multimap<std::string, std::string>& params);
};

struct ApiReply {
  int status = 200;
  nlohmann::json body;
};

class Viewer {
 public:
  // Opens the run directories (in parallel) and the ICD reference
  // (`reference_dir`, or found as usual; absent means no titles).
  static Result<Viewer> Open(const std::vector<std::string>& run_dirs, const std::string& reference_dir = "");

  const std::vector<RunIndex>& runs() const { return runs_; }
  bool has_titles() const { return reference_.has_value(); }

  ApiReply Runs() const;
  ApiReply Episodes(size_t run, const EpisodeQuery& query) const;
  ApiReply Episode(size_t run, const std::string& case_id) const;

  // The rows of `run` that pass the query's filters, in its order (all of
  // them, before paging). A compared run out of range is a usage error.
  Result<std::vector<uint32_t>> Select(size_t run, const EpisodeQuery& query) const;

  // Routes a GET of the API: `path` as requested ("/api/runs/0/episodes").
  ApiReply Get(const std::string& path, const std::multimap<std::string, std::string>& params) const;

 private:
  nlohmann::json Codes(const std::vector<std::string>& codes) const;  // [{"code", "title"}]
  std::string Title(const std::string& code) const;

  std::vector<RunIndex> runs_;
  std::optional<IcdReference> reference_;
  std::string reference_note_;  // why there are no titles
};

// The conversation of a record as the page shows it: the presentation at
// arrival, then turn by turn the model's text and each tool call with its
// arguments and the environment's answer (text, and the structured record of
// `orders` when the call was valid). docs/viewer.md#an-episode.
nlohmann::json TranscriptJson(const EpisodeRecord& record);

// tests_performed minus tests_ordered, sorted.
std::vector<std::string> TestsNotOrdered(const EpisodeRecord& record);

}  // namespace medcred

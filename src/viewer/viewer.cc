#include "viewer/viewer.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "common/text.h"

namespace medcred {
namespace {

constexpr size_t kMaxLimit = 1000;

// The fields a table can be sorted by.
const char* const kSortFields[] = {"case_id", "categories", "outcome",    "level", "credit",         "answer",
                                   "truth",   "turns",      "tool_calls", "cost",  "invalid_orders", "protocol_errors"};

ApiReply Error(int status, const std::string& message) { return {status, nlohmann::json{{"error", message}}}; }

Result<size_t> ParseIndex(const std::string& text, const std::string& what) {
  size_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end || text.size() > 9) {
    return Status::Usage(what + " must be a whole number, not \"" + text.substr(0, 40) + "\"");
  }
  return v;
}

Result<bool> ParseFlag(const std::string& text, const std::string& what) {
  if (text == "1" || text == "true" || text.empty()) return true;
  if (text == "0" || text == "false") return false;
  return Status::Usage(what + " is 1 or 0, not \"" + text.substr(0, 40) + "\"");
}

bool ContainsIgnoreCase(const std::string& haystack, const std::string& lower_needle) {
  if (lower_needle.empty()) return true;
  return Lower(haystack).find(lower_needle) != std::string::npos;
}

std::string Basename(const std::string& path) {
  std::filesystem::path p(path);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

}  // namespace

Result<EpisodeQuery> EpisodeQuery::FromParams(const std::multimap<std::string, std::string>& params) {
  EpisodeQuery q;
  for (const auto& [key, value] : params) {
    if (key == "category") {
      q.category = value;
    } else if (key == "level" || key == "grade") {
      q.level = value;
    } else if (key == "outcome") {
      q.outcome = value;
    } else if (key == "split") {
      q.split = value;
    } else if (key == "q") {
      q.text = value;
    } else if (key == "wrong") {
      MEDCRED_ASSIGN_OR_RETURN(q.wrong, ParseFlag(value, "wrong"));
    } else if (key == "differs") {
      MEDCRED_ASSIGN_OR_RETURN(q.differs, ParseFlag(value, "differs"));
    } else if (key == "with") {
      // with=1&with=2, or with=1,2
      size_t start = 0;
      while (start <= value.size()) {
        const size_t comma = std::min(value.find(',', start), value.size());
        const std::string part = value.substr(start, comma - start);
        if (!part.empty()) {
          MEDCRED_ASSIGN_OR_RETURN(size_t run, ParseIndex(part, "with"));
          if (std::find(q.with.begin(), q.with.end(), run) == q.with.end()) q.with.push_back(run);
        }
        start = comma + 1;
      }
    } else if (key == "sort") {
      if (std::find(std::begin(kSortFields), std::end(kSortFields), value) == std::end(kSortFields)) {
        return Status::Usage("sort: no field \"" + value.substr(0, 40) + "\" to sort by");
      }
      q.sort = value;
    } else if (key == "order") {
      if (value != "asc" && value != "desc") return Status::Usage("order is asc or desc");
      q.descending = value == "desc";
    } else if (key == "offset") {
      MEDCRED_ASSIGN_OR_RETURN(q.offset, ParseIndex(value, "offset"));
    } else if (key == "limit") {
      MEDCRED_ASSIGN_OR_RETURN(q.limit, ParseIndex(value, "limit"));
      if (q.limit < 1 || q.limit > kMaxLimit) {
        return Status::Usage("limit must be between 1 and " + std::to_string(kMaxLimit));
      }
    } else {
      return Status::Usage("unknown query parameter \"" + key.substr(0, 40) + "\"");
    }
  }
  if (q.differs && q.with.empty()) return Status::Usage("differs needs a run to compare with (with=N)");
  return q;
}

Result<Viewer> Viewer::Open(const std::vector<std::string>& run_dirs, const std::string& reference_dir) {
  if (run_dirs.empty()) return Status::Usage("name at least one run directory");
  Viewer v;
  // Runs are indexed in parallel (each scan is one thread's JSON parsing);
  // the ICD reference loads beside them.
  std::vector<std::optional<Result<RunIndex>>> opened(run_dirs.size());
  std::optional<Result<IcdReference>> reference;
  std::string reference_missing;
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < run_dirs.size(); ++i) {
      threads.emplace_back([&, i] { opened[i] = RunIndex::Open(run_dirs[i]); });
    }
    threads.emplace_back([&] {
      auto dir = IcdReference::FindDir(reference_dir);
      if (!dir.ok()) {
        reference_missing = dir.status().message();
        return;
      }
      reference = IcdReference::Load(*dir);
    });
    for (auto& t : threads) t.join();
  }
  for (size_t i = 0; i < run_dirs.size(); ++i) {
    if (!opened[i]->ok()) return opened[i]->status();
    v.runs_.push_back(std::move(**opened[i]));
  }
  if (reference && reference->ok()) {
    v.reference_ = std::move(**reference);
  } else if (reference) {
    if (!reference_dir.empty()) return reference->status();
    v.reference_note_ = reference->status().message();
  } else {
    if (!reference_dir.empty()) return Status::Usage(reference_missing);
    v.reference_note_ = reference_missing;
  }
  return v;
}

std::string Viewer::Title(const std::string& code) const {
  if (!reference_ || code.empty()) return "";
  const std::string& title = reference_->Title(code);
  if (!title.empty()) return title;
  // A code the order file no longer lists (MIMIC's codes are of earlier
  // years): its 3-character category's title, saying so.
  const IcdPlace place = reference_->Place(code);
  if (place.category_title.empty()) return "";
  return place.category_title + " (category " + place.category + "; " + code + " is not in this ICD-10-CM order file)";
}

nlohmann::json Viewer::Codes(const std::vector<std::string>& codes) const {
  nlohmann::json list = nlohmann::json::array();
  for (const std::string& c : codes) list.push_back({{"code", c}, {"title", Title(c)}});
  return list;
}

ApiReply Viewer::Runs() const {
  nlohmann::json runs = nlohmann::json::array();
  for (size_t i = 0; i < runs_.size(); ++i) {
    const RunIndex& r = runs_[i];
    const RunManifest& m = r.manifest();
    std::map<std::string, int64_t> outcomes, levels;
    for (const EpisodeRow& row : r.rows()) {
      ++outcomes[r.outcomes()[row.outcome]];
      ++levels[r.levels()[row.level]];
    }
    int64_t correct = 0;
    for (const EpisodeRow& row : r.rows()) correct += row.correct ? 1 : 0;
    nlohmann::json run = {
        {"index", i},
        {"name", Basename(r.dir().path())},
        {"path", r.dir().path()},
        {"model", m.fingerprint.model},
        {"demo", m.demo},
        {"dataset", {{"name", m.fingerprint.dataset.name}, {"version", m.fingerprint.dataset.version}}},
        {"split", m.fingerprint.split},
        {"category", m.fingerprint.category},
        {"created", m.created},
        {"medcred_version", m.medcred_version},
        {"git_commit", m.git_commit},
        {"protocol_version", m.protocol_version},
        {"taxonomy_version", m.taxonomy_version},
        {"methodology_version", r.methodology_version()},
        {"correct_at", r.correct_at()},
        {"hashes", m.fingerprint.hashes},
        {"limits", m.limits.ToJson()},
        {"selected_cases", m.selected_cases},
        {"shard", m.fingerprint.shard},
        {"episodes", r.rows().size()},
        {"correct", correct},
        {"outcomes", outcomes},
        {"levels", levels},
        {"categories", r.categories()},
        {"level_order", r.methodology_levels()},
        {"outcome_names", r.outcomes()},
        {"splits", r.splits()},
        {"changed", r.Changed()},
    };
    nlohmann::json notes = nlohmann::json::array();
    if (r.credentials()) {
      nlohmann::json table = nlohmann::json::array();
      for (const CredentialCategory& c : r.credentials()->categories) table.push_back(c.ToJson());
      run["credentials"] = table;
      run["generated"] = r.credentials()->generated;
      run["methodology_sha256"] = r.credentials()->methodology_sha256;
    } else {
      run["credentials"] = nullptr;
      notes.push_back("no credentials.json yet: `medcred report " + r.dir().path() + "` writes it");
    }
    if (static_cast<int64_t>(r.rows().size()) < m.selected_cases) {
      notes.push_back(std::to_string(r.rows().size()) + " of " + std::to_string(m.selected_cases) +
                      " episodes are in episodes.jsonl: the run is unfinished");
    }
    if (r.Changed()) notes.push_back("episodes.jsonl changed since the viewer opened it: restart medcred view");
    run["notes"] = notes;
    runs.push_back(run);
  }
  return {200, {{"runs", runs}, {"titles", reference_.has_value()}, {"titles_note", reference_note_}}};
}

Result<std::vector<uint32_t>> Viewer::Select(size_t run, const EpisodeQuery& q) const {
  if (run >= runs_.size()) return Status::Usage("no run " + std::to_string(run));
  for (size_t w : q.with) {
    if (w >= runs_.size() || w == run) return Status::Usage("with: no other run " + std::to_string(w));
  }
  const RunIndex& r = runs_[run];
  // Filters on string tables become index comparisons: a value the run never
  // has matches nothing.
  auto index_of = [](const std::vector<std::string>& table, const std::string& v) -> int {
    auto it = std::find(table.begin(), table.end(), v);
    return it == table.end() ? -1 : static_cast<int>(it - table.begin());
  };
  const int category = q.category.empty() ? -2 : index_of(r.categories(), q.category);
  const int level = q.level.empty() ? -2 : index_of(r.levels(), q.level);
  const int outcome = q.outcome.empty() ? -2 : index_of(r.outcomes(), q.outcome);
  const int split = q.split.empty() ? -2 : index_of(r.splits(), q.split);
  const std::string text = Lower(q.text);

  std::vector<uint32_t> out;
  const auto& rows = r.rows();
  for (uint32_t i = 0; i < rows.size(); ++i) {
    const EpisodeRow& e = rows[i];
    if (category != -2 && std::find(e.categories.begin(), e.categories.end(), category) == e.categories.end()) continue;
    if (level != -2 && e.level != level) continue;
    if (outcome != -2 && e.outcome != outcome) continue;
    if (split != -2 && e.split != split) continue;
    if (q.wrong && e.correct) continue;
    if (!text.empty()) {
      bool hit = ContainsIgnoreCase(e.case_id, text) || ContainsIgnoreCase(e.answer, text) ||
                 ContainsIgnoreCase(e.answer_code, text) || ContainsIgnoreCase(e.mapped_code, text);
      for (const std::string& t : e.truth) hit = hit || ContainsIgnoreCase(t, text);
      if (!hit) continue;
    }
    if (q.differs) {
      bool differs = false;
      for (size_t w : q.with) {
        const EpisodeRow* o = runs_[w].Find(e.case_id);
        differs =
            differs || o == nullptr || runs_[w].levels()[o->level] != r.levels()[e.level] || o->correct != e.correct;
      }
      if (!differs) continue;
    }
    out.push_back(i);
  }

  // Sorting: by the field, then by case id so the order is total and stable.
  std::vector<int> level_rank(r.levels().size(), 1000);
  for (size_t i = 0; i < r.levels().size(); ++i) {
    auto it = std::find(r.methodology_levels().begin(), r.methodology_levels().end(), r.levels()[i]);
    if (it != r.methodology_levels().end()) level_rank[i] = static_cast<int>(it - r.methodology_levels().begin());
  }
  auto first = [](const std::vector<std::string>& v) -> const std::string& {
    static const std::string kNone;
    return v.empty() ? kNone : v.front();
  };
  auto first_category = [&](const EpisodeRow& e) -> const std::string& {
    static const std::string kNone;
    return e.categories.empty() ? kNone : r.categories()[e.categories.front()];
  };
  std::function<int(const EpisodeRow&, const EpisodeRow&)> cmp;
  auto three_way = [](const auto& a, const auto& b) { return a < b ? -1 : (b < a ? 1 : 0); };
  const std::string& s = q.sort;
  if (s == "categories") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(first_category(a), first_category(b)); };
  } else if (s == "outcome") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) {
      return three_way(r.outcomes()[a.outcome], r.outcomes()[b.outcome]);
    };
  } else if (s == "level") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(level_rank[a.level], level_rank[b.level]); };
  } else if (s == "credit") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(a.credit, b.credit); };
  } else if (s == "answer") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(a.answer, b.answer); };
  } else if (s == "truth") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(first(a.truth), first(b.truth)); };
  } else if (s == "turns") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(a.turns, b.turns); };
  } else if (s == "tool_calls") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(a.tool_calls, b.tool_calls); };
  } else if (s == "cost") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(a.cost, b.cost); };
  } else if (s == "invalid_orders") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(a.invalid_orders, b.invalid_orders); };
  } else if (s == "protocol_errors") {
    cmp = [&](const EpisodeRow& a, const EpisodeRow& b) { return three_way(a.protocol_errors, b.protocol_errors); };
  } else {
    cmp = [](const EpisodeRow&, const EpisodeRow&) { return 0; };
  }
  const bool desc = q.descending;
  std::sort(out.begin(), out.end(), [&](uint32_t ia, uint32_t ib) {
    const EpisodeRow& a = rows[ia];
    const EpisodeRow& b = rows[ib];
    int c = cmp(a, b);
    if (c == 0) c = three_way(a.case_id, b.case_id);
    return desc ? c > 0 : c < 0;
  });
  return out;
}

ApiReply Viewer::Episodes(size_t run, const EpisodeQuery& q) const {
  if (run >= runs_.size()) return Error(404, "no run " + std::to_string(run));
  auto selected = Select(run, q);
  if (!selected.ok()) return Error(400, selected.status().message());
  const RunIndex& r = runs_[run];
  auto cells = [&](const RunIndex& ri, const EpisodeRow& e) {
    return nlohmann::json{{"outcome", ri.outcomes()[e.outcome]},
                          {"level", ri.levels()[e.level]},
                          {"credit", e.credit},
                          {"correct", e.correct},
                          {"answer", e.answer},
                          {"answer_code", e.answer_code},
                          {"mapped_code", e.mapped_code},
                          {"mapped_title", Title(e.mapped_code)},
                          {"turns", e.turns},
                          {"tool_calls", e.tool_calls},
                          {"cost", e.cost},
                          {"invalid_orders", e.invalid_orders},
                          {"protocol_errors", e.protocol_errors},
                          {"error", e.has_error}};
  };
  nlohmann::json rows = nlohmann::json::array();
  const size_t end = std::min(selected->size(), q.offset + q.limit);
  for (size_t k = q.offset; k < end; ++k) {
    const EpisodeRow& e = r.rows()[(*selected)[k]];
    nlohmann::json row = cells(r, e);
    row["case_id"] = e.case_id;
    nlohmann::json categories = nlohmann::json::array();
    for (uint16_t c : e.categories) categories.push_back(r.categories()[c]);
    row["categories"] = categories;
    row["split"] = r.splits()[e.split];
    row["truth"] = Codes(e.truth);
    if (!q.with.empty()) {
      nlohmann::json others = nlohmann::json::array();
      for (size_t w : q.with) {
        const EpisodeRow* o = runs_[w].Find(e.case_id);
        nlohmann::json cell = o ? cells(runs_[w], *o) : nlohmann::json::object();
        cell["run"] = w;
        cell["present"] = o != nullptr;
        others.push_back(cell);
      }
      row["others"] = others;
    }
    rows.push_back(row);
  }
  return {200,
          {{"run", run},
           {"with", q.with},
           {"total", selected->size()},
           {"episodes", r.rows().size()},
           {"offset", q.offset},
           {"limit", q.limit},
           {"sort", q.sort},
           {"order", q.descending ? "desc" : "asc"},
           {"rows", rows}}};
}

std::vector<std::string> TestsNotOrdered(const EpisodeRecord& record) {
  const std::set<std::string> ordered(record.tests_ordered.begin(), record.tests_ordered.end());
  std::set<std::string> missed;
  for (const std::string& t : record.tests_performed) {
    if (!ordered.count(t)) missed.insert(t);
  }
  return {missed.begin(), missed.end()};
}

nlohmann::json TranscriptJson(const EpisodeRecord& record) {
  nlohmann::json out = {{"system", ""}, {"presentation", nullptr}};
  nlohmann::json steps = nlohmann::json::array();
  size_t next_order = 0;  // orders hold one record per valid tool call, in call order
  int turn = 0;
  // The step of the latest assistant message, whose calls the tool messages answer.
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t open_step = kNone;
  for (const ChatMessage& m : record.messages) {
    if (m.role == "system") {
      out["system"] = m.content;
    } else if (m.role == "user" && out["presentation"].is_null()) {
      out["presentation"] = m.content;  // the first user message: what is known at arrival
    } else if (m.role == "user") {
      steps.push_back({{"kind", "user"}, {"text", m.content}});
      open_step = kNone;
    } else if (m.role == "assistant") {
      nlohmann::json calls = nlohmann::json::array();
      for (const ModelToolCall& tc : m.tool_calls) {
        calls.push_back({{"id", tc.id},
                         {"name", tc.name},
                         {"arguments", tc.arguments},
                         {"answer", nullptr},
                         {"protocol_error", false},
                         {"record", nullptr}});
      }
      steps.push_back({{"kind", "assistant"}, {"turn", ++turn}, {"text", m.content}, {"calls", calls}});
      open_step = steps.size() - 1;
    } else if (m.role == "tool") {
      nlohmann::json* call = nullptr;
      if (open_step != kNone) {
        nlohmann::json& open_calls = steps[open_step]["calls"];
        // The first unanswered call of that id (ids may repeat across turns), else the first unanswered.
        for (auto& c : open_calls) {
          if (c["answer"].is_null() && c["id"] == m.tool_call_id) {
            call = &c;
            break;
          }
        }
        for (auto& c : open_calls) {
          if (call == nullptr && c["answer"].is_null()) call = &c;
        }
      }
      if (call == nullptr) {
        steps.push_back({{"kind", "tool"}, {"text", m.content}});
        continue;
      }
      (*call)["answer"] = m.content;
      // The runner answers a call it could not parse with "Error: ..." and
      // records no order for it; every other answer has its order record.
      if (m.content.rfind("Error: ", 0) == 0) {
        (*call)["protocol_error"] = true;
      } else if (next_order < record.orders.size()) {
        const nlohmann::json& order = record.orders[next_order++];
        if (order.is_object() && order.value("tool", "") == (*call)["name"].get<std::string>()) {
          (*call)["record"] = order;
        }
      }
    }
  }
  out["steps"] = steps;
  return out;
}

ApiReply Viewer::Episode(size_t run, const std::string& case_id) const {
  if (run >= runs_.size()) return Error(404, "no run " + std::to_string(run));
  const RunIndex& r = runs_[run];
  const EpisodeRow* row = r.Find(case_id);
  if (row == nullptr) return Error(404, "run " + std::to_string(run) + " has no episode of that case");
  auto record = r.Read(*row);
  if (!record.ok()) return Error(409, record.status().message());
  const EpisodeRecord& e = *record;
  nlohmann::json answer = nullptr;
  if (e.answer) answer = e.answer->ToJson();
  nlohmann::json grade = e.grade.ToJson();
  grade["mapped_title"] = Title(e.grade.mapped_code);
  grade["correct"] = row->correct;
  nlohmann::json others = nlohmann::json::array();
  for (size_t w = 0; w < runs_.size(); ++w) {
    if (w == run) continue;
    const EpisodeRow* o = runs_[w].Find(case_id);
    nlohmann::json cell = {{"run", w}, {"present", o != nullptr}};
    if (o) {
      cell["level"] = runs_[w].levels()[o->level];
      cell["credit"] = o->credit;
      cell["correct"] = o->correct;
      cell["outcome"] = runs_[w].outcomes()[o->outcome];
      cell["answer"] = o->answer;
    }
    others.push_back(cell);
  }
  return {200,
          {{"run", run},
           {"model", r.manifest().fingerprint.model},
           {"case_id", e.case_id},
           {"categories", e.categories},
           {"split", e.split},
           {"outcome", e.outcome},
           {"error", e.error ? nlohmann::json(*e.error) : nlohmann::json(nullptr)},
           {"turns", e.turns},
           {"tool_calls", e.tool_calls},
           {"cost", e.cost},
           {"invalid_orders", e.invalid_orders},
           {"protocol_errors", e.protocol_errors},
           {"seconds", e.seconds},
           {"transcript", TranscriptJson(e)},
           {"answer", answer},
           {"grade", grade},
           {"truth", {{"principal", Codes(e.truth_principal)}, {"secondary", Codes(e.truth_secondary)}}},
           {"tests_ordered", e.tests_ordered},
           {"tests_performed", e.tests_performed},
           {"tests_not_ordered", TestsNotOrdered(e)},
           {"judge", e.judge ? e.judge->ToJson() : nlohmann::json(nullptr)},
           {"others", others}}};
}

ApiReply Viewer::Get(const std::string& path, const std::multimap<std::string, std::string>& params) const {
  // /api/runs | /api/runs/{i}/episodes | /api/runs/{i}/episodes/{case_id}
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (parts.size() < 2 || parts[0] != "api" || parts[1] != "runs") return Error(404, "no such API");
  if (parts.size() == 2) {
    if (!params.empty()) return Error(400, "/api/runs takes no query parameters");
    return Runs();
  }
  auto run = ParseIndex(parts[2], "a run number");
  if (!run.ok()) return Error(404, run.status().message());
  if (parts.size() == 4 && parts[3] == "episodes") {
    auto q = EpisodeQuery::FromParams(params);
    if (!q.ok()) return Error(400, q.status().message());
    return Episodes(*run, *q);
  }
  if (parts.size() == 5 && parts[3] == "episodes" && !parts[4].empty()) {
    if (!params.empty()) return Error(400, "an episode takes no query parameters");
    return Episode(*run, parts[4]);
  }
  return Error(404, "no such API");
}

}  // namespace medcred

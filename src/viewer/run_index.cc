#include "viewer/run_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <simdjson.h>

#include "common/file_util.h"
#include "common/json_util.h"
#include "grading/grader.h"

namespace medcred {
namespace {

struct FileIdentity {
  uint64_t inode = 0, size = 0;
  int64_t mtime_ns = 0;
};

FileIdentity IdentityOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

// An optional JSON file of the run (summary.json, credentials.json): none when
// absent, an error when present and unreadable.
template <typename T>
Result<std::optional<T>> ReadOptional(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<T>();
  MEDCRED_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseJson(text, path));
  MEDCRED_ASSIGN_OR_RETURN(T value, T::FromJson(j, path));
  return std::optional<T>(std::move(value));
}

// A UTF-8 string cut to at most `max` bytes without splitting a character.
std::string CutUtf8(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "…";
}

// The fields of an episode line the table shows (rundir/records.h's names).
struct EpisodeFields {
  std::string format, case_id, split, outcome, level, diagnosis, answer_code, mapped_code;
  std::vector<std::string> categories, truth;
  int64_t turns = 0, tool_calls = 0, protocol_errors = 0, invalid_orders = 0;
  double cost = 0, credit = 0;
  bool has_error = false;
};

namespace dom = simdjson::dom;

// Field readers: false when the field is there but of another type.
bool Str(dom::element v, std::string* out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out->assign(s);
  return true;
}
bool StrOrNull(dom::element v, std::string* out) {
  if (v.is_null()) {
    out->clear();
    return true;
  }
  return Str(v, out);
}
bool Strs(dom::element v, std::vector<std::string>* out) {
  dom::array a;
  if (v.get_array().get(a)) return false;
  for (dom::element e : a) {
    std::string s;
    if (!Str(e, &s)) return false;
    out->push_back(std::move(s));
  }
  return true;
}
bool Int(dom::element v, int64_t* out) {
  if (!v.get_int64().get(*out)) return true;
  double d = 0;  // written by a JSON library as 3.0
  if (v.get_double().get(d)) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

// Reads the table's fields of one episodes.jsonl line with simdjson (the
// whole line is parsed and validated as JSON at several GB/s, on the CPU's
// best SIMD kernel chosen at run time); the record as a whole is read with
// EpisodeRecord::FromJson when the episode is opened (RunIndex::Read).
Status ReadFields(dom::parser& parser, std::string& line, const std::string& at, EpisodeFields* f) {
  const size_t size = line.size();
  line.reserve(size + simdjson::SIMDJSON_PADDING);
  dom::element doc;
  dom::object obj;
  if (parser.parse(line.data(), size, false).get(doc) || doc.get_object().get(obj)) {
    return Status::BadInput(at + ": not an episode record");
  }
  auto field = [&](const char* key, dom::element* out) { return !obj.at_key(key).get(*out); };
  auto bad = [&](const std::string& key) {
    return Status::BadInput(at + ": field `" + key + "` is not what an episode has");
  };
  dom::element v;
  if (field("format", &v) && !Str(v, &f->format)) return bad("format");
  if (f->format.empty()) f->format = "medcred-episode-v1";
  if (f->format != kEpisodeFormat && f->format != "medcred-episode-v1") {
    return Status::BadInput(at + ": format " + f->format + " is not one this medcred reads (" + kEpisodeFormat + ")");
  }
  if (!field("case_id", &v) || !Str(v, &f->case_id) || f->case_id.empty()) {
    return Status::BadInput(at + ": not an episode record (no case_id)");
  }
  for (const char* key : {"split", "outcome"}) {
    if (!field(key, &v) || !Str(v, key[0] == 's' ? &f->split : &f->outcome)) return bad(key);
  }
  if (!field("categories", &v) || !Strs(v, &f->categories)) return bad("categories");
  const std::pair<const char*, int64_t*> counts[] = {{"turns", &f->turns},
                                                     {"tool_calls", &f->tool_calls},
                                                     {"protocol_errors", &f->protocol_errors},
                                                     {"invalid_orders", &f->invalid_orders}};
  for (const auto& [key, out] : counts) {
    if (field(key, &v) && !Int(v, out)) return bad(key);
  }
  if (!field("cost", &v) || v.get_double().get(f->cost)) return bad("cost");
  if (field("error", &v)) {
    std::string e;
    if (!StrOrNull(v, &e)) return bad("error");
    f->has_error = !v.is_null();
  }
  if (field("answer", &v) && !v.is_null()) {
    dom::element a;
    if (!v.is_object() || v.at_key("diagnosis").get(a) || !Str(a, &f->diagnosis)) return bad("answer");
    if (!v.at_key("icd10").get(a) && !StrOrNull(a, &f->answer_code)) return bad("answer.icd10");
  }
  if (field("truth", &v)) {
    dom::element p;
    if (!v.is_object() || (!v.at_key("principal").get(p) && !Strs(p, &f->truth))) return bad("truth");
  }
  dom::element g;
  if (!field("grade", &v) || !v.is_object()) return bad("grade");
  if (v.at_key("level").get(g) || !Str(g, &f->level)) return bad("grade.level");
  if (v.at_key("credit").get(g) || g.get_double().get(f->credit)) return bad("grade.credit");
  if (!v.at_key("mapped_code").get(g) && !StrOrNull(g, &f->mapped_code)) return bad("grade.mapped_code");
  return Status::OK();
}

}  // namespace

uint16_t RunIndex::Intern(std::vector<std::string>& table, const std::string& value) {
  for (size_t i = 0; i < table.size(); ++i) {
    if (table[i] == value) return static_cast<uint16_t>(i);
  }
  table.push_back(value);
  return static_cast<uint16_t>(table.size() - 1);
}

Result<RunIndex> RunIndex::Open(const std::string& dir) {
  RunIndex index(dir);
  MEDCRED_ASSIGN_OR_RETURN(index.manifest_, index.dir_.ReadManifest());
  MEDCRED_ASSIGN_OR_RETURN(index.summary_, ReadOptional<SummaryFile>(index.dir_.summary_path()));
  MEDCRED_ASSIGN_OR_RETURN(index.credentials_, ReadOptional<CredentialsFile>(index.dir_.credentials_path()));

  // "Wrong" means what the run's methodology says: credit below correct_at.
  if (index.credentials_) index.methodology_version_ = index.credentials_->methodology_version;
  if (index.methodology_version_.empty() && index.summary_) {
    index.methodology_version_ = index.summary_->methodology_version;
  }
  auto methodology = index.methodology_version_.empty()
                         ? Methodology::Load()
                         : Methodology::Load("methodology-" + index.methodology_version_ + ".toml");
  if (!methodology.ok()) methodology = Methodology::Load();  // a version this medcred lacks: the current one
  MEDCRED_RETURN_IF_ERROR(methodology.status());
  if (index.methodology_version_.empty()) index.methodology_version_ = methodology->version;
  index.correct_at_ = methodology->correct_at;
  index.methodology_levels_ = methodology->levels;

  const FileIdentity before = IdentityOf(index.dir_.episodes_path());
  simdjson::dom::parser parser;
  MEDCRED_RETURN_IF_ERROR(
      index.dir_.ForEachRawEpisodeLine([&](std::string& line, const RunDir::EpisodeLocation& where) -> Status {
        const std::string at = index.dir_.episodes_path() + ":" + std::to_string(where.line);
        EpisodeFields f;
        if (Status read = ReadFields(parser, line, at, &f); !read.ok()) return read;
        if (index.by_case_.count(f.case_id)) return Status::BadInput(at + ": a second episode of " + f.case_id);
        EpisodeRow row;
        row.where = where;
        row.case_id = std::move(f.case_id);
        for (const std::string& c : f.categories) row.categories.push_back(Intern(index.categories_, c));
        row.outcome = Intern(index.outcomes_, f.outcome);
        row.level = Intern(index.levels_, f.level);
        row.split = Intern(index.splits_, f.split);
        row.credit = f.credit;
        row.correct = f.credit >= index.correct_at_;
        row.has_error = f.has_error;
        row.cost = f.cost;
        row.turns = static_cast<int32_t>(f.turns);
        row.tool_calls = static_cast<int32_t>(f.tool_calls);
        row.invalid_orders = static_cast<int32_t>(f.invalid_orders);
        row.protocol_errors = static_cast<int32_t>(f.protocol_errors);
        row.answer = CutUtf8(f.diagnosis, kAnswerChars);
        row.answer_code = std::move(f.answer_code);
        row.mapped_code = std::move(f.mapped_code);
        row.truth = std::move(f.truth);
        index.by_case_.emplace(row.case_id, static_cast<uint32_t>(index.rows_.size()));
        index.rows_.push_back(std::move(row));
        return Status::OK();
      }));
  index.rows_.shrink_to_fit();
  // What was indexed is the file as it was when the scan began; a change
  // during the scan shows as Changed() at once.
  index.file_inode_ = before.inode;
  index.file_size_ = before.size;
  index.file_mtime_ns_ = before.mtime_ns;
  return index;
}

const EpisodeRow* RunIndex::Find(const std::string& case_id) const {
  auto it = by_case_.find(case_id);
  return it == by_case_.end() ? nullptr : &rows_[it->second];
}

Result<EpisodeRecord> RunIndex::Read(const EpisodeRow& row) const {
  auto record = dir_.ReadEpisodeAt(row.where);
  if (!record.ok() || record->case_id != row.case_id) {
    return Status::External(dir_.episodes_path() + " changed since the viewer opened it (line " +
                            std::to_string(row.where.line) + " is no longer " + row.case_id +
                            "): restart medcred view to read it again");
  }
  return record;
}

bool RunIndex::Changed() const {
  const FileIdentity now = IdentityOf(dir_.episodes_path());
  return now.inode != file_inode_ || now.size != file_size_ || now.mtime_ns != file_mtime_ns_;
}

size_t RunIndex::MemoryBytes() const {
  size_t bytes = rows_.capacity() * sizeof(EpisodeRow);
  auto str = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  for (const EpisodeRow& r : rows_) {
    bytes += str(r.case_id) + str(r.answer) + str(r.answer_code) + str(r.mapped_code);
    bytes += r.categories.capacity() * sizeof(uint16_t);
    bytes += r.truth.capacity() * sizeof(std::string);
    for (const std::string& t : r.truth) bytes += str(t);
  }
  // The case-id map: a node (key, value, hash, next) per row, and its buckets.
  bytes += by_case_.size() * (sizeof(std::string) + 2 * sizeof(void*) + sizeof(uint32_t)) +
           by_case_.bucket_count() * sizeof(void*);
  return bytes;
}

}  // namespace medcred

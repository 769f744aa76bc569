#include "grading/grader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "common/text.h"

namespace medcred {
namespace {

std::string Normalize(const std::string& text) { return NormalizeWords(text); }

// Words that carry no meaning for matching a title (v1).
const std::set<std::string> kStopWordsV1 = {
    "of",         "the", "and",  "or",   "with",      "without", "in",      "to",   "a",
    "an",         "due", "by",   "for",  "on",        "as",      "other",   "not",  "elsewhere",
    "classified", "nos", "site", "type", "specified", "acute",   "episode", "care", "unspecified"};

// v2: "acute", "unspecified" and "episode" are words a title may imply (lexicon-v2 implied_words).
const std::set<std::string> kStopWords = {
    "of",      "the", "and", "or",    "with", "without",   "in",         "to",  "a",       "an",   "due",       "by",
    "for",     "on",  "as",  "other", "not",  "elsewhere", "classified", "nos", "site",    "type", "specified", "care",
    "whether", "s",   "at",  "is",    "from", "has",       "was",        "pt",  "patient", "than"};

std::vector<std::string> ContentWordsV1(const std::string& normalized) {
  std::vector<std::string> out;
  std::istringstream in(normalized);
  for (std::string w; in >> w;) {
    if (!kStopWordsV1.count(w) && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

bool ContainsPhrase(const std::string& padded_text, const std::string& phrase) {
  return padded_text.find(" " + phrase + " ") != std::string::npos;
}

// Lower-cased words; "," and ";" become the clause mark "|"; every other non-alphanumeric is a space.
constexpr const char* kClause = "|";
std::vector<std::string> Tokens(const std::string& text) {
  std::vector<std::string> out;
  std::string w;
  auto flush = [&] {
    if (!w.empty()) out.push_back(std::move(w));
    w.clear();
  };
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      w.push_back(static_cast<char>(std::tolower(c)));
    } else {
      flush();
      if (ch == ',' || ch == ';') out.push_back(kClause);
    }
  }
  flush();
  return out;
}

std::string Join(const std::vector<std::string>& words, size_t from = 0, size_t to = std::string::npos) {
  std::string out;
  for (size_t i = from; i < std::min(to, words.size()); ++i) {
    if (words[i] == kClause) continue;
    out += (out.empty() ? "" : " ") + words[i];
  }
  return out;
}

// A plural and its singular read alike: "seizures" -> "seizure" (not "-ss", "-us", "-is").
std::string Stem(const std::string& w) {
  if (w.size() > 3 && w.back() == 's') {
    const char p = w[w.size() - 2];
    if (p != 's' && p != 'u' && p != 'i') return w.substr(0, w.size() - 1);
  }
  return w;
}

bool StartsAt(const std::vector<std::string>& words, size_t i, const std::vector<std::string>& phrase) {
  if (phrase.empty() || i + phrase.size() > words.size()) return false;
  for (size_t k = 0; k < phrase.size(); ++k) {
    if (words[i + k] != phrase[k]) return false;
  }
  return true;
}

// The longest of `phrases` starting at i, or 0.
size_t MatchAt(const std::vector<std::string>& words, size_t i, const std::vector<std::vector<std::string>>& phrases) {
  size_t best = 0;
  for (const auto& p : phrases) {
    if (p.size() > best && StartsAt(words, i, p)) best = p.size();
  }
  return best;
}

Result<std::vector<std::vector<std::string>>> PhraseList(const toml::table& root, const char* key,
                                                         const std::string& path) {
  std::vector<std::vector<std::string>> out;
  const toml::array* a = root[key].as_array();
  if (a == nullptr) return Status::BadInput(path + ": " + key + " must be a list of phrases");
  for (const auto& e : *a) {
    auto s = e.value<std::string>();
    if (!s || Tokens(*s).empty()) return Status::BadInput(path + ": " + key + " must be a list of phrases");
    out.push_back(Tokens(*s));
  }
  return out;
}

}  // namespace

Result<Methodology> Methodology::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  return Parse(f);
}

Result<Methodology> Methodology::Parse(const DataFile& file) {
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  Methodology m;
  m.sha256 = file.sha256;
  auto v = root["version"].value<std::string>();
  if (!v) return Status::BadInput(file.path + ": version must be a string");
  m.version = *v;
  const toml::table* credit = root["credit"].as_table();
  if (credit == nullptr) return Status::BadInput(file.path + ": [credit] is missing");
  m.levels = {"exact", "category", "block", "secondary", "chapter", "none"};
  for (const std::string& level : m.levels) {
    auto c = (*credit)[level].value<double>();
    if (!c || *c < 0 || *c > 1)
      return Status::BadInput(file.path + ": credit." + level + " must be a number from 0 to 1");
    m.credit[level] = *c;
  }
  // Issue 16: the ccsr level, placed after the level `after` names.
  if (const toml::table* ccsr = root["ccsr"].as_table()) {
    auto c = (*ccsr)["credit"].value<double>();
    if (!c || *c < 0 || *c > 1) return Status::BadInput(file.path + ": ccsr.credit must be a number from 0 to 1");
    auto after = (*ccsr)["after"].value<std::string>();
    auto at = after ? std::find(m.levels.begin(), m.levels.end(), *after) : m.levels.end();
    if (at == m.levels.end() || *after == "none")
      return Status::BadInput(file.path + ": ccsr.after must name a level other than none");
    m.levels.insert(at + 1, "ccsr");
    m.credit["ccsr"] = *c;
    m.ccsr_level = true;
    if (const toml::array* broad = (*ccsr)["broad"].as_array()) {
      for (const auto& e : *broad) {
        auto s = e.value<std::string>();
        if (!s || s->size() != 6) return Status::BadInput(file.path + ": ccsr.broad must list CCSR category ids");
        m.ccsr_broad.insert(*s);
      }
    }
    // A level never pays more than the one before it: a specific answer never scores below a vaguer one.
    for (size_t i = 1; i < m.levels.size(); ++i) {
      if (m.credit[m.levels[i]] > m.credit[m.levels[i - 1]]) {
        return Status::BadInput(file.path + ": ccsr.credit: level " + m.levels[i] + " would pay more than " +
                                m.levels[i - 1] + ", the level before it");
      }
    }
  }
  if (const toml::table* ba = root["beyond_accuracy"].as_table()) {
    auto k = (*ba)["top_k"].value<int64_t>();
    auto bins = (*ba)["reliability_bins"].value<int64_t>();
    if (!k || *k < 1 || *k > 10) return Status::BadInput(file.path + ": beyond_accuracy.top_k must be 1 to 10");
    if (!bins || *bins < 2 || *bins > 50)
      return Status::BadInput(file.path + ": beyond_accuracy.reliability_bins must be 2 to 50");
    m.top_k = static_cast<int>(*k);
    m.reliability_bins = static_cast<int>(*bins);
  }
  auto at = root["correct_at"].value<double>();
  if (!at) return Status::BadInput(file.path + ": correct_at must be a number");
  m.correct_at = *at;
  const toml::table* cred = root["credentials"].as_table();
  if (cred == nullptr) return Status::BadInput(file.path + ": [credentials] is missing");
  auto split = (*cred)["split"].value<std::string>();
  if (!split || (*split != "test" && *split != "dev" && *split != "all")) {
    return Status::BadInput(file.path + ": credentials.split must be test, dev or all");
  }
  m.split = *split;
  auto conf = (*cred)["confidence"].value<double>();
  if (!conf || *conf <= 0 || *conf >= 1)
    return Status::BadInput(file.path + ": credentials.confidence must be a number between 0 and 1");
  m.confidence = *conf;
  auto nc = (*cred)["not_certified"].value<std::string>();
  if (!nc || nc->empty()) return Status::BadInput(file.path + ": credentials.not_certified must be a name");
  m.not_certified = *nc;
  const toml::array* tiers = (*cred)["tiers"].as_array();
  if (tiers == nullptr || tiers->empty()) return Status::BadInput(file.path + ": [[credentials.tiers]] is missing");
  for (size_t i = 0; i < tiers->size(); ++i) {
    const std::string where = file.path + ": credentials.tiers[" + std::to_string(i) + "]";
    const toml::table* t = tiers->get(i)->as_table();
    if (t == nullptr) return Status::BadInput(where + " must be a table");
    Tier tier;
    auto name = (*t)["name"].value<std::string>();
    auto min_cases = (*t)["min_cases"].value<int64_t>();
    auto lower = (*t)["min_lower_bound"].value<double>();
    if (!name || name->empty()) return Status::BadInput(where + ".name must be a name");
    if (!min_cases || *min_cases < 1)
      return Status::BadInput(where + ".min_cases must be a whole number of at least 1");
    if (!lower || *lower < 0 || *lower > 1)
      return Status::BadInput(where + ".min_lower_bound must be a number from 0 to 1");
    tier.name = *name;
    tier.min_cases = static_cast<int>(*min_cases);
    tier.min_lower_bound = *lower;
    if (!m.tiers.empty() &&
        (tier.min_cases > m.tiers.back().min_cases || tier.min_lower_bound > m.tiers.back().min_lower_bound)) {
      return Status::BadInput(where +
                              ": tiers must be listed best first (no tier may ask more than the one before it)");
    }
    m.tiers.push_back(tier);
  }
  // [exam] (issue 18): optional; v1 has none.
  if (const toml::table* exam = root["exam"].as_table()) {
    const std::string where = file.path + ": exam.";
    ExamRules e;
    auto version = (*exam)["version"].value<std::string>();
    auto salt = (*exam)["salt"].value<std::string>();
    auto cases = (*exam)["cases"].value<int64_t>();
    auto power = (*exam)["power"].value<double>();
    auto margin = (*exam)["margin"].value<double>();
    if (!version || version->empty()) return Status::BadInput(where + "version must be a name");
    if (!salt || salt->empty()) return Status::BadInput(where + "salt must be a text");
    if (!power || *power <= 0.5 || *power >= 1) return Status::BadInput(where + "power must be a number in (0.5, 1)");
    if (!margin || *margin <= 0 || *margin >= 0.5)
      return Status::BadInput(where + "margin must be a number in (0, 0.5)");
    if (!cases || *cases < 1 || *cases > 1000000) return Status::BadInput(where + "cases must be a whole number >= 1");
    for (const Tier& t : m.tiers) {
      if (t.min_lower_bound + *margin >= 1)
        return Status::BadInput(where + "margin: tier " + t.name + "'s bound plus the margin must stay below 1");
    }
    const int needed = ExamCasesNeeded(m, *power, *margin);
    if (*cases < needed) {
      return Status::BadInput(where + "cases = " + std::to_string(*cases) + " is below the power calculation's " +
                              std::to_string(needed) + " (docs/methodology.md#the-standard-exam)");
    }
    e.version = *version;
    e.salt = *salt;
    e.cases = static_cast<int>(*cases);
    e.power = *power;
    e.margin = *margin;
    m.exam = e;
  }
  return m;
}

namespace {

// The standard normal quantile: z with Phi(z) = q, for q in (0.5, 1), by
// Newton's method on the error function.
double NormalQuantile(double q) {
  double z = 1.0;
  for (int i = 0; i < 60; ++i) {
    const double f = 0.5 * (1 + std::erf(z / std::sqrt(2.0))) - q;
    const double df = std::exp(-z * z / 2) / std::sqrt(2 * 3.14159265358979323846);
    const double step = f / df;
    z -= step;
    if (std::fabs(step) < 1e-13) break;
  }
  return z;
}

}  // namespace

int ExamCasesForTier(const Tier& tier, double confidence, double power, double margin) {
  const double z = NormalQuantile(1 - (1 - confidence) / 2);
  const double zb = NormalQuantile(power);
  const double p0 = tier.min_lower_bound, p1 = p0 + margin;
  const double root = (z * std::sqrt(p0 * (1 - p0)) + zb * std::sqrt(p1 * (1 - p1))) / margin;
  const int n = static_cast<int>(std::ceil(root * root - 1e-9));
  return std::max(n, tier.min_cases);
}

int ExamCasesNeeded(const Methodology& m, double power, double margin) {
  int n = 0;
  for (const Tier& t : m.tiers) n = std::max(n, ExamCasesForTier(t, m.confidence, power, margin));
  return n;
}

nlohmann::json Grade::ToJson() const {
  nlohmann::json j = {{"level", level},
                      {"credit", credit},
                      {"mapped_code", mapped_code.empty() ? nlohmann::json(nullptr) : nlohmann::json(mapped_code)},
                      {"explanation", explanation}};
  if (top3) j["top3"] = *top3;
  return j;
}

nlohmann::json Candidate::ToJson() const {
  return {{"code", code}, {"source", source}, {"text", text}, {"explained", explained}, {"unsaid", unsaid}};
}

struct Grader::Scored {
  const Entry* entry = nullptr;
  const Phrase* phrase = nullptr;
  int explained = 0, unsaid = 0, optional_unsaid = 0, source_rank = 0;
  bool header = false;  // a category header (no CCSR entry): a billable code of the same words is preferred
  const std::string& code() const { return entry ? entry->code : phrase->code; }
  bool operator<(const Scored& o) const {  // better first
    // Most of the answer explained, less what the candidate adds that the answer did not say.
    if (explained - unsaid != o.explained - o.unsaid) return explained - unsaid > o.explained - o.unsaid;
    if (unsaid != o.unsaid) return unsaid < o.unsaid;
    if (optional_unsaid != o.optional_unsaid) return optional_unsaid < o.optional_unsaid;
    if (source_rank != o.source_rank) return source_rank < o.source_rank;
    if (header != o.header) return !header;
    if (code().size() != o.code().size()) return code().size() < o.code().size();
    return code() < o.code();
  }
};

int Grader::WordId(const std::string& w) const {
  auto it = word_ids_.find(w);
  return it == word_ids_.end() ? -1 : it->second;
}

int Grader::InternWord(const std::string& w) {
  auto [it, added] = word_ids_.emplace(w, static_cast<int>(word_ids_.size()));
  if (added) postings_.emplace_back();
  return it->second;
}

// Synonyms rewritten (longest first), then each word stemmed.
std::vector<std::string> Grader::Canonical(const std::vector<std::string>& words) const {
  std::vector<std::string> out;
  for (size_t i = 0; i < words.size();) {
    if (words[i] == kClause) {
      out.push_back(kClause);
      ++i;
      continue;
    }
    size_t matched = 0;
    const std::vector<std::string>* to = nullptr;
    std::string key;
    for (size_t len = 1; len <= std::min(longest_synonym_, words.size() - i); ++len) {
      if (words[i + len - 1] == kClause) break;
      key += (len > 1 ? " " : "") + words[i + len - 1];
      auto it = synonyms_.find(key);
      if (it != synonyms_.end()) {  // the longest synonym wins
        to = &it->second;
        matched = len;
      }
    }
    if (to != nullptr) {
      for (const auto& w : *to) out.push_back(Stem(w));
    }
    if (matched > 0) {
      i += matched;
    } else {
      out.push_back(Stem(words[i++]));
    }
  }
  return out;
}

void Grader::AddEntry(const std::string& code, const std::string& source, const std::string& title) {
  // A title's words in order; after "without" they are what it excludes, after "not specified as",
  // "unspecified as" or "unspecified whether" they are optional, each up to the segment's end.
  Entry e{code, source, title, {}, {}, {}, false};
  std::vector<std::string> segments(1);
  for (char ch : title) {
    if (ch == ',' || ch == ';' || ch == '(' || ch == ')' || ch == '[' || ch == ']') {
      segments.emplace_back();
    } else {
      segments.back().push_back(ch == '\'' ? ' ' : ch);
    }
  }
  std::set<int> seen;
  for (const auto& raw : segments) {
    const std::vector<std::string> words = Canonical(Tokens(raw));
    enum { kRequired, kExcluded, kOptional } mode = kRequired;
    bool until_of = false;  // "unspecified occlusion or stenosis of ...": optional up to "of"
    for (size_t i = 0; i < words.size(); ++i) {
      const std::string& w = words[i];
      if (until_of && w == "of") {
        mode = kRequired;
        until_of = false;
        continue;
      }
      // "chronic or unspecified": the unspecified reading is the default; the word is not needed.
      if (i + 2 < words.size() && words[i + 1] == "or" && words[i + 2] == "unspecified") continue;
      if (w == "unspecified" && mode == kRequired && i + 1 < words.size() &&
          std::find(words.begin() + static_cast<long>(i) + 1, words.end(), "of") != words.end()) {
        mode = kOptional;
        until_of = true;
        e.says_unspecified = true;
        if (seen.insert(InternWord(w)).second) e.implied.push_back(InternWord(w));
        continue;
      }
      if (w == "without") {
        mode = kExcluded;
        continue;
      }
      if ((w == "not" || w == "unspecified") && i + 1 < words.size() &&
          (words[i + 1] == "specified" || words[i + 1] == "as" || words[i + 1] == "whether")) {
        mode = kOptional;
        if (w == "unspecified" && seen.insert(InternWord(w)).second) {
          e.implied.push_back(InternWord(w));
          e.says_unspecified = true;
        }
        continue;
      }
      if (w == kClause || kStopWords.count(w)) continue;
      const int id = InternWord(w);
      if (!seen.insert(id).second) continue;
      if (w == "unspecified") e.says_unspecified = true;
      if (mode == kExcluded) {
        e.excluded.push_back(id);
      } else if (mode == kOptional || implied_words_.count(w)) {
        e.implied.push_back(id);
      } else {
        e.required.push_back(id);
      }
    }
  }
  if (e.required.empty()) return;
  const int index = static_cast<int>(entries_.size());
  for (int id : e.required) postings_[static_cast<size_t>(id)].push_back({index, false});
  for (int id : e.implied) postings_[static_cast<size_t>(id)].push_back({index, true});
  entries_.push_back(std::move(e));
}

Result<Grader> Grader::LoadFrom(const IcdReference* reference, const std::string& reference_dir,
                                const std::string& lexicon_file, const std::string& methodology_file) {
  MEDCRED_ASSIGN_OR_RETURN(Methodology m, Methodology::Load(methodology_file));
  std::shared_ptr<const Ccsr> ccsr;
  if (m.ccsr_level) {
    MEDCRED_ASSIGN_OR_RETURN(Ccsr c, Ccsr::Load(reference_dir));
    ccsr = std::make_shared<const Ccsr>(std::move(c));
  }
  return Load(reference, std::move(ccsr), lexicon_file, methodology_file);
}

Result<Grader> Grader::Load(const IcdReference* reference, std::shared_ptr<const Ccsr> ccsr,
                            const std::string& lexicon_file, const std::string& methodology_file) {
  Grader g;
  g.ref_ = reference;
  g.ccsr_ = std::move(ccsr);
  MEDCRED_ASSIGN_OR_RETURN(g.methodology_, Methodology::Load(methodology_file));
  if (g.methodology_.ccsr_level) {
    if (g.ccsr_ == nullptr) {
      return Status::BadInput(methodology_file + " grades with CCSR, but dxccsr_v2023_1.csv.gz was not loaded");
    }
    for (const std::string& id : g.methodology_.ccsr_broad) {
      if (g.ccsr_->Category(id) == nullptr)
        return Status::BadInput(methodology_file + ": ccsr.broad: '" + id + "' is not a CCSR category");
    }
  }
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(lexicon_file));
  g.lexicon_sha256_ = f.sha256;
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(f));
  g.lexicon_version_ = root["version"].value_or(std::string());
  if (const toml::array* none = root["no_diagnosis"].as_array()) {
    for (const auto& e : *none) {
      auto s = e.value<std::string>();
      if (!s) return Status::BadInput(f.path + ": no_diagnosis must be a list of strings");
      g.no_diagnosis_.push_back(Normalize(*s));
    }
  }
  const toml::table* phrases = root["phrases"].as_table();
  if (phrases == nullptr) return Status::BadInput(f.path + ": [phrases] is missing");
  g.v2_ = root.contains("negation_before");
  auto known = [&](const std::string& c) {
    return reference->IsIcd10(c) || (g.ccsr_ != nullptr && !g.ccsr_->Description(c).empty());
  };
  if (!g.v2_) {  // lexicon v1: phrase = "CODE"; read as before (docs/methodology.md, v1)
    for (const auto& [phrase, code] : *phrases) {
      auto c = code.value<std::string>();
      const std::string where = f.path + ": phrases.\"" + std::string(phrase.str()) + "\"";
      if (!c) return Status::BadInput(where + " must be an ICD-10-CM code");
      const std::string normalized_code = NormalizeIcd(*c);
      if (!reference->IsIcd10(normalized_code)) {
        return Status::BadInput(where + ": '" + *c + "' is not an ICD-10-CM code of the order file");
      }
      g.phrases_v1_[Normalize(std::string(phrase.str()))] = normalized_code;
    }
    for (const auto& [code, title] : reference->AllTitles()) {
      const std::string n = Normalize(title);
      auto it = g.exact_titles_.find(n);
      if (it == g.exact_titles_.end() || code.size() < it->second.size() ||
          (code.size() == it->second.size() && code < it->second)) {
        g.exact_titles_[n] = code;
      }
      g.titles_v1_.push_back({ContentWordsV1(n), code});
    }
    return g;
  }
  // Lexicon v2.
  g.unspecified_id_ = g.InternWord("unspecified");
  MEDCRED_ASSIGN_OR_RETURN(g.negation_before_, PhraseList(root, "negation_before", f.path));
  MEDCRED_ASSIGN_OR_RETURN(g.negation_after_, PhraseList(root, "negation_after", f.path));
  MEDCRED_ASSIGN_OR_RETURN(g.differential_, PhraseList(root, "differential_cues", f.path));
  MEDCRED_ASSIGN_OR_RETURN(g.connectors_, PhraseList(root, "compound_connectors", f.path));
  MEDCRED_ASSIGN_OR_RETURN(g.hedges_, PhraseList(root, "hedges", f.path));
  MEDCRED_ASSIGN_OR_RETURN(auto implied, PhraseList(root, "implied_words", f.path));
  for (const auto& w : implied) g.implied_words_.insert(w.front());
  MEDCRED_ASSIGN_OR_RETURN(auto excluded, PhraseList(root, "excluded_code_prefixes", f.path));
  for (const auto& w : excluded) g.excluded_prefixes_.push_back(Upper(w.front()));
  if (const toml::table* syn = root["synonyms"].as_table()) {
    for (const auto& [from, to] : *syn) {
      auto t = to.value<std::string>();
      const auto key = Tokens(std::string(from.str()));
      if (!t || key.empty() || Tokens(*t).empty())
        return Status::BadInput(f.path + ": synonyms.\"" + std::string(from.str()) + "\" must be words");
      g.synonyms_[Join(key)] = Tokens(*t);
      g.longest_synonym_ = std::max(g.longest_synonym_, key.size());
    }
  }
  for (const auto& [phrase, value] : *phrases) {
    const std::string where = f.path + ": phrases.\"" + std::string(phrase.str()) + "\"";
    const toml::table* t = value.as_table();
    auto c = t ? (*t)["code"].value<std::string>() : std::nullopt;
    auto title = t ? (*t)["title"].value<std::string>() : std::nullopt;
    if (!c || !title) return Status::BadInput(where + " must be { code = \"...\", title = \"...\" }");
    const std::string code = NormalizeIcd(*c);
    if (!known(code)) return Status::BadInput(where + ": '" + *c + "' is not an ICD-10-CM code of the order file");
    Phrase p;
    for (const auto& w : g.Canonical(Tokens(std::string(phrase.str())))) {
      if (w == kClause || kStopWords.count(w)) continue;
      p.words.push_back(g.InternWord(w));
    }
    if (p.words.empty()) return Status::BadInput(where + ": the phrase has no word that is not a stop word");
    p.content = static_cast<int>(std::set<int>(p.words.begin(), p.words.end()).size());
    p.code = code;
    p.text = std::string(phrase.str());
    for (const Phrase& other : g.phrases_) {
      if (other.words == p.words && other.code != p.code) {
        return Status::BadInput(where + ": reads the same as \"" + other.text + "\" (" + other.code + ") but names " +
                                code);
      }
    }
    g.phrases_.push_back(std::move(p));
  }
  auto excluded_code = [&](const std::string& code) {
    return std::any_of(g.excluded_prefixes_.begin(), g.excluded_prefixes_.end(),
                       [&](const std::string& p) { return code.rfind(p, 0) == 0; });
  };
  // The reference's titles and CCSR's descriptions in code order (a
  // deterministic index), pointed at rather than copied: the index is built
  // while the run's other data are loaded.
  using CodeText = std::pair<const std::string, std::string>;
  auto by_code = [](const CodeText* x, const CodeText* y) { return x->first < y->first; };
  std::vector<const CodeText*> titles;
  titles.reserve(reference->AllTitles().size());
  for (const CodeText& t : reference->AllTitles()) titles.push_back(&t);
  std::sort(titles.begin(), titles.end(), by_code);
  std::vector<const CodeText*> extra;
  if (g.ccsr_ != nullptr) {
    for (const CodeText& d : g.ccsr_->AllDescriptions()) {
      if (!reference->IsIcd10(d.first) && !excluded_code(d.first)) extra.push_back(&d);
    }
    std::sort(extra.begin(), extra.end(), by_code);
  }
  g.entries_.reserve(titles.size() + extra.size());
  for (const CodeText* t : titles) {
    if (!excluded_code(t->first)) g.AddEntry(t->first, "title", t->second);
  }
  if (g.ccsr_ != nullptr) {
    for (const CodeText* d : extra) g.AddEntry(d->first, "ccsr description", d->second);
    // Category headers (not in CCSR): the default category all their codes share, if one.
    std::vector<std::string> codes;
    codes.reserve(g.ccsr_->AllDescriptions().size());
    for (const auto& [code, d] : g.ccsr_->AllDescriptions()) codes.push_back(code);
    std::sort(codes.begin(), codes.end());
    for (const CodeText* t : titles) {
      const std::string& code = t->first;
      if (g.ccsr_->DefaultInpatient(code) != nullptr) continue;
      std::string shared;
      bool one = true;
      for (auto it = std::lower_bound(codes.begin(), codes.end(), code); it != codes.end() && it->rfind(code, 0) == 0;
           ++it) {
        const CcsrCategory* c = g.ccsr_->DefaultInpatient(*it);
        if (c == nullptr) continue;
        if (shared.empty()) shared = c->id;
        if (c->id != shared) {
          one = false;
          break;
        }
      }
      if (one && !shared.empty()) g.header_ccsr_[code] = shared;
    }
  }
  return g;
}

const CcsrCategory* Grader::CcsrOf(const std::string& code) const {
  if (ccsr_ == nullptr) return nullptr;
  if (const CcsrCategory* c = ccsr_->DefaultInpatient(code)) return c;
  auto it = header_ccsr_.find(code);
  return it == header_ccsr_.end() ? nullptr : ccsr_->Category(it->second);
}

// Candidates for one run of words, best first (at most `keep`).
std::vector<Grader::Scored> Grader::Score(const std::vector<std::string>& words, size_t keep) const {
  std::vector<int> ids;  // the answer's content words (word ids; -1 for words no candidate has)
  std::vector<int> sequence;
  for (const auto& w : words) {
    if (w == kClause || kStopWords.count(w)) continue;
    const int id = WordId(w);
    sequence.push_back(id);
    if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) {
      ids.push_back(id);
    }
  }
  std::vector<Scored> out;
  for (const Phrase& p : phrases_) {
    for (size_t i = 0; i + p.words.size() <= sequence.size(); ++i) {
      if (std::equal(p.words.begin(), p.words.end(), sequence.begin() + static_cast<long>(i))) {
        Scored s;
        s.phrase = &p;
        s.explained = p.content;
        s.source_rank = 0;
        out.push_back(s);
        break;
      }
    }
  }
  // Titles: count each entry's required and optional words the answer says.
  // Dense counters per thread (Score is const and called from many threads), reset through `touched`.
  thread_local std::vector<std::pair<uint16_t, uint16_t>> counts;  // entry -> (required, optional) words said
  thread_local std::vector<int> touched;
  if (counts.size() < entries_.size()) counts.assign(entries_.size(), {0, 0});
  touched.clear();
  for (int id : ids) {
    for (const auto& [entry, implied] : postings_[static_cast<size_t>(id)]) {
      auto& h = counts[static_cast<size_t>(entry)];
      if (h.first == 0 && h.second == 0) touched.push_back(entry);
      (implied ? h.second : h.first)++;
    }
  }
  const std::set<int> have(ids.begin(), ids.end());
  // `touched` follows the postings, built in code order: deterministic.
  for (int index : touched) {
    const std::pair<int, int> h = counts[static_cast<size_t>(index)];
    counts[static_cast<size_t>(index)] = {0, 0};
    if (h.first == 0) continue;
    const Entry& e = entries_[static_cast<size_t>(index)];
    const int unsaid = static_cast<int>(e.required.size()) - h.first;
    const int explained = h.first + h.second;
    if (unsaid != 0) continue;  // every required word said
    if (std::any_of(e.excluded.begin(), e.excluded.end(), [&](int w) { return have.count(w) > 0; })) continue;
    Scored s;
    s.entry = &e;
    s.explained = explained;
    s.unsaid = unsaid;
    s.optional_unsaid =
        static_cast<int>(e.implied.size()) - h.second - (e.says_unspecified && !have.count(unspecified_id_));
    s.header = ccsr_ != nullptr && ccsr_->DefaultInpatient(e.code) == nullptr;
    s.source_rank = e.source == "title" ? 1 : 2;
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  if (out.size() > keep) out.resize(keep);
  return out;
}

// The best reading of a run of (canonical) words, and what it leaves unexplained.
std::optional<Reading> Grader::ReadWords(const std::vector<std::string>& words, std::vector<Candidate>* candidates,
                                         std::vector<std::string>* unexplained) const {
  const std::vector<Scored> scored = Score(words, 8);
  if (candidates != nullptr) {
    for (const Scored& s : scored) {
      candidates->push_back({s.code(), s.entry ? s.entry->source : "lexicon", s.entry ? s.entry->text : s.phrase->text,
                             s.explained, s.unsaid});
    }
  }
  if (scored.empty()) {
    if (unexplained != nullptr) {
      for (const auto& w : words) {
        if (w != kClause && !kStopWords.count(w)) unexplained->push_back(w);
      }
    }
    return std::nullopt;
  }
  const Scored& best = scored.front();
  std::set<int> used;
  if (best.entry) {
    used.insert(best.entry->required.begin(), best.entry->required.end());
    used.insert(best.entry->implied.begin(), best.entry->implied.end());
  } else {
    used.insert(best.phrase->words.begin(), best.phrase->words.end());
  }
  if (unexplained != nullptr) {
    for (const auto& w : words) {
      if (w == kClause || kStopWords.count(w)) continue;
      const int id = WordId(w);
      if ((id < 0 || !used.count(id)) && std::find(unexplained->begin(), unexplained->end(), w) == unexplained->end())
        unexplained->push_back(w);
    }
  }
  Reading r;
  r.code = best.code();
  r.how = best.entry ? best.entry->source : "lexicon";
  r.matched = best.entry ? best.entry->text : best.phrase->text;
  r.words = Join(words);
  return r;
}

Mapping Grader::Map(const std::string& text, const std::optional<std::string>& code) const {
  if (code) {
    const std::string c = NormalizeIcd(*code);
    if (!c.empty() && (ref_->IsIcd10(c) || (v2_ && ccsr_ && !ccsr_->Description(c).empty()))) {
      Mapping m{c, "code", *code, {}, {}, {}, {}};
      m.readings.push_back({c, "code", *code, *code});
      return m;
    }
  }
  const std::string n = Normalize(text);
  if (n.empty()) return {"", "no diagnosis", "", {}, {}, {}, {}};
  for (const auto& none : no_diagnosis_) {
    if (n == none) return {"", "no diagnosis", none, {}, {}, {}, {}};
  }
  if (!v2_) {
    // Lexicon v1: the longest phrase present in the text.
    const std::string padded = " " + n + " ";
    const std::string* best = nullptr;
    const std::string* best_code = nullptr;
    for (const auto& [phrase, c] : phrases_v1_) {
      if ((best == nullptr || phrase.size() > best->size()) && ContainsPhrase(padded, phrase)) {
        best = &phrase;
        best_code = &c;
      }
    }
    auto one = [](const std::string& c, const std::string& how, const std::string& matched) {
      Mapping m{c, how, matched, {}, {}, {}, {}};
      m.readings.push_back({c, how, matched, matched});
      return m;
    };
    if (best != nullptr && *best == n) return one(*best_code, "lexicon", *best);
    if (auto it = exact_titles_.find(n); it != exact_titles_.end()) return one(it->second, "title", n);
    const std::vector<std::string> words = ContentWordsV1(n);
    const std::set<std::string> have(words.begin(), words.end());
    const TitleWords* title = nullptr;
    for (const auto& t : titles_v1_) {
      if (t.words.empty() || t.words.size() < 2) continue;
      if (!std::all_of(t.words.begin(), t.words.end(), [&](const std::string& w) { return have.count(w) > 0; }))
        continue;
      if (title == nullptr || t.words.size() > title->words.size() ||
          (t.words.size() == title->words.size() &&
           (t.code.size() < title->code.size() || (t.code.size() == title->code.size() && t.code < title->code)))) {
        title = &t;
      }
    }
    if (title != nullptr && (best == nullptr || title->words.size() > ContentWordsV1(*best).size())) {
      std::string matched;
      for (const auto& w : title->words) matched += (matched.empty() ? "" : " ") + w;
      return one(title->code, "title words", matched);
    }
    if (best != nullptr) return one(*best_code, "lexicon", *best);
    return {"", "unmapped", "", {}, {}, {}, {}};
  }

  // Lexicon v2. Clauses; hedges dropped; negated words set apart; what is left, asserted, in order,
  // with the places where it may be split (connector or differential cue).
  Mapping m;
  const std::vector<std::string> tokens = Tokens(text);
  struct Piece {
    std::vector<std::string> words;
    bool after_differential = false;  // joined to the piece before by "vs", "or"
  };
  std::vector<Piece> pieces(1);
  std::vector<std::string> asserted;  // all asserted words, clause marks kept
  std::vector<std::vector<std::string>> negated;
  auto cut = [&](bool differential) {
    if (!pieces.back().words.empty()) pieces.emplace_back();
    if (differential) pieces.back().after_differential = true;
  };
  size_t i = 0;
  while (i < tokens.size()) {
    size_t end = i;
    while (end < tokens.size() && tokens[end] != kClause) ++end;
    // One clause [i, end).
    std::vector<std::string> clause(tokens.begin() + static_cast<long>(i), tokens.begin() + static_cast<long>(end));
    size_t negate_from = clause.size(), negate_to = 0;  // negated: [0, negate_to) and [negate_from, size)
    for (size_t k = 0; k < clause.size(); ++k) {
      if (size_t len = MatchAt(clause, k, negation_after_); len > 0 && k + len == clause.size()) {
        negate_to = k;
        clause.resize(k);
        break;
      }
    }
    for (size_t k = negate_to; k < clause.size(); ++k) {
      if (size_t len = MatchAt(clause, k, negation_before_); len > 0) {
        negate_from = k;
        std::vector<std::string> neg(clause.begin() + static_cast<long>(k + len), clause.end());
        if (!neg.empty()) negated.push_back(neg);
        break;
      }
    }
    if (negate_to > 0)
      negated.push_back(std::vector<std::string>(clause.begin(), clause.begin() + static_cast<long>(negate_to)));
    for (size_t k = negate_to; k < std::min(negate_from, clause.size());) {
      if (size_t len = MatchAt(clause, k, hedges_); len > 0) {
        k += len;
        continue;
      }
      if (size_t len = MatchAt(clause, k, differential_); len > 0) {
        cut(true);
        k += len;
        continue;
      }
      if (size_t len = MatchAt(clause, k, connectors_); len > 0) {
        for (size_t x = 0; x < len; ++x) asserted.push_back(clause[k + x]);
        cut(false);
        k += len;
        continue;
      }
      asserted.push_back(clause[k]);
      pieces.back().words.push_back(clause[k]);
      ++k;
    }
    cut(false);
    asserted.push_back(kClause);
    i = end + 1;
  }
  while (!pieces.empty() && pieces.back().words.empty()) pieces.pop_back();

  auto finish = [&](const std::string& how) {
    m.how = how;
    if (!m.readings.empty()) {
      m.code = m.readings.front().code;
      m.matched = m.readings.front().matched;
    }
    return m;
  };
  for (const auto& neg : negated) {
    if (auto r = ReadWords(Canonical(neg), nullptr, nullptr)) m.negated.push_back(Join(neg) + " (" + r->code + ")");
  }
  const std::vector<std::string> whole = Canonical(asserted);
  std::vector<std::string> unexplained;
  auto best = ReadWords(whole, &m.candidates, &unexplained);
  if (best && unexplained.empty()) {
    m.readings.push_back(*best);
    return finish(best->how);
  }
  // Not one diagnosis: each piece on its own.
  std::vector<Reading> parts;
  bool differential = false;
  std::vector<std::string> part_unexplained;
  for (size_t p = 0; p < pieces.size(); ++p) {
    std::vector<std::string> left;
    auto r = ReadWords(Canonical(pieces[p].words), nullptr, &left);
    if (!r) {
      part_unexplained.insert(part_unexplained.end(), left.begin(), left.end());
      continue;
    }
    part_unexplained.insert(part_unexplained.end(), left.begin(), left.end());
    if (!parts.empty() && parts.back().code == r->code) continue;
    if (pieces[p].after_differential && !parts.empty()) differential = true;
    parts.push_back(*r);
  }
  if (parts.size() >= 2) {
    m.readings.assign(parts.begin(), parts.begin() + 2);
    m.unexplained = part_unexplained;
    if (differential) {
      m.code.clear();
      m.how = "differential";
      return m;
    }
    return finish("compound");
  }
  if (best) {
    m.readings.push_back(*best);
    m.unexplained = unexplained;
    return finish(best->how);
  }
  if (parts.size() == 1) {
    m.readings.push_back(parts.front());
    m.unexplained = part_unexplained;
    return finish(parts.front().how);
  }
  m.unexplained = unexplained;
  m.how = m.negated.empty() ? "unmapped" : "not asserted";
  return m;
}

Grade Grader::GradeCode(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                        const std::string& code, const std::string& read_as) const {
  Grade g;
  g.mapped_code = code;
  auto finish = [&](const std::string& level, const std::string& why) {
    g.level = level;
    g.credit = methodology_.credit.at(level);
    g.explanation = why;
    return g;
  };
  const IcdPlace a = ref_->Place(code);
  for (const std::string& level : methodology_.levels) {
    if (level == "exact") {
      for (const auto& t : truth) {
        if (t == code) return finish("exact", "read " + read_as + ": the principal diagnosis " + t);
      }
    } else if (level == "category") {
      for (const auto& t : truth) {
        if (t.substr(0, 3) == code.substr(0, 3)) {
          return finish("category", "read " + read_as + ": same category " + a.category + " as the principal " + t);
        }
      }
    } else if (level == "ccsr") {
      const CcsrCategory* ca = CcsrOf(code);
      if (ca == nullptr) continue;
      for (const auto& t : truth) {
        const CcsrCategory* ct = CcsrOf(t);
        if (ct != nullptr && ct->id == ca->id && !methodology_.ccsr_broad.count(ca->id)) {
          return finish("ccsr", "read " + read_as + ": same CCSR category " + ca->id + " (" + ca->description +
                                    ") as the principal " + t);
        }
      }
    } else if (level == "block") {
      for (const auto& t : truth) {
        const IcdPlace p = ref_->Place(t);
        if (!p.block.empty() && p.block == a.block) {
          return finish("block", "read " + read_as + ": same block " + a.block + " (" + a.block_title +
                                     ") as the principal " + t);
        }
      }
    } else if (level == "secondary") {
      for (const auto& s : secondary) {
        if (s.substr(0, 3) == code.substr(0, 3)) {
          return finish("secondary",
                        "read " + read_as + ": matches " + s + ", another discharge diagnosis, not the principal");
        }
      }
    } else if (level == "chapter") {
      for (const auto& t : truth) {
        const IcdPlace p = ref_->Place(t);
        if (p.chapter != 0 && p.chapter == a.chapter) {
          return finish("chapter", "read " + read_as + ": only the same chapter (" + std::to_string(a.chapter) +
                                       ") as the principal " + t);
        }
      }
    }
  }
  return finish("none",
                "read " + read_as + ": not the principal diagnosis, its block or chapter, nor another diagnosis");
}

Grade Grader::GradeAnswer(const std::vector<std::string>& truth_in, const std::vector<std::string>& secondary_in,
                          const std::string& text, const std::optional<std::string>& code) const {
  const Mapping m = Map(text, code);
  std::vector<std::string> truth, secondary;
  for (const auto& t : truth_in) truth.push_back(NormalizeIcd(t));
  for (const auto& s : secondary_in) secondary.push_back(NormalizeIcd(s));
  auto none = [&](const std::string& why) {
    Grade g;
    g.level = "none";
    g.credit = methodology_.credit.at("none");
    g.explanation = why;
    return g;
  };
  auto read_as = [&](const Reading& r) -> std::string {
    if (r.how == "code") return "the answer's code " + r.code;
    if (r.how == "lexicon") return "\"" + r.matched + "\" (lexicon) as " + r.code;
    if (r.how == "title") {
      return v2_ ? "\"" + r.words + "\" as " + r.code + " (" + r.matched + ")" : "the ICD-10-CM title of " + r.code;
    }
    if (r.how == "ccsr description") return "\"" + r.words + "\" as " + r.code + " (CCSR: " + r.matched + ")";
    if (r.how == "title words") return "the words of the title of " + r.code + " (" + ref_->Title(r.code) + ")";
    return r.code;
  };
  if (m.how == "no diagnosis") return none("the answer names no diagnosis");
  if (m.how == "differential") {
    return none("the answer is a differential (" + m.readings[0].code + " or " + m.readings[1].code +
                "), not a diagnosis");
  }
  if (m.readings.empty()) {
    if (m.how == "not asserted") {
      std::string what;
      for (const auto& n : m.negated) what += (what.empty() ? "" : "; ") + n;
      return none("the answer does not assert a diagnosis: " + what + " is ruled out, unlikely or negated");
    }
    return none("the answer could not be read as an ICD-10-CM diagnosis");
  }
  if (m.readings.size() == 1) return GradeCode(truth, secondary, m.readings[0].code, read_as(m.readings[0]));
  // A compound answer: graded against both diagnoses; the better grade counts.
  Grade best;
  size_t best_at = 0;
  auto rank = [&](const Grade& g) {
    return std::find(methodology_.levels.begin(), methodology_.levels.end(), g.level) - methodology_.levels.begin();
  };
  for (size_t k = 0; k < m.readings.size(); ++k) {
    Grade g = GradeCode(truth, secondary, m.readings[k].code, read_as(m.readings[k]));
    if (k == 0 || g.credit > best.credit || (g.credit == best.credit && rank(g) < rank(best))) {
      best = g;
      best_at = k;
    }
  }
  best.explanation = "the answer names two diagnoses, \"" + m.readings[0].words + "\" (" + m.readings[0].code +
                     ") and \"" + m.readings[1].words + "\" (" + m.readings[1].code + "); the " +
                     (best_at == 0 ? "first" : "second") + " matched better: " + best.explanation;
  return best;
}

Grade Grader::GradeWithDifferential(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                                    const std::string& text, const std::optional<std::string>& code,
                                    const std::vector<std::string>& differential) const {
  Grade g = GradeAnswer(truth, secondary, text, code);
  bool top = g.credit >= methodology_.correct_at;
  for (size_t k = 0; !top && k < differential.size() && static_cast<int>(k) + 1 < methodology_.top_k; ++k) {
    top = GradeAnswer(truth, secondary, differential[k], std::nullopt).credit >= methodology_.correct_at;
  }
  g.top3 = top;
  return g;
}

}  // namespace medcred

#include "grading/grader.h"

#include "common/text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

namespace medcred {
namespace {

std::string Normalize(const std::string& text) { return NormalizeWords(text); }

// Words that carry no meaning for matching a title.
const std::set<std::string> kStopWords = {"of",   "the",   "and",         "or",    "with",      "without",    "in",
                                          "to",   "a",     "an",          "due",   "by",        "for",        "on",
                                          "as",   "other", "unspecified", "not",   "elsewhere", "classified", "nos",
                                          "site", "type",  "specified",   "acute", "episode",   "care"};

std::vector<std::string> ContentWords(const std::string& normalized) {
  std::vector<std::string> out;
  std::istringstream in(normalized);
  for (std::string w; in >> w;) {
    if (!kStopWords.count(w) && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

bool ContainsPhrase(const std::string& padded_text, const std::string& phrase) {
  return padded_text.find(" " + phrase + " ") != std::string::npos;
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
  return {{"level", level},
          {"credit", credit},
          {"mapped_code", mapped_code.empty() ? nlohmann::json(nullptr) : nlohmann::json(mapped_code)},
          {"explanation", explanation}};
}

Result<Grader> Grader::Load(const IcdReference* reference, const std::string& lexicon_file,
                            const std::string& methodology_file) {
  Grader g;
  g.ref_ = reference;
  MEDCRED_ASSIGN_OR_RETURN(g.methodology_, Methodology::Load(methodology_file));
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(lexicon_file));
  g.lexicon_sha256_ = f.sha256;
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(f));
  if (const toml::array* none = root["no_diagnosis"].as_array()) {
    for (const auto& e : *none) {
      auto s = e.value<std::string>();
      if (!s) return Status::BadInput(f.path + ": no_diagnosis must be a list of strings");
      g.no_diagnosis_.push_back(Normalize(*s));
    }
  }
  const toml::table* phrases = root["phrases"].as_table();
  if (phrases == nullptr) return Status::BadInput(f.path + ": [phrases] is missing");
  for (const auto& [phrase, code] : *phrases) {
    auto c = code.value<std::string>();
    const std::string where = f.path + ": phrases.\"" + std::string(phrase.str()) + "\"";
    if (!c) return Status::BadInput(where + " must be an ICD-10-CM code");
    const std::string normalized_code = NormalizeIcd(*c);
    if (!reference->IsIcd10(normalized_code)) {
      return Status::BadInput(where + ": '" + *c + "' is not an ICD-10-CM code of the order file");
    }
    g.phrases_[Normalize(std::string(phrase.str()))] = normalized_code;
  }
  for (const auto& [code, title] : reference->AllTitles()) {
    const std::string n = Normalize(title);
    // The shortest code wins a shared title (the category over its first child).
    auto it = g.exact_titles_.find(n);
    if (it == g.exact_titles_.end() || code.size() < it->second.size() ||
        (code.size() == it->second.size() && code < it->second)) {
      g.exact_titles_[n] = code;
    }
    g.titles_.push_back({ContentWords(n), code});
  }
  return g;
}

Mapping Grader::Map(const std::string& text, const std::optional<std::string>& code) const {
  if (code) {
    const std::string c = NormalizeIcd(*code);
    if (!c.empty() && ref_->IsIcd10(c)) return {c, "code", *code};
  }
  const std::string n = Normalize(text);
  if (n.empty()) return {"", "no diagnosis", ""};
  for (const auto& none : no_diagnosis_) {
    if (n == none) return {"", "no diagnosis", none};
  }
  // The lexicon: the longest phrase present in the text.
  const std::string padded = " " + n + " ";
  const std::string* best = nullptr;
  const std::string* best_code = nullptr;
  for (const auto& [phrase, c] : phrases_) {
    if ((best == nullptr || phrase.size() > best->size()) && ContainsPhrase(padded, phrase)) {
      best = &phrase;
      best_code = &c;
    }
  }
  // The whole answer is a lexicon phrase: the clinicians' mapping wins ("acute
  // pancreatitis" is K85.90 there, though it is also the title of category K85).
  if (best != nullptr && *best == n) return {*best_code, "lexicon", *best};
  // A title matched whole beats a shorter lexicon phrase ("pneumonia due to streptococcus pneumoniae").
  if (auto it = exact_titles_.find(n); it != exact_titles_.end()) return {it->second, "title", n};
  // The most specific title whose content words are all in the text.
  const std::vector<std::string> words = ContentWords(n);
  const std::set<std::string> have(words.begin(), words.end());
  const TitleWords* title = nullptr;
  for (const auto& t : titles_) {
    if (t.words.empty() || t.words.size() < 2) continue;
    if (!std::all_of(t.words.begin(), t.words.end(), [&](const std::string& w) { return have.count(w) > 0; })) continue;
    if (title == nullptr || t.words.size() > title->words.size() ||
        (t.words.size() == title->words.size() &&
         (t.code.size() < title->code.size() || (t.code.size() == title->code.size() && t.code < title->code)))) {
      title = &t;
    }
  }
  // Prefer the title when it says more than the lexicon phrase.
  if (title != nullptr && (best == nullptr || title->words.size() > ContentWords(*best).size())) {
    std::string matched;
    for (const auto& w : title->words) matched += (matched.empty() ? "" : " ") + w;
    return {title->code, "title words", matched};
  }
  if (best != nullptr) return {*best_code, "lexicon", *best};
  return {"", "unmapped", ""};
}

Grade Grader::GradeAnswer(const std::vector<std::string>& truth_in, const std::vector<std::string>& secondary_in,
                          const std::string& text, const std::optional<std::string>& code) const {
  Grade g;
  const Mapping m = Map(text, code);
  g.mapped_code = m.code;
  auto finish = [&](const std::string& level, const std::string& why) {
    g.level = level;
    g.credit = methodology_.credit.at(level);
    g.explanation = why;
    return g;
  };
  std::string read_as;
  if (m.how == "code")
    read_as = "the answer's code " + m.code;
  else if (m.how == "lexicon")
    read_as = "\"" + m.matched + "\" (lexicon) as " + m.code;
  else if (m.how == "title")
    read_as = "the ICD-10-CM title of " + m.code;
  else if (m.how == "title words")
    read_as = "the words of the title of " + m.code + " (" + ref_->Title(m.code) + ")";
  if (m.code.empty()) {
    return finish("none", m.how == "no diagnosis" ? "the answer names no diagnosis"
                                                  : "the answer could not be read as an ICD-10-CM diagnosis");
  }
  std::vector<std::string> truth, secondary;
  for (const auto& t : truth_in) truth.push_back(NormalizeIcd(t));
  for (const auto& s : secondary_in) secondary.push_back(NormalizeIcd(s));
  const IcdPlace a = ref_->Place(m.code);
  for (const auto& t : truth) {
    if (t == m.code) return finish("exact", "read " + read_as + ": the principal diagnosis " + t);
  }
  for (const auto& t : truth) {
    if (t.substr(0, 3) == m.code.substr(0, 3)) {
      return finish("category", "read " + read_as + ": same category " + a.category + " as the principal " + t);
    }
  }
  for (const auto& t : truth) {
    const IcdPlace p = ref_->Place(t);
    if (!p.block.empty() && p.block == a.block) {
      return finish("block",
                    "read " + read_as + ": same block " + a.block + " (" + a.block_title + ") as the principal " + t);
    }
  }
  for (const auto& s : secondary) {
    if (s.substr(0, 3) == m.code.substr(0, 3)) {
      return finish("secondary",
                    "read " + read_as + ": matches " + s + ", another discharge diagnosis, not the principal");
    }
  }
  for (const auto& t : truth) {
    const IcdPlace p = ref_->Place(t);
    if (p.chapter != 0 && p.chapter == a.chapter) {
      return finish("chapter", "read " + read_as + ": only the same chapter (" + std::to_string(a.chapter) +
                                   ") as the principal " + t);
    }
  }
  return finish("none",
                "read " + read_as + ": not the principal diagnosis, its block or chapter, nor another diagnosis");
}

}  // namespace medcred

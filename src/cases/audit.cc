#include "cases/audit.h"

#include <algorithm>
#include <cctype>

#include "cases/presentation.h"
#include "common/text.h"

namespace medcred {
namespace {

struct Tok {
  std::string lower;
  size_t begin = 0, end = 0;
  size_t sentence = 0;
  bool label = false;  // followed by ':' ("PE:", "MS:")
};

// Words (letters and digits) and de-identification blanks ("___") of `text`;
// everything else separates them. Each token knows its sentence.
std::vector<Tok> Tokenize(const std::string& text) {
  std::vector<Tok> out;
  const auto sentences = SplitSentences(text);
  size_t s = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (!std::isalnum(c) && c != '_') {
      ++i;
      continue;
    }
    size_t j = i;
    if (c == '_') {
      while (j < text.size() && text[j] == '_') ++j;
    } else {
      while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j]))) ++j;
    }
    while (s + 1 < sentences.size() && sentences[s].second <= i) ++s;
    Tok t;
    t.begin = i;
    t.end = j;
    t.lower = c == '_' ? "___" : Lower(text.substr(i, j - i));
    t.sentence = s;
    size_t k = j;
    while (k < text.size() && text[k] == ' ') ++k;
    t.label = k < text.size() && text[k] == ':';
    out.push_back(std::move(t));
    i = j;
  }
  return out;
}

std::vector<std::string> Words(const std::string& phrase) {
  std::vector<std::string> out;
  for (const Tok& t : Tokenize(phrase)) out.push_back(t.lower);
  return out;
}

bool AllUpper(const std::string& text, size_t begin, size_t n) {
  for (size_t i = begin; i < begin + n && i < text.size(); ++i) {
    if (std::islower(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

Result<std::vector<std::vector<std::string>>> TokenLists(const toml::node_view<const toml::node>& node,
                                                         const std::string& where) {
  MEDCRED_ASSIGN_OR_RETURN(std::vector<std::string> v, TomlStrings(node, where));
  std::vector<std::vector<std::string>> out;
  for (const auto& s : v) {
    auto w = Words(s);
    if (w.empty()) return Status::BadInput(where + ": '" + s + "' holds no word");
    out.push_back(std::move(w));
  }
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

const char* AuditFieldName(AuditField f) {
  switch (f) {
    case AuditField::kChiefComplaint:
      return "chief_complaint";
    case AuditField::kHpi:
      return "hpi";
    case AuditField::kHomeMedication:
      return "home_medications";
    case AuditField::kExam:
      return "physical_exam";
    case AuditField::kTriagePain:
      return "triage_pain";
  }
  return "?";
}

Result<LeakageAudit> LeakageAudit::Load(const std::string& terms_file, const std::string& lexicon_file,
                                        const IcdReference& icd, const Ccsr& ccsr) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile terms, LoadDataFile(terms_file));
  MEDCRED_ASSIGN_OR_RETURN(DataFile lexicon, LoadDataFile(lexicon_file));
  return Parse(terms, lexicon, icd, ccsr);
}

Result<LeakageAudit> LeakageAudit::Parse(const DataFile& terms, const DataFile& lexicon, const IcdReference& icd,
                                         const Ccsr& ccsr) {
  LeakageAudit a;
  a.icd_ = &icd;
  a.ccsr_ = &ccsr;
  a.sha256_ = terms.sha256;
  a.lexicon_sha256_ = lexicon.sha256;
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(terms));
  const std::string w = terms.path + ": ";
  MEDCRED_ASSIGN_OR_RETURN(a.version_, TomlText(root["version"], w + "version"));
  MEDCRED_ASSIGN_OR_RETURN(a.stopwords_, TomlStrings(root["titles"]["stopwords"], w + "titles.stopwords"));
  MEDCRED_ASSIGN_OR_RETURN(a.generic_words_, TomlStrings(root["titles"]["generic_words"], w + "titles.generic_words"));
  MEDCRED_ASSIGN_OR_RETURN(a.drop_parts_opening_,
                           TomlStrings(root["titles"]["drop_parts_opening"], w + "titles.drop_parts_opening"));
  auto min_letters = root["titles"]["min_word_letters"].value<int64_t>();
  if (!min_letters || *min_letters < 1)
    return Status::BadInput(w + "titles.min_word_letters must be a positive integer");
  a.min_word_letters_ = static_cast<size_t>(*min_letters);
  MEDCRED_ASSIGN_OR_RETURN(a.lower_case_words_, TomlStrings(root["abbreviations"]["lower_case_words"],
                                                            w + "abbreviations.lower_case_words"));
  auto window = root["cues"]["window"].value<int64_t>();
  if (!window || *window < 1 || *window > 50) return Status::BadInput(w + "cues.window must be an integer 1-50");
  a.window_ = static_cast<size_t>(*window);
  MEDCRED_ASSIGN_OR_RETURN(a.negation_, TokenLists(root["cues"]["negation"], w + "cues.negation"));
  MEDCRED_ASSIGN_OR_RETURN(a.past_, TokenLists(root["cues"]["past"], w + "cues.past"));
  MEDCRED_ASSIGN_OR_RETURN(a.family_, TokenLists(root["cues"]["family"], w + "cues.family"));
  MEDCRED_ASSIGN_OR_RETURN(a.past_after_, TokenLists(root["cues"]["past_after"], w + "cues.past_after"));
  MEDCRED_ASSIGN_OR_RETURN(a.terminators_, TomlStrings(root["cues"]["terminators"], w + "cues.terminators"));
  MEDCRED_ASSIGN_OR_RETURN(a.neutral_, TokenLists(root["neutral"]["phrases"], w + "neutral.phrases"));
  if (const toml::array* extras = root["terms"].as_array()) {
    for (size_t i = 0; i < extras->size(); ++i) {
      const toml::table* t = (*extras)[i].as_table();
      const std::string tw = w + "terms[" + std::to_string(i) + "]";
      if (t == nullptr) return Status::BadInput(tw + " must be a table");
      Extra e;
      MEDCRED_ASSIGN_OR_RETURN(e.icd_prefixes, TomlStrings((*t)["icd"], tw + ".icd", false));
      MEDCRED_ASSIGN_OR_RETURN(e.ccsr, TomlStrings((*t)["ccsr"], tw + ".ccsr", false));
      MEDCRED_ASSIGN_OR_RETURN(e.phrases, TomlStrings((*t)["phrases"], tw + ".phrases"));
      if (e.icd_prefixes.empty() && e.ccsr.empty()) return Status::BadInput(tw + " needs icd or ccsr");
      for (auto& p : e.icd_prefixes) p = NormalizeIcd(p);
      a.extras_.push_back(std::move(e));
    }
  }
  // The lexicon: only its phrase table is read.
  MEDCRED_ASSIGN_OR_RETURN(const toml::table lex, ParseToml(lexicon));
  const toml::table* phrases = lex["phrases"].as_table();
  if (phrases == nullptr) return Status::BadInput(lexicon.path + ": [phrases] is missing");
  for (const auto& [k, v] : *phrases) {
    auto code = v.value<std::string>();
    if (!code) return Status::BadInput(lexicon.path + ": phrases." + std::string(k.str()) + " must be a code");
    a.lexicon_.emplace_back(std::string(k.str()), NormalizeIcd(*code));
  }
  return a;
}

bool LeakageAudit::IsStop(const std::string& w) const { return Contains(stopwords_, w); }

std::vector<std::string> LeakageAudit::TitlePhrases(const std::string& title) const {
  const std::string original = title;
  std::string t = Lower(title);
  std::vector<std::string> candidates;
  // [synonyms] go; (asides) become candidates of their own unless they exclude.
  std::string flat;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '[' || t[i] == '(') {
      const char close = t[i] == '[' ? ']' : ')';
      const size_t e = t.find(close, i);
      if (e == std::string::npos) break;
      const std::string inner = t.substr(i + 1, e - i - 1);
      // An aside is a term only when it is an abbreviation in capitals ("(NSTEMI)"); "(primary)",
      // "(congestive)" and "(acute)" only qualify the title.
      const std::string as_written = original.substr(i + 1, e - i - 1);
      const bool abbreviation = as_written.size() >= 2 &&
                                std::none_of(as_written.begin(), as_written.end(),
                                             [](char ch) { return std::islower(static_cast<unsigned char>(ch)) != 0; });
      if (t[i] == '(' && abbreviation) candidates.push_back(inner);
      flat += ' ';
      i = e;
      continue;
    }
    flat += t[i];
  }
  size_t start = 0;
  while (start <= flat.size()) {
    size_t comma = flat.find(',', start);
    if (comma == std::string::npos) comma = flat.size();
    std::string part = Trim(flat.substr(start, comma - start));
    start = comma + 1;
    bool drop = false;
    for (const auto& d : drop_parts_opening_) drop = drop || StartsWithIgnoreCase(part, d);
    if (drop || part.empty()) continue;
    for (const char* cut : {" without ", " due to ", " in diseases "}) {
      const size_t at = (" " + part + " ").find(cut);
      if (at != std::string::npos) part = part.substr(0, at);
    }
    // "X with Y": X is the underlying disease, Y the acute part.
    std::vector<std::string> pieces;
    for (size_t from = 0;;) {
      const size_t at = part.find(" with ", from);
      pieces.push_back(part.substr(from, at == std::string::npos ? std::string::npos : at - from));
      if (at == std::string::npos) break;
      from = at + 6;
    }
    if (pieces.size() == 1) {
      candidates.push_back(pieces[0]);
    } else {
      candidates.insert(candidates.end(), pieces.begin() + 1, pieces.end());
    }
  }
  std::vector<std::string> out;
  for (const auto& c : candidates) {
    std::vector<std::string> words = Words(c);
    while (!words.empty() && IsStop(words.front())) words.erase(words.begin());
    while (!words.empty() && IsStop(words.back())) words.pop_back();
    if (words.empty()) continue;
    if (words.size() == 1) {
      const std::string& x = words[0];
      const size_t letters = std::count_if(x.begin(), x.end(), [](char ch) { return std::isalpha(ch) != 0; });
      if (letters < min_word_letters_ || Contains(generic_words_, x)) continue;
    }
    std::string joined;
    for (const auto& x : words) joined += (joined.empty() ? "" : " ") + x;
    if (!Contains(out, joined)) out.push_back(joined);
  }
  return out;
}

void LeakageAudit::AddTerm(DiagnosisTerms* out, const std::string& text, const std::string& source) const {
  AuditTerm t;
  t.tokens = Words(text);
  if (t.tokens.empty()) return;
  for (const AuditTerm& have : out->terms) {
    if (have.tokens == t.tokens) return;
  }
  t.text = text;
  t.source = source;
  const std::string& w = t.tokens[0];
  t.abbreviation = source != "ICD-10-CM title" && source != "ICD-10-CM category" && source != "CCSR category" &&
                   t.tokens.size() == 1 && w.size() <= 4 &&
                   std::all_of(w.begin(), w.end(), [](char ch) { return std::isalpha(ch) != 0; }) &&
                   !Contains(lower_case_words_, w);
  out->terms.push_back(std::move(t));
}

DiagnosisTerms LeakageAudit::TermsFor(const std::vector<std::string>& principal_icd10) const {
  DiagnosisTerms d;
  d.principal = principal_icd10;
  for (const std::string& code : principal_icd10) {
    const std::string cat = code.substr(0, 3);
    if (!Contains(d.icd_categories, cat)) d.icd_categories.push_back(cat);
    for (const CcsrCategory* c : ccsr_->Categories(code)) {
      if (c->id.rfind("EXT", 0) != 0 && !Contains(d.ccsr_categories, c->id)) d.ccsr_categories.push_back(c->id);
    }
    for (const auto& p : TitlePhrases(icd_->Title(code))) AddTerm(&d, p, "ICD-10-CM title");
    if (cat != code) {
      for (const auto& p : TitlePhrases(icd_->Title(cat))) AddTerm(&d, p, "ICD-10-CM category");
    }
    if (const CcsrCategory* c = ccsr_->DefaultInpatient(code)) {
      for (const auto& p : TitlePhrases(c->description)) AddTerm(&d, p, "CCSR category");
    }
  }
  for (const auto& [phrase, code] : lexicon_) {
    bool same = Contains(d.icd_categories, code.substr(0, 3));
    if (!same) {
      const CcsrCategory* c = ccsr_->DefaultInpatient(code);
      same = c != nullptr && Contains(d.ccsr_categories, c->id);
    }
    if (same) AddTerm(&d, phrase, "lexicon");
  }
  for (const Extra& e : extras_) {
    bool applies = false;
    for (const std::string& code : principal_icd10) {
      for (const auto& p : e.icd_prefixes) applies = applies || code.rfind(p, 0) == 0;
    }
    for (const auto& c : e.ccsr) applies = applies || Contains(d.ccsr_categories, c);
    if (!applies) continue;
    for (const auto& p : e.phrases) AddTerm(&d, p, "audit terms");
  }
  return d;
}

namespace {

// How many tokens of `words` match at `at` (0 when they do not): the last
// word may carry a plural "s" or "es".
size_t MatchAt(const std::vector<Tok>& toks, size_t at, const std::vector<std::string>& words) {
  if (at + words.size() > toks.size()) return 0;
  for (size_t j = 0; j < words.size(); ++j) {
    const std::string& t = toks[at + j].lower;
    if (toks[at + j].sentence != toks[at].sentence) return 0;
    if (t == words[j]) continue;
    if (j + 1 == words.size() && (t == words[j] + "s" || t == words[j] + "es")) continue;
    return 0;
  }
  return words.size();
}

// Whether one of `cues` ends at token `k` (all in the sentence of `k`).
bool CueEndsAt(const std::vector<Tok>& toks, size_t k, const std::vector<std::vector<std::string>>& cues) {
  for (const auto& c : cues) {
    if (c.size() > k + 1) continue;
    const size_t from = k + 1 - c.size();
    bool ok = toks[from].sentence == toks[k].sentence;
    for (size_t j = 0; ok && j < c.size(); ++j) ok = toks[from + j].lower == c[j];
    if (ok) return true;
  }
  return false;
}

}  // namespace

std::optional<AuditFinding> LeakageAudit::Scan(const DiagnosisTerms& terms, AuditField field, const std::string& text,
                                               const std::vector<std::string>& past_codes) const {
  if (field == AuditField::kHomeMedication) {
    // A medication's indication naming a disease coded in an earlier admission
    // repeats the past history the model is shown.
    for (const auto& code : past_codes) {
      if (Contains(terms.icd_categories, code.substr(0, 3))) return std::nullopt;
      const CcsrCategory* c = ccsr_->DefaultInpatient(code);
      if (c != nullptr && Contains(terms.ccsr_categories, c->id)) return std::nullopt;
    }
  }
  const std::vector<Tok> toks = Tokenize(text);
  for (size_t i = 0; i < toks.size();) {
    size_t neutral = 0, best = 0;
    const AuditTerm* term = nullptr;
    for (const auto& n : neutral_) neutral = std::max(neutral, MatchAt(toks, i, n));
    for (const AuditTerm& t : terms.terms) {
      const size_t n = MatchAt(toks, i, t.tokens);
      if (n == 0 || n <= best) continue;
      if (t.abbreviation) {
        if (toks[i].label) continue;
        if (field != AuditField::kChiefComplaint && !AllUpper(text, toks[i].begin, t.tokens[0].size())) continue;
      }
      best = n;
      term = &t;
    }
    if (term == nullptr || neutral >= best) {
      i += std::max<size_t>(neutral, 1);
      continue;
    }
    // Negated, past or another person's: a cue before it in its clause, or a
    // past cue just after it.
    bool discounted = false;
    for (size_t back = 1; back <= window_ && back <= i && !discounted; ++back) {
      const size_t k = i - back;
      if (toks[k].sentence != toks[i].sentence || Contains(terminators_, toks[k].lower)) break;
      discounted = CueEndsAt(toks, k, negation_) || CueEndsAt(toks, k, past_) || CueEndsAt(toks, k, family_);
    }
    for (size_t k = i + best; k < toks.size() && k <= i + best + 2 && !discounted; ++k) {
      if (toks[k].sentence != toks[i].sentence) break;
      for (const auto& c : past_after_) discounted = discounted || MatchAt(toks, k, c) == c.size();
    }
    if (!discounted) {
      AuditFinding f;
      f.field = field;
      f.matched = text.substr(toks[i].begin, toks[i + best - 1].end - toks[i].begin);
      f.term = term->text;
      f.source = term->source;
      for (const auto& [b, e] : SplitSentences(text)) {
        if (b <= toks[i].begin && toks[i].begin < e) f.sentence = Trim(text.substr(b, e - b));
      }
      for (char& c : f.sentence) {
        if (c == '\n') c = ' ';
      }
      if (f.sentence.size() > 300) f.sentence = f.sentence.substr(0, 297) + "...";
      return f;
    }
    i += best;
  }
  return std::nullopt;
}

std::optional<AuditFinding> LeakageAudit::Audit(const DiagnosisTerms& terms, const VisibleTexts& texts) const {
  if (texts.chief_complaint) {
    if (auto f = Scan(terms, AuditField::kChiefComplaint, *texts.chief_complaint)) return f;
  }
  if (texts.hpi) {
    if (auto f = Scan(terms, AuditField::kHpi, *texts.hpi)) return f;
  }
  for (const auto& m : texts.home_medications) {
    if (auto f = Scan(terms, AuditField::kHomeMedication, m, texts.past_codes)) return f;
  }
  if (texts.exam) {
    if (auto f = Scan(terms, AuditField::kExam, *texts.exam)) return f;
  }
  if (texts.triage_pain) {
    if (auto f = Scan(terms, AuditField::kTriagePain, *texts.triage_pain)) return f;
  }
  return std::nullopt;
}

}  // namespace medcred

// The diagnosis grader (docs/methodology.md#grading): an answer against an admission's truth.
//
// The answer is read from its `icd10` code when that is a valid ICD-10-CM code
// (or category) of the order file or of CCSR, else from its text (lexicon v2,
// data/lexicon-v2.toml, describes the reading): synonyms rewrite words to one
// spelling; negated words ("rule out MI", "PE unlikely") are not asserted;
// candidates come from the lexicon's phrases, every ICD-10-CM title and CCSR's
// FY2023 descriptions, and the one that explains most of the answer's words
// wins. Two diagnoses joined by a connector ("sepsis secondary to pneumonia")
// are both graded and the better counts; joined by "vs"/"or" they are a
// differential and earn nothing. Text that names no disease grades `none`.
//
// Levels, best first, from the methodology (v2: exact, category, ccsr, block,
// secondary, chapter, none; v1 has no ccsr); credit per level from the file.
// `ccsr`: the same AHRQ CCSR inpatient default category as a principal code,
// unless the methodology lists that category as too broad.
//
// Thread safety: immutable after Load(); Map() and GradeAnswer() are const and thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/ccsr.h"
#include "cases/icd.h"
#include "common/data_file.h"
#include "common/status.h"

namespace medcred {

// A credential tier (docs/methodology.md#credentials): earned with at least `min_cases` cases and a
// Wilson lower bound of at least `min_lower_bound`.
struct Tier {
  std::string name;
  int min_cases = 0;
  double min_lower_bound = 0;
};

// The standard exam (docs/methodology.md#the-standard-exam; methodology v2's
// [exam], issue 18): `cases` credential-split cases per category, the first in
// the order of SHA-256(salt ":" category ":" case id). `power` and `margin`
// are the power calculation's inputs; Parse refuses a `cases` below it.
struct ExamRules {
  std::string version, salt;
  int cases = 0;
  double power = 0.8, margin = 0.1;
};

struct Methodology {
  std::string version, sha256;
  std::vector<std::string> levels;       // grade levels, best first
  std::map<std::string, double> credit;  // level -> credit
  double correct_at = 1.0;
  std::string split = "test";  // the split credentials are earned on
  double confidence = 0.95;    // of the Wilson interval
  std::vector<Tier> tiers;     // best first
  std::string not_certified = "not certified";
  std::optional<ExamRules> exam;  // v2 on; none in v1
  // Issue 16 (v2): the `ccsr` level and the metrics beside accuracy.
  bool ccsr_level = false;           // [ccsr] present: the level exists
  std::set<std::string> ccsr_broad;  // categories that earn no ccsr level
  int top_k = 3;                     // diagnosis + (top_k - 1) differential entries
  int reliability_bins = 10;
  static constexpr const char* kDefault = "methodology-v2.toml";
  static Result<Methodology> Load(const std::string& file_name = kDefault);
  static Result<Methodology> Parse(const DataFile& file);
};

// The cases a tier needs for the exam's power: a model `margin` above the
// tier's lower bound p0 earns it with probability `power`, one at p0 with at
// most (1 - confidence) / 2, by the normal approximation
//   n = ((z sqrt(p0 (1 - p0)) + z_power sqrt(p1 (1 - p1))) / margin)^2, p1 = p0 + margin,
// rounded up, and never below the tier's min_cases.
int ExamCasesForTier(const Tier& tier, double confidence, double power, double margin);
// The largest ExamCasesForTier over the methodology's tiers.
int ExamCasesNeeded(const Methodology& methodology, double power, double margin);

// One candidate reading of an answer's words.
struct Candidate {
  std::string code;
  std::string source;  // "lexicon", "title", "ccsr description"
  std::string text;    // the phrase or title
  int explained = 0;   // answer words it accounts for
  int unsaid = 0;      // of its own required words, those the answer did not say
  nlohmann::json ToJson() const;
};

// One diagnosis the answer names.
struct Reading {
  std::string code;     // ICD-10-CM, no dot
  std::string how;      // "code", "lexicon", "title", "ccsr description"
  std::string matched;  // the phrase or title that matched
  std::string words;    // the answer's words it was read from
};

struct Mapping {
  std::string code;                      // the (first) reading's code; empty when the text names nothing known
  std::string how;                       // "code", "lexicon", "title", "ccsr description", "no diagnosis", "unmapped",
                                         // "not asserted", "differential"
  std::string matched;                   // the phrase or title that matched
  std::vector<Reading> readings;         // 1, or 2 for a compound answer
  std::vector<std::string> negated;      // diagnoses named but not asserted ("rule out MI": "mi")
  std::vector<std::string> unexplained;  // answer words no reading accounts for
  std::vector<Candidate> candidates;     // the best few considered, best first
};

struct Grade {
  std::string level;  // exact, category, ccsr, block, secondary, chapter, none
  double credit = 0;
  std::string mapped_code;
  std::string explanation;
  std::optional<bool> top3 =
      std::nullopt;               // principal matched at full credit by the diagnosis or the first differential entries
  nlohmann::json ToJson() const;  // the match-dx object (docs/cli.md#machine-readable-outputs)
};

class Grader {
 public:
  static constexpr const char* kDefaultLexicon = "lexicon-v2.toml";
  // `ccsr` may be null only under a methodology without the ccsr level (v1).
  static Result<Grader> Load(const IcdReference* reference, std::shared_ptr<const Ccsr> ccsr,
                             const std::string& lexicon_file = kDefaultLexicon,
                             const std::string& methodology_file = Methodology::kDefault);
  // Loads CCSR from the reference folder `reference_dir` when the methodology needs it.
  static Result<Grader> LoadFrom(const IcdReference* reference, const std::string& reference_dir,
                                 const std::string& lexicon_file = kDefaultLexicon,
                                 const std::string& methodology_file = Methodology::kDefault);

  Mapping Map(const std::string& text, const std::optional<std::string>& code) const;
  // `truth`: the principal's ICD-10-CM codes; `secondary`: the other discharge diagnoses.
  Grade GradeAnswer(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                    const std::string& text, const std::optional<std::string>& code) const;
  // The same, with `top3` from the first (top_k - 1) entries of the differential.
  Grade GradeWithDifferential(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                              const std::string& text, const std::optional<std::string>& code,
                              const std::vector<std::string>& differential) const;
  // The CCSR inpatient default category of a code (a category header: the one all its codes share), or null.
  const CcsrCategory* CcsrOf(const std::string& code) const;

  const Methodology& methodology() const { return methodology_; }
  const std::string& lexicon_sha256() const { return lexicon_sha256_; }
  const std::string& lexicon_version() const { return lexicon_version_; }
  const Ccsr* ccsr() const { return ccsr_.get(); }
  const IcdReference* reference() const { return ref_; }

 private:
  struct Entry {
    std::string code, source, text;
    std::vector<int> required, implied, excluded;  // word ids
    bool says_unspecified = false;                 // "unspecified" (the default reading) is one of its words
  };
  struct Phrase {
    std::vector<int> words;  // word ids, in order
    int content = 0;         // words that are not stop words
    std::string code, text;
  };
  struct Scored;

  int WordId(const std::string& w) const;
  int InternWord(const std::string& w);
  std::vector<std::string> Canonical(const std::vector<std::string>& words) const;
  void AddEntry(const std::string& code, const std::string& source, const std::string& title);
  std::vector<Scored> Score(const std::vector<std::string>& words, size_t keep) const;
  std::optional<Reading> ReadWords(const std::vector<std::string>& words, std::vector<Candidate>* candidates,
                                   std::vector<std::string>* unexplained) const;
  Grade GradeCode(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                  const std::string& code, const std::string& read_as) const;

  const IcdReference* ref_ = nullptr;
  std::shared_ptr<const Ccsr> ccsr_;
  Methodology methodology_;
  std::string lexicon_sha256_, lexicon_version_;
  bool v2_ = false;  // the lexicon has v2's reading rules
  std::vector<std::string> no_diagnosis_;
  std::vector<std::vector<std::string>> negation_before_, negation_after_, differential_, connectors_, hedges_;
  std::set<std::string> implied_words_;
  std::vector<std::string> excluded_prefixes_;
  std::unordered_map<std::string, std::vector<std::string>> synonyms_;  // "words" -> canonical words
  size_t longest_synonym_ = 1;
  // v1 reading
  std::map<std::string, std::string> phrases_v1_;
  std::unordered_map<std::string, std::string> exact_titles_;
  struct TitleWords {
    std::vector<std::string> words;
    std::string code;
  };
  std::vector<TitleWords> titles_v1_;
  // v2 reading
  std::unordered_map<std::string, int> word_ids_;
  std::vector<Phrase> phrases_;
  int unspecified_id_ = -1;
  std::vector<Entry> entries_;
  std::vector<std::vector<std::pair<int, bool>>> postings_;   // word id -> (entry, implied)
  std::unordered_map<std::string, std::string> header_ccsr_;  // category header -> its codes' one default
};

}  // namespace medcred

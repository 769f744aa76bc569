// The diagnosis grader (docs/methodology.md#grading): an answer against an admission's truth.
//
// The answer is read from its `icd10` code when that is a valid ICD-10-CM code
// (or category) of the order file, else from its text: the clinical lexicon
// (data/lexicon-v1.toml: the longest phrase found in the text), then ICD-10-CM
// titles (the exact title, else the most specific title all of whose words are
// in the text). Text that names no disease maps to nothing and grades `none`.
// Levels, best first: exact, category, block, secondary, chapter, none; credit
// per level from data/methodology-v2.toml (v1 stays loadable).
//
// Thread safety: immutable after Load(); Grade() is const and thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

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

struct Methodology {
  std::string version, sha256;
  std::vector<std::string> levels;       // grade levels, best first
  std::map<std::string, double> credit;  // level -> credit
  double correct_at = 1.0;
  std::string split = "test";  // the split credentials are earned on
  double confidence = 0.95;    // of the Wilson interval
  std::vector<Tier> tiers;     // best first
  std::string not_certified = "not certified";
  static Result<Methodology> Load(const std::string& file_name = "methodology-v2.toml");
  static Result<Methodology> Parse(const DataFile& file);
};

struct Mapping {
  std::string code;     // ICD-10-CM, no dot; empty when the text names nothing known
  std::string how;      // "code", "lexicon", "title", "title words", "no diagnosis", "unmapped"
  std::string matched;  // the phrase or title that matched
};

struct Grade {
  std::string level;  // exact, category, block, secondary, chapter, none
  double credit = 0;
  std::string mapped_code;
  std::string explanation;
  nlohmann::json ToJson() const;  // the match-dx object (docs/cli.md#machine-readable-outputs)
};

class Grader {
 public:
  static Result<Grader> Load(const IcdReference* reference, const std::string& lexicon_file = "lexicon-v1.toml",
                             const std::string& methodology_file = "methodology-v2.toml");

  Mapping Map(const std::string& text, const std::optional<std::string>& code) const;
  // `truth`: the principal's ICD-10-CM codes; `secondary`: the other discharge diagnoses.
  Grade GradeAnswer(const std::vector<std::string>& truth, const std::vector<std::string>& secondary,
                    const std::string& text, const std::optional<std::string>& code) const;

  const Methodology& methodology() const { return methodology_; }
  const std::string& lexicon_sha256() const { return lexicon_sha256_; }

 private:
  const IcdReference* ref_ = nullptr;
  Methodology methodology_;
  std::string lexicon_sha256_;
  std::vector<std::string> no_diagnosis_;
  std::map<std::string, std::string> phrases_;                 // normalized phrase -> code
  std::unordered_map<std::string, std::string> exact_titles_;  // normalized title -> code
  struct TitleWords {
    std::vector<std::string> words;  // content words of a title
    std::string code;
  };
  std::vector<TitleWords> titles_;
};

}  // namespace medcred

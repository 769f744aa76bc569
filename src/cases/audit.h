// The leakage audit (docs/methodology.md#the-leakage-audit): does any text the
// model can be shown before it orders anything name the case's principal
// diagnosis?
//
// The truth-agnostic cuts of the presentation (presentation.h) keep the ED
// course and stated findings out of the HPI whatever the diagnosis; this is the
// safety net behind them. For a principal diagnosis it gathers the TERMS that
// name it (ICD-10-CM titles, the CCSR category name, lexicon phrases and
// abbreviations of the same ICD category or CCSR category, and the extra terms
// of data/audit-terms-v1.toml) and scans each visible text for them on word
// boundaries, with negated ("no history of MI"), past ("history of PE", "s/p")
// and family ("father had an MI") mentions, labels ("PE:") and neutral
// phrases ("CVA tenderness", "COPD") set aside. A case with a finding is
// excluded (inclusion rule presentation_names_diagnosis); no text is ever
// rewritten around the truth.
//
// It reads the lexicon as a data file and never links grading (grading is
// downstream of cases).
//
// Thread safety: immutable after Load(); TermsFor() and Scan() are const and
// may run on many threads. The IcdReference and Ccsr given to Load() must
// outlive it.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cases/ccsr.h"
#include "cases/icd.h"
#include "common/data_file.h"
#include "common/status.h"

namespace medcred {

// One term of a diagnosis, as tokens (lower case).
struct AuditTerm {
  std::vector<std::string> tokens;
  std::string text;           // as written in its source
  std::string source;         // "ICD-10-CM title", "ICD-10-CM category", "CCSR category", "lexicon", "audit terms"
  bool abbreviation = false;  // one word of at most 4 letters: counts only in capitals (but in a chief complaint)
};

// The terms of one principal diagnosis (the union over its ICD-10-CM codes).
struct DiagnosisTerms {
  std::vector<std::string> principal;  // ICD-10-CM codes
  std::vector<AuditTerm> terms;
  // ICD-10-CM 3-character categories and CCSR categories of the principal:
  // an earlier admission coded in one of them makes a medication's indication
  // past history.
  std::vector<std::string> icd_categories, ccsr_categories;
};

// The visible texts: which one a text is changes the rules a little (a chief
// complaint's abbreviations count in any case; a home medication naming a
// disease coded in an earlier admission repeats the shown past history).
enum class AuditField { kChiefComplaint, kHpi, kHomeMedication, kExam, kTriagePain };
const char* AuditFieldName(AuditField f);

struct AuditFinding {
  AuditField field = AuditField::kHpi;
  std::string sentence;  // the sentence holding the mention, trimmed (at most 300 characters)
  std::string matched;   // the words as written in the text
  std::string term;      // the term they matched
  std::string source;    // where the term comes from
};

// One case's visible texts (before the model orders anything).
struct VisibleTexts {
  std::optional<std::string> chief_complaint, hpi, exam, triage_pain;
  std::vector<std::string> home_medications;
  // ICD-10-CM codes coded in admissions that ended before this arrival.
  std::vector<std::string> past_codes;
};

class LeakageAudit {
 public:
  // Reads `terms_file` (data/audit-terms-v1.toml) and `lexicon_file`
  // (data/lexicon-v1.toml) from data/; titles and CCSR from the references.
  static Result<LeakageAudit> Load(const std::string& terms_file, const std::string& lexicon_file,
                                   const IcdReference& icd, const Ccsr& ccsr);
  static Result<LeakageAudit> Parse(const DataFile& terms, const DataFile& lexicon, const IcdReference& icd,
                                    const Ccsr& ccsr);

  const std::string& version() const { return version_; }
  const std::string& sha256() const { return sha256_; }  // the terms file's
  const std::string& lexicon_sha256() const { return lexicon_sha256_; }

  DiagnosisTerms TermsFor(const std::vector<std::string>& principal_icd10) const;
  // The first mention of the principal in `text`, or nothing.
  std::optional<AuditFinding> Scan(const DiagnosisTerms& terms, AuditField field, const std::string& text,
                                   const std::vector<std::string>& past_codes = {}) const;
  // The first mention in any visible text, in the order chief complaint, HPI,
  // home medications, exam, triage pain.
  std::optional<AuditFinding> Audit(const DiagnosisTerms& terms, const VisibleTexts& texts) const;

  // The phrases of an ICD-10-CM or CCSR title under the [titles] rules
  // ("Type 1 diabetes mellitus with ketoacidosis without coma" -> "ketoacidosis"
  // and the whole title): exposed for tests.
  std::vector<std::string> TitlePhrases(const std::string& title) const;

 private:
  struct Extra {
    std::vector<std::string> icd_prefixes, ccsr;
    std::vector<std::string> phrases;
  };
  using Tokens = std::vector<std::string>;
  bool IsStop(const std::string& w) const;
  void AddTerm(DiagnosisTerms* out, const std::string& text, const std::string& source) const;

  std::string version_, sha256_, lexicon_sha256_;
  const IcdReference* icd_ = nullptr;
  const Ccsr* ccsr_ = nullptr;
  std::vector<std::string> stopwords_, generic_words_, drop_parts_opening_, lower_case_words_;
  size_t min_word_letters_ = 4;
  size_t window_ = 6;
  std::vector<Tokens> negation_, past_, family_, past_after_;
  std::vector<std::string> terminators_;
  std::vector<Tokens> neutral_;
  std::vector<Extra> extras_;
  std::vector<std::pair<std::string, std::string>> lexicon_;  // phrase -> code
};

}  // namespace medcred

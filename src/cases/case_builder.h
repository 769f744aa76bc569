// The case builder: admissions become cases (docs/methodology.md#cases).
//
// A case is one admission that passes the taxonomy's inclusion rules, with its
// truth (the principal diagnosis as ICD-10-CM codes, ICD-9 through the GEMs,
// and the other discharge diagnoses as secondary truths), its categories, its
// patient-level split and its presentation at arrival. The output depends only
// on the store, the taxonomy, the presentation rules, the ICD reference and
// kCaseBuilderVersion: the same inputs give the same bytes.
//
// Thread safety: BuildCases() uses the given Store from the calling thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/audit.h"
#include "cases/ccsr.h"
#include "cases/icd.h"
#include "cases/presentation.h"
#include "cases/taxonomy.h"
#include "common/status.h"
#include "store/store.h"

namespace medcred {

// Bump on any change that alters which cases exist, their truth or categories.
inline constexpr const char* kCaseBuilderVersion = "cases-v2";  // v2: presentation_names_diagnosis (issue 20)

struct CaseTruth {
  std::string principal_code;          // as coded in MIMIC
  int principal_version = 0;           // 9 or 10
  std::vector<std::string> principal;  // accepted ICD-10-CM codes
  std::vector<std::string> secondary;  // the admission's other diagnoses, ICD-10-CM (not kept in a light set)
};

struct Case {
  std::string case_id;  // hadm-<hadm_id>: local only, never published
  int64_t subject_id = 0;
  int64_t hadm_id = 0;
  int64_t t0 = 0;  // arrival: edregtime, else admittime
  std::vector<std::string> categories;
  std::string split;  // dev or test
  // What the model is shown at arrival; immutable once built, so copies of a
  // case share it. Null in a light case set (CaseSource::Collect), where a
  // case is its ids, categories, split, truth and presentation hash only.
  std::shared_ptr<const Presentation> presentation;
  std::string presentation_sha256;  // presentation->Sha256(), kept in light sets too
  CaseTruth truth;

  // The `cases --jsonl` object (docs/cli.md#machine-readable-outputs).
  nlohmann::json ToJson(bool with_truth) const;
};

// One case the leakage audit excluded (local only: never published).
struct AuditExclusion {
  std::string case_id;
  std::vector<std::string> categories;
  std::string route;  // "emergency department" or "direct admission"
  AuditFinding finding;
};

// The leakage audit's counts: of the admissions that passed every other rule
// (audited), how many it excluded, per category and per arrival route.
struct AuditCounts {
  int64_t audited = 0, excluded = 0;
};

struct CaseStats {
  int64_t admissions = 0;
  std::vector<std::pair<std::string, int64_t>> excluded;  // rule -> admissions, in rule order
  int64_t included = 0;
  std::map<std::string, std::map<std::string, int64_t>> cases;       // category -> split -> n
  std::map<std::string, std::map<std::string, std::string>> suites;  // category -> split -> suite hash
  // The leakage audit (presentation v2); empty rule when the rules have none.
  std::string audit_rule;
  std::map<std::string, AuditCounts> audit_by_category, audit_by_route;
  nlohmann::json ToJson() const;
};

struct CaseSet {
  std::vector<Case> cases;  // by hadm_id
  // Cases without their presentation and secondary diagnoses (CaseSource::Collect):
  // CaseSource::Build gives a case whole, CaseSource::TruthOf its whole truth.
  bool light = false;
  CaseStats stats;
  std::string taxonomy_sha256;
  std::string presentation_sha256;
  std::string reference_digest;
  // The leakage audit's data files and what it excluded (by hadm_id).
  std::string audit_terms_version, audit_terms_sha256, audit_lexicon_sha256, ccsr_digest;
  std::vector<AuditExclusion> audit_exclusions;
};

struct CaseInputs {
  const Taxonomy* taxonomy = nullptr;
  const PresentationRules* presentation = nullptr;
  const IcdReference* reference = nullptr;
  // CCSR: required when the presentation rules hold an [audit] (v2).
  const Ccsr* ccsr = nullptr;
};

Result<CaseSet> BuildCases(Store& store, const CaseInputs& in);

// The store's cases one pass at a time (issue 18). Open() reads the store's
// patients and admissions; Collect() builds every case once, keeping each
// whole or, `light`, without its presentation (the bulk of a case: past
// history, HPI, triage) and secondary diagnoses, so a run holds its cases'
// ids, categories, split, principal and presentation hash only (a few hundred
// bytes a case); Build() gives one light case whole again, for the episode in
// flight, and checks it is the case Collect saw (its presentation hash).
//
// Thread safety: immutable after Open(); Build() may be called from many
// threads, each with its own Store.
class CaseSource {
 public:
  static Result<std::unique_ptr<CaseSource>> Open(Store& store, const CaseInputs& in);
  ~CaseSource();
  Result<CaseSet> Collect(Store& store, bool light) const;
  Result<Case> Build(Store& store, const Case& light) const;
  // A light case's whole truth (with its secondary diagnoses), read again from
  // the store without building its presentation; refused when the store's
  // principal is not the one Collect saw.
  Result<CaseTruth> TruthOf(Store& store, const Case& light) const;

 private:
  explicit CaseSource(const CaseInputs& in);
  // A light case's admission and its subject's diagnoses, from the store.
  struct Admission {
    const AdmissionRecord* record = nullptr;
    std::vector<DiagnosisRecord> dx;
  };
  Result<Admission> AdmissionOf(Store& store, const Case& light) const;
  static Status NoLonger(const Case& light);  // the store's case is not the one collected
  struct Impl;
  std::unique_ptr<Impl> impl_;
  CaseInputs in_;
};

// Every admission's presentation, included or not, by hadm_id (leakage tests).
Result<std::map<int64_t, Presentation>> BuildAllPresentations(Store& store, const CaseInputs& in);

// "dev" when sha256("medcred-split-v1:" + subject_id) mod 5 == 0, else "test".
std::string SplitOf(int64_t subject_id);

// SHA-256 over the sorted case ids of one category and split, the taxonomy hash
// and the case-builder version. The category and split names are hashed too, so
// a suite hash names its suite even when two suites hold the same cases.
std::string SuiteHash(const std::string& category, const std::string& split, std::vector<std::string> case_ids,
                      const std::string& taxonomy_sha256);

}  // namespace medcred

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
  std::vector<std::string> secondary;  // the admission's other diagnoses, ICD-10-CM
};

struct Case {
  std::string case_id;  // hadm-<hadm_id>: local only, never published
  int64_t subject_id = 0;
  int64_t hadm_id = 0;
  int64_t t0 = 0;  // arrival: edregtime, else admittime
  std::vector<std::string> categories;
  std::string split;  // dev or test
  Presentation presentation;
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

#include "cases/case_builder.h"

#include <algorithm>
#include <optional>
#include <set>
#include <unordered_map>

#include "common/sha256.h"

namespace medcred {
namespace {

constexpr const char* kSplits[] = {"dev", "test"};

// The rules an admission can fail, in the order they are applied; each
// excluded admission is counted once, under the first rule it fails.
enum Rule {
  kPlanned,
  kNoPrincipal,
  kNotADiagnosis,
  kNoIcd10Mapping,
  kNoCategory,
  kTooFewLabs,
  kNamesDiagnosis,
  kRuleCount
};
const char* kRuleNames[kRuleCount] = {
    "planned_admission_type",        // inclusion.excluded_admission_types
    "no_principal_diagnosis",        // no diagnosis with seq_num = 1
    "encounter_or_symptom_code",     // inclusion.excluded_principal_icd10 / _icd9
    "no_icd10_mapping",              // an ICD-9 principal the GEMs do not map
    "no_diagnosis_category",         // no [[category]] range holds the principal
    "too_few_labs_in_window",        // inclusion.min_labs_in_window
    "presentation_names_diagnosis",  // presentation [audit]: a visible text names the principal
};

void AddUnique(std::vector<std::string>* out, const std::string& v) {
  if (std::find(out->begin(), out->end(), v) == out->end()) out->push_back(v);
}

// ICD-10-CM codes for one coded diagnosis: itself, or every GEM target.
std::vector<std::string> ToIcd10(const std::string& code, int version, const IcdReference& ref) {
  if (version == 10) return {code};
  std::vector<std::string> out;
  for (const GemTarget& t : ref.Gem(code)) AddUnique(&out, t.icd10);
  return out;
}

struct Builder {
  Store& store;
  const CaseInputs& in;
  std::unordered_map<int64_t, PatientRecord> patients;
  std::vector<AdmissionRecord> admissions;
  std::unordered_map<int64_t, int64_t> admittime;  // hadm_id -> admittime

  Status Init() {
    MEDCRED_ASSIGN_OR_RETURN(auto ps, store.Patients());
    for (auto& p : ps) patients[p.subject_id] = p;
    MEDCRED_ASSIGN_OR_RETURN(admissions, store.Admissions());
    for (const auto& a : admissions) admittime[a.hadm_id] = a.admittime;
    return Status::OK();
  }

  // Calls fn(admission, diagnoses of the subject) for every admission, one
  // subject at a time (admissions are ordered by subject).
  template <typename F>
  Status ForEachAdmission(F fn) {
    std::vector<DiagnosisRecord> dx;
    int64_t subject = -1;
    for (const AdmissionRecord& a : admissions) {
      if (a.subject_id != subject) {
        subject = a.subject_id;
        MEDCRED_ASSIGN_OR_RETURN(dx, store.DiagnosesOfSubject(subject));
      }
      MEDCRED_RETURN_IF_ERROR(fn(a, dx));
    }
    return Status::OK();
  }

  static int64_t T0(const AdmissionRecord& a) { return a.edregtime ? *a.edregtime : a.admittime; }

  // What PresentationOf() read besides the presentation (for the audit).
  struct Seen {
    std::optional<std::string> discharge_note;
    std::vector<std::string> past_codes;  // ICD-10-CM codes of earlier admissions
  };

  Result<medcred::Presentation> PresentationOf(const AdmissionRecord& a, const std::vector<DiagnosisRecord>& subject_dx,
                                               Seen* seen = nullptr) {
    auto pit = patients.find(a.subject_id);
    if (pit == patients.end()) {
      return Status::BadInput("admission " + std::to_string(a.hadm_id) + " names subject_id " +
                              std::to_string(a.subject_id) + ", absent from patients");
    }
    PresentationInputs p;
    p.patient = &pit->second;
    p.admission = &a;
    // Past history: diagnoses of admissions that ended before this arrival, oldest first.
    const int64_t t0 = T0(a);
    std::vector<const DiagnosisRecord*> earlier;
    for (const DiagnosisRecord& d : subject_dx) {
      if (d.hadm_id == a.hadm_id) continue;
      const AdmissionRecord* prior = FindAdmission(d.hadm_id);
      if (prior != nullptr && prior->dischtime <= t0 && !d.title.empty()) earlier.push_back(&d);
    }
    std::stable_sort(earlier.begin(), earlier.end(), [&](const DiagnosisRecord* x, const DiagnosisRecord* y) {
      return std::make_pair(admittime[x->hadm_id], x->seq_num) < std::make_pair(admittime[y->hadm_id], y->seq_num);
    });
    for (const DiagnosisRecord* d : earlier) AddUnique(&p.past_history, d->title);
    MEDCRED_ASSIGN_OR_RETURN(p.triage, store.TriageOf(a.hadm_id));
    MEDCRED_ASSIGN_OR_RETURN(p.discharge_note, store.DischargeNoteOf(a.hadm_id));
    if (seen != nullptr) {
      seen->discharge_note = p.discharge_note;
      // Every earlier admission's codes, whether or not titled.
      for (const DiagnosisRecord& d : subject_dx) {
        const AdmissionRecord* prior = d.hadm_id == a.hadm_id ? nullptr : FindAdmission(d.hadm_id);
        if (prior == nullptr || prior->dischtime > t0) continue;
        for (const auto& code : ToIcd10(d.icd_code, d.icd_version, *in.reference)) AddUnique(&seen->past_codes, code);
      }
    }
    return BuildPresentation(p, *in.presentation);
  }

  const AdmissionRecord* FindAdmission(int64_t hadm_id) const {
    // Admissions of one subject are few; the caller's subject is contiguous, so a
    // linear scan of the whole list would be wasteful: use a lazily built index.
    if (index.empty()) {
      for (size_t i = 0; i < admissions.size(); ++i) index[admissions[i].hadm_id] = i;
    }
    auto it = index.find(hadm_id);
    return it == index.end() ? nullptr : &admissions[it->second];
  }
  mutable std::unordered_map<int64_t, size_t> index;
};

}  // namespace

std::string SplitOf(int64_t subject_id) {
  const std::string hex = Sha256::Hex("medcred-split-v1:" + std::to_string(subject_id));
  // The digest as a big-endian integer, mod 5.
  unsigned r = 0;
  for (size_t i = 0; i < hex.size(); i += 2) {
    r = (r * 256 + static_cast<unsigned>(std::stoi(hex.substr(i, 2), nullptr, 16))) % 5;
  }
  return r == 0 ? "dev" : "test";
}

std::string SuiteHash(const std::string& category, const std::string& split, std::vector<std::string> case_ids,
                      const std::string& taxonomy_sha256) {
  std::sort(case_ids.begin(), case_ids.end());
  Sha256 h;
  h.Update("medcred-suite-v1\ncategory " + category + "\nsplit " + split + "\ntaxonomy " + taxonomy_sha256 +
           "\nbuilder " + kCaseBuilderVersion + "\n");
  for (const auto& id : case_ids) h.Update(id + "\n");
  return h.HexDigest();
}

nlohmann::json Case::ToJson(bool with_truth) const {
  nlohmann::json j = {
      {"case_id", case_id}, {"categories", categories}, {"split", split}, {"presentation", presentation.ToJson()}};
  if (with_truth) {
    j["truth"] = {{"principal", truth.principal},
                  {"secondary", truth.secondary},
                  {"coded", {{"code", truth.principal_code}, {"version", truth.principal_version}}}};
  }
  return j;
}

nlohmann::json CaseStats::ToJson() const {
  nlohmann::json ex = nlohmann::json::array();
  for (const auto& [rule, n] : excluded) ex.push_back({{"rule", rule}, {"admissions", n}});
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [cat, by_split] : cases) {
    for (const auto& [split, n] : by_split) {
      cats[cat][split] = {{"cases", n}, {"suite_hash", suites.at(cat).at(split)}};
    }
  }
  nlohmann::json j = {{"admissions", admissions}, {"excluded", ex}, {"included", included}, {"categories", cats}};
  if (!audit_rule.empty()) {
    nlohmann::json by_cat = nlohmann::json::object(), by_route = nlohmann::json::object();
    for (const auto& [k, n] : audit_by_category) by_cat[k] = {{"audited", n.audited}, {"excluded", n.excluded}};
    for (const auto& [k, n] : audit_by_route) by_route[k] = {{"audited", n.audited}, {"excluded", n.excluded}};
    j["audit"] = {{"rule", audit_rule}, {"by_category", by_cat}, {"by_route", by_route}};
  }
  return j;
}

Result<CaseSet> BuildCases(Store& store, const CaseInputs& in) {
  Builder b{store, in, {}, {}, {}, {}};
  MEDCRED_RETURN_IF_ERROR(b.Init());
  const Taxonomy& tax = *in.taxonomy;
  const InclusionRules& rules = tax.inclusion();
  CaseSet set;
  set.taxonomy_sha256 = tax.sha256();
  set.presentation_sha256 = in.presentation->sha256;
  set.reference_digest = in.reference->digest();
  std::vector<int64_t> excluded(kRuleCount, 0);
  std::optional<LeakageAudit> audit;
  if (!in.presentation->audit_rule.empty()) {
    if (in.presentation->audit_rule != kRuleNames[kNamesDiagnosis]) {
      return Status::BadInput("presentation rules " + in.presentation->version + ": audit.rule '" +
                              in.presentation->audit_rule + "' is not " + kRuleNames[kNamesDiagnosis]);
    }
    if (in.ccsr == nullptr) {
      return Status::Usage("the leakage audit of presentation " + in.presentation->version +
                           " needs the CCSR reference (CaseInputs.ccsr)");
    }
    MEDCRED_ASSIGN_OR_RETURN(audit, LeakageAudit::Load(in.presentation->audit_terms_file,
                                                       in.presentation->audit_lexicon_file, *in.reference, *in.ccsr));
    set.stats.audit_rule = in.presentation->audit_rule;
    set.audit_terms_version = audit->version();
    set.audit_terms_sha256 = audit->sha256();
    set.audit_lexicon_sha256 = audit->lexicon_sha256();
    set.ccsr_digest = in.ccsr->digest();
    for (const Category& cat : tax.categories()) set.stats.audit_by_category[cat.name];
  }

  MEDCRED_RETURN_IF_ERROR(
      b.ForEachAdmission([&](const AdmissionRecord& a, const std::vector<DiagnosisRecord>& dx) -> Status {
        ++set.stats.admissions;
        auto exclude = [&](Rule r) {
          ++excluded[r];
          return Status::OK();
        };
        const auto& planned = rules.excluded_admission_types;
        if (std::find(planned.begin(), planned.end(), a.admission_type) != planned.end()) return exclude(kPlanned);
        const DiagnosisRecord* principal = nullptr;
        for (const auto& d : dx) {
          if (d.hadm_id == a.hadm_id && d.seq_num == 1) principal = &d;
        }
        if (principal == nullptr) return exclude(kNoPrincipal);
        Case c;
        c.truth.principal_code = principal->icd_code;
        c.truth.principal_version = principal->icd_version;
        c.truth.principal = ToIcd10(principal->icd_code, principal->icd_version, *in.reference);
        if (tax.ExcludedPrincipal(principal->icd_code, principal->icd_version, c.truth.principal)) {
          return exclude(kNotADiagnosis);
        }
        if (c.truth.principal.empty()) return exclude(kNoIcd10Mapping);
        for (const auto& code : c.truth.principal) {
          for (const auto& cat : tax.DiagnosisCategories(code)) AddUnique(&c.categories, cat);
        }
        if (c.categories.empty()) return exclude(kNoCategory);

        c.t0 = Builder::T0(a);
        const int64_t from = c.t0 - int64_t{3600} * rules.window_hours_before;
        const int64_t to = c.t0 + int64_t{3600} * rules.window_hours_after;
        MEDCRED_ASSIGN_OR_RETURN(int64_t labs, store.CountLabs(a.subject_id, from, to));
        if (labs < rules.min_labs_in_window) return exclude(kTooFewLabs);

        for (const auto& d : dx) {
          if (d.hadm_id != a.hadm_id || d.seq_num == 1) continue;
          for (const auto& code : ToIcd10(d.icd_code, d.icd_version, *in.reference)) {
            if (std::find(c.truth.principal.begin(), c.truth.principal.end(), code) == c.truth.principal.end()) {
              AddUnique(&c.truth.secondary, code);
            }
          }
        }
        for (const Category& cat : tax.categories()) {
          if (cat.kind != "context") continue;
          bool in_category = false;
          if (cat.rule == "icu_stay") {
            MEDCRED_ASSIGN_OR_RETURN(in_category, store.HasIcuStay(a.hadm_id));
          } else if (cat.rule == "arrived_via_ed") {
            in_category = a.edregtime.has_value();
          } else if (cat.rule == "imaging_report_in_window") {
            MEDCRED_ASSIGN_OR_RETURN(int64_t reports, store.CountRadiologyReports(a.subject_id, from, to));
            in_category = reports > 0;
          }
          if (in_category) c.categories.push_back(cat.name);
        }
        c.case_id = "hadm-" + std::to_string(a.hadm_id);
        c.subject_id = a.subject_id;
        c.hadm_id = a.hadm_id;
        c.split = SplitOf(a.subject_id);
        Builder::Seen seen;
        MEDCRED_ASSIGN_OR_RETURN(c.presentation, b.PresentationOf(a, dx, &seen));
        if (audit) {
          // Everything the model can read before it orders anything: the
          // presentation, get_history (with home medications) and
          // physical_exam's text. The truth decides inclusion only.
          VisibleTexts v;
          v.chief_complaint = c.presentation.chief_complaint;
          v.hpi = c.presentation.hpi;
          MEDCRED_ASSIGN_OR_RETURN(v.home_medications, store.HomeMedsOf(a.hadm_id));
          if (seen.discharge_note) v.exam = ExtractExam(*seen.discharge_note, *in.presentation);
          if (c.presentation.triage_vitals) v.triage_pain = c.presentation.triage_vitals->pain;
          v.past_codes = std::move(seen.past_codes);
          auto finding = audit->Audit(audit->TermsFor(c.truth.principal), v);
          auto count = [&](AuditCounts& n) {
            ++n.audited;
            n.excluded += finding.has_value();
          };
          for (const auto& cat : c.categories) count(set.stats.audit_by_category[cat]);
          count(set.stats.audit_by_route[c.presentation.arrival.route]);
          if (finding) {
            set.audit_exclusions.push_back(
                AuditExclusion{c.case_id, c.categories, c.presentation.arrival.route, std::move(*finding)});
            return exclude(kNamesDiagnosis);
          }
        }
        set.cases.push_back(std::move(c));
        return Status::OK();
      }));

  std::sort(set.cases.begin(), set.cases.end(), [](const Case& x, const Case& y) { return x.hadm_id < y.hadm_id; });
  auto hadm = [](const AuditExclusion& e) { return std::stoll(e.case_id.substr(5)); };
  std::sort(set.audit_exclusions.begin(), set.audit_exclusions.end(),
            [&](const AuditExclusion& x, const AuditExclusion& y) { return hadm(x) < hadm(y); });
  for (int r = 0; r < kRuleCount; ++r) set.stats.excluded.emplace_back(kRuleNames[r], excluded[r]);
  set.stats.included = static_cast<int64_t>(set.cases.size());
  for (const Category& cat : tax.categories()) {
    for (const char* split : kSplits) {
      std::vector<std::string> ids;
      for (const Case& c : set.cases) {
        if (c.split == split && std::find(c.categories.begin(), c.categories.end(), cat.name) != c.categories.end()) {
          ids.push_back(c.case_id);
        }
      }
      set.stats.cases[cat.name][split] = static_cast<int64_t>(ids.size());
      set.stats.suites[cat.name][split] = SuiteHash(cat.name, split, std::move(ids), tax.sha256());
    }
  }
  return set;
}

Result<std::map<int64_t, Presentation>> BuildAllPresentations(Store& store, const CaseInputs& in) {
  Builder b{store, in, {}, {}, {}, {}};
  MEDCRED_RETURN_IF_ERROR(b.Init());
  std::map<int64_t, Presentation> out;
  MEDCRED_RETURN_IF_ERROR(
      b.ForEachAdmission([&](const AdmissionRecord& a, const std::vector<DiagnosisRecord>& dx) -> Status {
        MEDCRED_ASSIGN_OR_RETURN(out[a.hadm_id], b.PresentationOf(a, dx));
        return Status::OK();
      }));
  return out;
}

}  // namespace medcred

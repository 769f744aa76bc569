#include "cases/case_builder.h"

#include <algorithm>
#include <memory>
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
  const CaseInputs& in;
  std::unordered_map<int64_t, PatientRecord> patients;
  std::vector<AdmissionRecord> admissions;
  std::unordered_map<int64_t, size_t> index;  // hadm_id -> position in admissions
  std::optional<LeakageAudit> audit;          // when the presentation rules hold an [audit] (v2)

  Status Init(Store& store) {
    MEDCRED_RETURN_IF_ERROR(LoadAudit());
    MEDCRED_ASSIGN_OR_RETURN(auto ps, store.Patients());
    for (auto& p : ps) patients[p.subject_id] = p;
    MEDCRED_ASSIGN_OR_RETURN(admissions, store.Admissions());
    admissions.shrink_to_fit();  // held for the whole run
    index.reserve(admissions.size());
    for (size_t i = 0; i < admissions.size(); ++i) index[admissions[i].hadm_id] = i;
    return Status::OK();
  }

  Status LoadAudit() {
    if (in.presentation->audit_rule.empty()) return Status::OK();
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
    return Status::OK();
  }

  // Calls fn(admission, diagnoses of the subject) for every admission, one
  // subject at a time (admissions are ordered by subject).
  template <typename F>
  Status ForEachAdmission(Store& store, F fn) const {
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

  Result<medcred::Presentation> PresentationOf(Store& store, const AdmissionRecord& a,
                                               const std::vector<DiagnosisRecord>& subject_dx,
                                               Seen* seen = nullptr) const {
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
    auto time_of = [&](int64_t hadm_id) {
      const AdmissionRecord* adm = FindAdmission(hadm_id);
      return adm == nullptr ? int64_t{0} : adm->admittime;
    };
    std::stable_sort(earlier.begin(), earlier.end(), [&](const DiagnosisRecord* x, const DiagnosisRecord* y) {
      return std::make_pair(time_of(x->hadm_id), x->seq_num) < std::make_pair(time_of(y->hadm_id), y->seq_num);
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
    auto it = index.find(hadm_id);
    return it == index.end() ? nullptr : &admissions[it->second];
  }

  // What the leakage audit said of an admission that passed every other rule.
  struct Audited {
    bool audited = false;
    std::vector<std::string> categories;
    std::string route;
    std::optional<AuditFinding> finding;
  };

  // The admission's principal diagnosis (its seq_num 1) and other diagnoses
  // as ICD-10-CM codes; none when it has no principal diagnosis. `dx`: the
  // subject's diagnoses.
  std::optional<CaseTruth> TruthOf(const AdmissionRecord& a, const std::vector<DiagnosisRecord>& dx) const {
    const DiagnosisRecord* found = nullptr;
    for (const auto& d : dx) {
      if (d.hadm_id == a.hadm_id && d.seq_num == 1) found = &d;
    }
    if (found == nullptr) return std::nullopt;
    const DiagnosisRecord& principal = *found;
    CaseTruth t;
    t.principal_code = principal.icd_code;
    t.principal_version = principal.icd_version;
    t.principal = ToIcd10(principal.icd_code, principal.icd_version, *in.reference);
    for (const auto& d : dx) {
      if (d.hadm_id != a.hadm_id || d.seq_num == 1) continue;
      for (const auto& code : ToIcd10(d.icd_code, d.icd_version, *in.reference)) {
        if (std::find(t.principal.begin(), t.principal.end(), code) == t.principal.end()) {
          AddUnique(&t.secondary, code);
        }
      }
    }
    return t;
  }

  // The case of one admission, or the rule that excludes it (`*excluded`);
  // `*audited` (when given) says what the leakage audit found.
  Result<std::optional<Case>> CaseOf(Store& store, const AdmissionRecord& a, const std::vector<DiagnosisRecord>& dx,
                                     Rule* excluded, Audited* audited = nullptr) const {
    const Taxonomy& tax = *in.taxonomy;
    const InclusionRules& rules = tax.inclusion();
    auto exclude = [&](Rule r) -> Result<std::optional<Case>> {
      *excluded = r;
      return std::optional<Case>();
    };
    const auto& planned = rules.excluded_admission_types;
    if (std::find(planned.begin(), planned.end(), a.admission_type) != planned.end()) return exclude(kPlanned);
    std::optional<CaseTruth> truth = TruthOf(a, dx);
    if (!truth) return exclude(kNoPrincipal);
    Case c;
    c.truth = std::move(*truth);
    if (tax.ExcludedPrincipal(c.truth.principal_code, c.truth.principal_version, c.truth.principal)) {
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
    Seen seen;
    MEDCRED_ASSIGN_OR_RETURN(Presentation shown, PresentationOf(store, a, dx, &seen));
    c.presentation = std::make_shared<const Presentation>(std::move(shown));
    const Presentation& p = *c.presentation;
    if (audit) {
      // Everything the model can read before it orders anything: the
      // presentation, get_history (with home medications) and physical_exam's
      // text. The truth decides inclusion only.
      VisibleTexts v;
      v.chief_complaint = p.chief_complaint;
      v.hpi = p.hpi;
      MEDCRED_ASSIGN_OR_RETURN(v.home_medications, store.HomeMedsOf(a.hadm_id));
      if (seen.discharge_note) v.exam = ExtractExam(*seen.discharge_note, *in.presentation);
      if (p.triage_vitals) v.triage_pain = p.triage_vitals->pain;
      v.past_codes = std::move(seen.past_codes);
      std::optional<AuditFinding> finding = audit->Audit(audit->TermsFor(c.truth.principal), v);
      const bool names_it = finding.has_value();
      if (audited != nullptr) *audited = Audited{true, c.categories, p.arrival.route, std::move(finding)};
      if (names_it) return exclude(kNamesDiagnosis);
    }
    c.presentation_sha256 = p.Sha256();
    return std::optional<Case>(std::move(c));
  }
};

// A case as a light set holds it (issue 18: a run holds every case of the
// store this way): without its presentation and secondary diagnoses
// (CaseSource::Build and TruthOf read them again), its vectors without spare
// room.
void Lighten(Case& c) {
  c.presentation.reset();
  c.truth.secondary = std::vector<std::string>();  // frees it (`= {}` would keep its room)
  c.categories.shrink_to_fit();
  c.truth.principal.shrink_to_fit();
}

// The stats of a finished set: included cases, and per category and split
// the count and suite hash.
void FinishStats(CaseSet& set, const Taxonomy& tax, const std::vector<int64_t>& excluded) {
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
}

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
  nlohmann::json j = {{"case_id", case_id},
                      {"categories", categories},
                      {"split", split},
                      {"presentation", presentation ? presentation->ToJson() : nlohmann::json()}};
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

struct CaseSource::Impl {
  explicit Impl(const CaseInputs& in) : builder{in, {}, {}, {}, {}} {}
  Builder builder;
};

CaseSource::CaseSource(const CaseInputs& in) : in_(in) { impl_ = std::make_unique<Impl>(in_); }
CaseSource::~CaseSource() = default;

Result<std::unique_ptr<CaseSource>> CaseSource::Open(Store& store, const CaseInputs& in) {
  auto source = std::unique_ptr<CaseSource>(new CaseSource(in));
  MEDCRED_RETURN_IF_ERROR(source->impl_->builder.Init(store));
  return source;
}

Result<CaseSet> CaseSource::Collect(Store& store, bool light) const {
  const Taxonomy& tax = *in_.taxonomy;
  CaseSet set;
  set.taxonomy_sha256 = tax.sha256();
  set.presentation_sha256 = in_.presentation->sha256;
  set.reference_digest = in_.reference->digest();
  set.light = light;
  std::vector<int64_t> excluded(kRuleCount, 0);
  const Builder& b = impl_->builder;
  if (b.audit) {
    set.stats.audit_rule = in_.presentation->audit_rule;
    set.audit_terms_version = b.audit->version();
    set.audit_terms_sha256 = b.audit->sha256();
    set.audit_lexicon_sha256 = b.audit->lexicon_sha256();
    set.ccsr_digest = in_.ccsr->digest();
    for (const Category& cat : tax.categories()) set.stats.audit_by_category[cat.name];
  }
  set.cases.reserve(b.admissions.size());  // no regrowth: at most one case per admission
  MEDCRED_RETURN_IF_ERROR(
      b.ForEachAdmission(store, [&](const AdmissionRecord& a, const std::vector<DiagnosisRecord>& dx) -> Status {
        ++set.stats.admissions;
        Rule rule = kRuleCount;
        Builder::Audited audited;
        MEDCRED_ASSIGN_OR_RETURN(std::optional<Case> c, b.CaseOf(store, a, dx, &rule, &audited));
        if (audited.audited) {
          auto count = [&](AuditCounts& n) {
            ++n.audited;
            n.excluded += audited.finding.has_value();
          };
          for (const auto& cat : audited.categories) count(set.stats.audit_by_category[cat]);
          count(set.stats.audit_by_route[audited.route]);
          if (audited.finding) {
            set.audit_exclusions.push_back(AuditExclusion{"hadm-" + std::to_string(a.hadm_id), audited.categories,
                                                          audited.route, std::move(*audited.finding)});
          }
        }
        if (!c) {
          ++excluded[rule];
          return Status::OK();
        }
        if (light) Lighten(*c);  // the presentation is rebuilt for the episodes in flight (Build)
        set.cases.push_back(std::move(*c));
        return Status::OK();
      }));
  FinishStats(set, tax, excluded);
  return set;
}

Result<CaseSource::Admission> CaseSource::AdmissionOf(Store& store, const Case& light) const {
  const AdmissionRecord* a = impl_->builder.FindAdmission(light.hadm_id);
  if (a == nullptr) return Status::BadInput("no admission " + std::to_string(light.hadm_id) + " in the store");
  MEDCRED_ASSIGN_OR_RETURN(std::vector<DiagnosisRecord> dx, store.DiagnosesOfSubject(a->subject_id));
  return Admission{a, std::move(dx)};
}

Status CaseSource::NoLonger(const Case& light) {
  return Status::BadInput(light.case_id + ": the store no longer gives the case it gave at the start of the run");
}

Result<Case> CaseSource::Build(Store& store, const Case& light) const {
  MEDCRED_ASSIGN_OR_RETURN(Admission a, AdmissionOf(store, light));
  Rule rule = kRuleCount;
  MEDCRED_ASSIGN_OR_RETURN(std::optional<Case> c, impl_->builder.CaseOf(store, *a.record, a.dx, &rule));
  if (!c || c->presentation_sha256 != light.presentation_sha256 || c->case_id != light.case_id) return NoLonger(light);
  return std::move(*c);
}

Result<CaseTruth> CaseSource::TruthOf(Store& store, const Case& light) const {
  MEDCRED_ASSIGN_OR_RETURN(Admission a, AdmissionOf(store, light));
  std::optional<CaseTruth> truth = impl_->builder.TruthOf(*a.record, a.dx);
  if (!truth || truth->principal != light.truth.principal || truth->principal_code != light.truth.principal_code) {
    return NoLonger(light);
  }
  return std::move(*truth);
}

Result<CaseSet> BuildCases(Store& store, const CaseInputs& in) {
  MEDCRED_ASSIGN_OR_RETURN(std::unique_ptr<CaseSource> source, CaseSource::Open(store, in));
  return source->Collect(store, /*light=*/false);
}

Result<std::map<int64_t, Presentation>> BuildAllPresentations(Store& store, const CaseInputs& in) {
  Builder b{in, {}, {}, {}, {}};
  MEDCRED_RETURN_IF_ERROR(b.Init(store));
  std::map<int64_t, Presentation> out;
  MEDCRED_RETURN_IF_ERROR(
      b.ForEachAdmission(store, [&](const AdmissionRecord& a, const std::vector<DiagnosisRecord>& dx) -> Status {
        MEDCRED_ASSIGN_OR_RETURN(out[a.hadm_id], b.PresentationOf(store, a, dx));
        return Status::OK();
      }));
  return out;
}

}  // namespace medcred

#include "environment/environment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/text.h"
#include "common/time.h"
#include "store/schema.h"

namespace medcred {
namespace {

// The exam title of a radiology report: the text after "EXAMINATION:", else its first line.
std::string ReportTitle(const std::string& text) {
  const std::string upper = Upper(text.substr(0, 2000));
  const size_t at = upper.find("EXAMINATION:");
  size_t from = at == std::string::npos ? 0 : at + 12;
  size_t end = text.find('\n', from);
  std::string title = text.substr(from, end == std::string::npos ? std::string::npos : end - from);
  title.erase(0, title.find_first_not_of(" \t"));
  title.erase(title.find_last_not_of(" \t\r") + 1);
  return title;
}

// "acuity 2, heart_rate 88, ...": triage vitals as one line.
std::string TriageLine(const TriageVitals& v) {
  std::string t;
  for (const auto& [name, value] : v.Named()) t += (t.empty() ? "" : ", ") + name + " " + value;
  return t;
}

const std::vector<std::string> kFindingsHeaders = {"FINDINGS:", "Findings:"};
const std::vector<std::string> kFindingsStops = {"IMPRESSION",   "CONCLUSION", "RECOMMENDATION",
                                                 "NOTIFICATION", "COMMENT",    "ADDENDUM"};
constexpr size_t kMaxReportChars = 2500;
constexpr size_t kMaxCommentChars = 300;

}  // namespace

std::string PresentationText(const Presentation& p) {
  const Arrival& a = p.arrival;
  const std::string age = std::to_string(p.age);
  // "an 80-year-old", "an 18-year-old", "an 11-year-old"; "a" otherwise.
  const bool an = age[0] == '8' || age == "11" || age == "18";
  std::string t = std::string(an ? "An " : "A ") + age + "-year-old " +
                  (p.sex == "F"   ? std::string("woman")
                   : p.sex == "M" ? std::string("man")
                                  : std::string("patient")) +
                  " arrives at the hospital";
  t += a.route == "emergency department" ? " through the emergency department" : " as a direct admission";
  t += " (admission type " + a.admission_type + ", from " + a.admission_location + ")";
  if (!a.transport.empty()) t += ", by " + a.transport;
  t += ".\n";
  if (p.chief_complaint) t += "Chief complaint: " + *p.chief_complaint + "\n";
  if (p.triage_vitals && !p.triage_vitals->Named().empty()) {
    t += "Triage vital signs: " + TriageLine(*p.triage_vitals) + "\n";
  }
  t += "Use the tools to work up the case, then submit the principal diagnosis.";
  return t;
}

nlohmann::json ResolveAnswer::ToJson() const {
  nlohmann::json j = {{"query", query},
                      {"kind", kind},
                      {"status", resolved ? "resolved" : "unrecognized"},
                      {"concept", concept_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(concept_name)},
                      {"itemids", itemids},
                      {"labels", labels},
                      {"suggestions", suggestions}};
  if (!interpreted_as.empty()) j["interpreted_as"] = interpreted_as;
  if (resolved && kind == "lab" && !panel) j["fluid"] = fluid;
  if (panel || micro) j["title"] = title;
  if (panel) j["components"] = components;
  if (modality) j["modality"] = *modality;
  if (region) j["region"] = *region;
  return j;
}

// ---- Environment -------------------------------------------------------------

Result<Environment> Environment::Create(Store& store, LabCatalog catalog, CostTable costs, PresentationRules rules,
                                        WindowHours window) {
  Environment env;
  MEDCRED_ASSIGN_OR_RETURN(auto items, store.LabItems());
  catalog.BindItems(items);
  for (const auto& it : items) env.items_[it.itemid] = {it.label, it.fluid};
  MEDCRED_ASSIGN_OR_RETURN(StoreSummary summary, store.Summary());
  for (const auto& m : summary.modules) {
    env.has_note_ |= m == "note";
    env.has_ed_ |= m == "ed";
  }
  env.catalog_ = std::move(catalog);
  env.costs_ = std::move(costs);
  env.rules_ = std::move(rules);
  env.window_ = window;
  return env;
}

std::string Environment::ItemLabel(int64_t itemid) const {
  auto it = items_.find(itemid);
  return it == items_.end() ? "" : it->second.first;
}

ResolveAnswer Environment::Resolve(const std::string& kind, const std::string& query) const {
  ResolveAnswer a;
  a.query = query;
  a.kind = kind;
  auto add_test = [&](const LabConcept& t) {
    for (int64_t id : t.itemids) {
      a.itemids.push_back(id);
      auto it = items_.find(id);
      if (it != items_.end()) a.labels.push_back(it->second.first + " (" + it->second.second + ")");
    }
  };
  if (kind == "lab" || kind == "micro") {
    Resolution r = kind == "lab" ? catalog_.ResolveLab(query) : catalog_.ResolveMicro(query);
    a.suggestions = r.suggestions;
    if (!r.resolved()) return a;
    a.resolved = true;
    a.interpreted_as = r.interpreted;
    if (r.kind == Resolution::Kind::kLabTest) {
      const LabConcept& t = catalog_.tests()[r.index];
      a.concept_name = t.name;
      a.fluid = t.fluid;
      add_test(t);
    } else if (r.kind == Resolution::Kind::kLabPanel) {
      const LabPanel& p = catalog_.panels()[r.index];
      a.panel = true;
      a.concept_name = p.name;
      a.title = p.title;
      for (size_t i : p.tests) {
        a.components.push_back(catalog_.tests()[i].name);
        add_test(catalog_.tests()[i]);
      }
    } else {
      const MicroConcept& m = catalog_.micro()[r.index];
      a.micro = true;
      a.concept_name = m.name;
      a.title = m.title;
      a.labels = m.spec_types;
    }
    return a;
  }
  if (kind == "imaging") {
    a.modality = catalog_.ImagingModality(query);
    a.region = catalog_.ImagingRegion(query);
    if (a.modality->empty()) {
      a.suggestions = {"x-ray", "CT", "ultrasound"};
      return a;
    }
    a.resolved = true;
    a.concept_name = a.region->empty() ? *a.modality : *a.modality + " " + *a.region;
    return a;
  }
  if (kind == "ecg") {
    a.resolved = true;
    a.concept_name = "ecg";
  }
  return a;
}

// ---- Episode -------------------------------------------------------------------

Result<Episode> Episode::Open(Store& store, const Environment& env, const Case& c) {
  Episode e;
  e.env_ = &env;
  e.case_ = &c;
  e.t0_ = c.t0;
  const int64_t from = c.t0 - int64_t{3600} * env.window().before;
  const int64_t to = c.t0 + int64_t{3600} * env.window().after;
  MEDCRED_ASSIGN_OR_RETURN(e.labs_, store.LabsOfSubject(c.subject_id, from, to));
  MEDCRED_ASSIGN_OR_RETURN(e.micro_, store.MicroOfSubject(c.subject_id, from, to));
  MEDCRED_ASSIGN_OR_RETURN(e.orders_, store.OrdersOfSubject(c.subject_id, from, to));
  MEDCRED_ASSIGN_OR_RETURN(e.vitals_, store.VitalsOfSubject(c.subject_id, from, to));
  // OMR rows carry a date: the days the window touches.
  MEDCRED_ASSIGN_OR_RETURN(e.omr_, store.OmrOfSubject(c.subject_id, from - from % 86400, to));
  MEDCRED_ASSIGN_OR_RETURN(e.home_meds_, store.HomeMedsOf(c.hadm_id));
  if (env.has_note_module()) {
    MEDCRED_ASSIGN_OR_RETURN(e.reports_, store.RadiologyOfSubject(c.subject_id, from, to));
    MEDCRED_ASSIGN_OR_RETURN(e.discharge_note_, store.DischargeNoteOf(c.hadm_id));
  }
  for (const auto& r : e.labs_) e.first_by_item_.emplace(r.itemid, &r);  // labs_ is oldest first
  return e;
}

double Episode::Hours(int64_t t) const { return static_cast<double>(t - t0_) / 3600.0; }

double Episode::Charge(const std::string& key, const std::optional<Price>& price) {
  if (!price || !charged_.insert(key).second) return 0;
  cost_ += price->usd;
  return price->usd;
}

std::set<std::string> Episode::performed_lab_concepts() const {
  std::set<std::string> out;
  for (const auto& [itemid, r] : first_by_item_) {
    const int k = env_->catalog().ConceptOfItem(itemid);
    if (k >= 0) out.insert(env_->catalog().tests()[static_cast<size_t>(k)].name);
  }
  return out;
}

ToolAnswer Episode::Call(const ToolCall& call) {
  ToolAnswer a;
  a.tool = call.name;
  switch (call.name) {
    case ToolName::kGetHistory:
      a.history = History();
      break;
    case ToolName::kPhysicalExam:
      a.exam = Exam();
      break;
    case ToolName::kOrderLabs:
    case ToolName::kOrderMicrobiology:
      for (const std::string& q : call.tests) {
        a.orders.push_back(call.name == ToolName::kOrderLabs ? Lab(q) : Micro(q));
        a.cost += a.orders.back().cost;
        a.invalid_orders += a.orders.back().status == OrderAnswer::Status::kUnrecognized;
      }
      break;
    case ToolName::kOrderImaging:
      a.imaging = Imaging(call.modality, call.region, &a.cost, &a.invalid_orders);
      break;
    case ToolName::kOrderEcg:
      a.ecg = Ecg(&a.cost);
      break;
    case ToolName::kSubmitDiagnosis:
      a.submission = call;
      break;
  }
  invalid_orders_ += a.invalid_orders;
  return a;
}

HistoryAnswer Episode::History() const {
  const Presentation& p = case_->presentation;
  HistoryAnswer h;
  h.chief_complaint = p.chief_complaint;
  h.hpi = p.hpi;
  h.past_history = p.past_history;
  h.home_medications = home_meds_;
  h.has_ed_module = env_->has_ed_module();
  return h;
}

ExamAnswer Episode::Exam() const {
  ExamAnswer e;
  e.exam = discharge_note_ ? ExtractExam(*discharge_note_, env_->rules()) : "";
  e.has_note_module = env_->has_note_module();
  const Presentation& p = case_->presentation;
  if (p.triage_vitals && !p.triage_vitals->Named().empty()) {
    e.vitals.push_back({"- ED triage: " + TriageLine(*p.triage_vitals)});
  }
  std::set<int64_t> seen;
  for (const auto& v : vitals_) {
    if (!seen.insert(v.itemid).second) continue;
    const char* name = VitalSignName(v.itemid);
    if (*name == '\0') continue;
    e.vitals.push_back({std::string("- ") + name + ": " + (v.valuenum ? FormatNumber(*v.valuenum) : v.value) +
                        (v.uom.empty() ? "" : " " + v.uom) + ", " + HoursText(Hours(v.charttime))});
  }
  std::set<std::string> omr_seen;
  for (const auto& o : omr_) {
    if (!omr_seen.insert(o.name).second) continue;
    e.vitals.push_back({"- " + o.name + ": " + o.value + " (outpatient record, " +
                        FormatTimestamp(o.chartdate).substr(0, 10) + " day " +
                        std::to_string((o.chartdate - (t0_ - t0_ % 86400)) / 86400) + ")"});
  }
  return e;
}

LabResultAnswer Episode::FirstResult(const LabConcept& k) {
  LabResultAnswer r;
  r.concept_name = k.name;
  r.display = k.Display();
  ordered_.insert(k.name);
  const LabResultRecord* first = nullptr;
  for (int64_t id : k.itemids) {
    auto it = first_by_item_.find(id);
    if (it != first_by_item_.end() && (first == nullptr || it->second->charttime < first->charttime)) {
      first = it->second;
    }
  }
  if (first == nullptr) return r;
  r.performed = true;
  r.itemid = first->itemid;
  r.label = env_->ItemLabel(first->itemid);
  r.value = first->value;
  r.valuenum = first->valuenum;
  r.unit = first->uom;
  r.ref_lower = first->ref_lower;
  r.ref_upper = first->ref_upper;
  r.flag = first->flag;
  r.hours = Hours(first->charttime);
  return r;
}

OrderAnswer Episode::Lab(const std::string& q) {
  const LabCatalog& cat = env_->catalog();
  OrderAnswer o;
  o.query = q;
  const Resolution res = cat.ResolveLab(q);
  if (!res.resolved()) {
    o.suggestions = res.suggestions;
    const Resolution as_micro = cat.ResolveMicro(q);
    o.is_micro_order = as_micro.resolved() && as_micro.interpreted.empty();
    return o;
  }
  o.status = OrderAnswer::Status::kResolved;
  o.interpreted = res.interpreted;
  // Charged once per episode and concept, tests and panels alike.
  if (res.kind == Resolution::Kind::kLabTest) {
    const LabConcept& k = cat.tests()[res.index];
    o.concept_name = k.name;
    o.cost = Charge("lab:" + k.name, env_->costs().Find("lab", k.name));
    o.results.push_back(FirstResult(k));
    return o;
  }
  const LabPanel& p = cat.panels()[res.index];
  o.panel = true;
  o.concept_name = p.name;
  o.title = p.title;
  o.cost = Charge("lab:" + p.name, env_->costs().Find("lab", p.name));
  for (size_t i : p.tests) o.results.push_back(FirstResult(cat.tests()[i]));
  return o;
}

OrderAnswer Episode::Micro(const std::string& q) {
  const LabCatalog& cat = env_->catalog();
  OrderAnswer o;
  o.query = q;
  const Resolution res = cat.ResolveMicro(q);
  if (!res.resolved()) {
    o.suggestions = res.suggestions;
    return o;
  }
  const MicroConcept& m = cat.micro()[res.index];
  o.status = OrderAnswer::Status::kResolved;
  o.concept_name = m.name;
  o.title = m.title;
  o.cost = Charge("micro:" + m.name, env_->costs().Find("micro", m.name));
  auto matches = [&](const MicroRecord& row) {
    const bool spec = std::any_of(m.spec_types.begin(), m.spec_types.end(),
                                  [&](const std::string& s) { return EqualsIgnoreCase(s, row.spec_type); });
    const bool test =
        m.test_names.empty() || std::any_of(m.test_names.begin(), m.test_names.end(),
                                            [&](const std::string& s) { return EqualsIgnoreCase(s, row.test_name); });
    return spec && test;
  };
  // The first specimen of this kind collected in the window.
  auto first = std::find_if(micro_.begin(), micro_.end(), matches);
  if (first == micro_.end()) return o;
  o.performed = true;
  o.hours = Hours(first->time);
  o.specimen = first->spec_type;
  // Per test of that specimen, in the order met: organisms and susceptibilities, or the lab's comment.
  for (const auto& row : micro_) {
    if (row.specimen_id != first->specimen_id || !matches(row)) continue;
    auto test = std::find_if(o.tests.begin(), o.tests.end(),
                             [&](const MicroTestAnswer& t) { return t.test_name == row.test_name; });
    if (test == o.tests.end()) test = o.tests.insert(o.tests.end(), MicroTestAnswer{row.test_name, {}, ""});
    if (!row.org_name.empty()) {
      auto org = std::find_if(test->organisms.begin(), test->organisms.end(),
                              [&](const OrganismAnswer& x) { return x.name == row.org_name; });
      if (org == test->organisms.end()) {
        // Organisms are listed by name, as a culture report does.
        org = test->organisms.insert(
            std::upper_bound(test->organisms.begin(), test->organisms.end(), row.org_name,
                             [](const std::string& name, const OrganismAnswer& x) { return name < x.name; }),
            OrganismAnswer{row.org_name, {}});
      }
      if (!row.ab_name.empty()) {
        org->susceptibilities.push_back(row.ab_name + " " + row.interpretation +
                                        (row.dilution_text.empty() ? "" : " (" + row.dilution_text + ")"));
      }
    } else if (!row.comments.empty() && test->comment.empty()) {
      test->comment = row.comments.substr(0, kMaxCommentChars);
    }
  }
  return o;
}

ImagingAnswer Episode::Imaging(const std::string& modality_text, const std::string& region_text, double* cost,
                               int* invalid) {
  const LabCatalog& cat = env_->catalog();
  ImagingAnswer a;
  a.modality_query = modality_text;
  a.region_query = region_text;
  a.has_note_module = env_->has_note_module();
  a.modality = cat.ImagingModality(modality_text);
  if (a.modality.empty()) a.modality = cat.ImagingModality(modality_text + " " + region_text);
  a.region = cat.ImagingRegion(region_text);
  if (a.region.empty()) a.region = cat.ImagingRegion(modality_text);
  if (a.modality.empty()) {
    ++*invalid;
    return a;
  }
  *cost += Charge("imaging:" + a.modality + ":" + a.region, env_->costs().Find("imaging", a.modality));
  for (const auto& rep : reports_) {
    const std::string title = ReportTitle(rep.text);
    // Plain films are titled by region alone ("CHEST (PA AND LAT)").
    std::string report_modality = cat.ImagingModality(title);
    if (report_modality.empty()) report_modality = "xray";
    if (report_modality != a.modality) continue;
    if (!a.region.empty() && cat.ImagingRegion(title) != a.region) continue;
    a.performed = a.report = true;
    a.hours = Hours(rep.charttime);
    a.title = title;
    a.findings = ExtractSection(rep.text, kFindingsHeaders, kFindingsStops, kMaxReportChars);
    return a;
  }
  for (const auto& o : orders_) {
    if (cat.PoeModality(o.order_subtype) != a.modality) continue;
    a.performed = true;
    a.hours = Hours(o.ordertime);
    a.order_subtype = o.order_subtype;
    return a;
  }
  return a;
}

EcgAnswer Episode::Ecg(double* cost) {
  EcgAnswer a;
  *cost += Charge("ecg", env_->costs().Find("ecg", "ecg"));
  for (const auto& o : orders_) {
    if (!EqualsIgnoreCase(o.order_subtype, "ECG")) continue;
    a.performed = true;
    a.hours = Hours(o.ordertime);
    return a;
  }
  return a;
}

}  // namespace medcred

#include "environment/environment.h"

#include <algorithm>
#include <chrono>
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
  nlohmann::json rows_json = nlohmann::json::array();
  for (const auto& r : rows) rows_json.push_back(r ? nlohmann::json(*r) : nlohmann::json(nullptr));
  nlohmann::json j = {{"query", query},
                      {"kind", kind},
                      {"status", status},
                      {"concept", concept_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(concept_name)},
                      {"itemids", itemids},
                      {"labels", labels},
                      {"suggestions", suggestions},
                      {"rule", rule.empty() ? nlohmann::json(nullptr) : nlohmann::json(rule)},
                      {"rows", rows_json}};
  if (!interpreted_as.empty()) j["interpreted_as"] = interpreted_as;
  if (spelling) j["spelling"] = true;
  if (!matched.empty()) j["matched"] = matched;
  if (!display.empty()) j["display"] = display;
  if (status == "ambiguous") {
    j["candidates"] = nlohmann::json::array();
    for (const Candidate& c : candidates) {
      j["candidates"].push_back({{"concept", c.concept_name}, {"display", c.display}, {"itemids", c.itemids}});
    }
  }
  if (!not_a_test.empty()) j["not_a_test"] = not_a_test;
  if (resolved && kind == "lab" && !panel) j["fluid"] = fluid;
  if (panel || micro) j["title"] = title;
  if (panel) j["components"] = components;
  if (micro) j["test_names"] = test_names;
  if (modality) j["modality"] = *modality;
  if (region) j["region"] = *region;
  return j;
}

// ---- Environment -------------------------------------------------------------

Result<Environment> Environment::Create(Store& store, LabCatalog catalog, CostTable costs, PresentationRules rules,
                                        WindowHours window) {
  Environment env;
  MEDCRED_ASSIGN_OR_RETURN(auto items, store.LabItems());
  MEDCRED_ASSIGN_OR_RETURN(auto micro_tests, store.MicroTests());
  const auto start = std::chrono::steady_clock::now();
  catalog.Bind(items, micro_tests);
  env.bind_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& it : items) env.items_.emplace(it.itemid, std::move(it));
  MEDCRED_ASSIGN_OR_RETURN(StoreSummary summary, store.Summary());
  for (const auto& m : summary.modules) {
    env.has_note_ |= m == "note";
    env.has_ed_ |= m == "ed";
    env.has_ecg_ |= m == "ecg";
  }
  env.catalog_ = std::move(catalog);
  env.costs_ = std::move(costs);
  env.rules_ = std::move(rules);
  env.window_ = window;
  return env;
}

std::string Environment::ItemLabel(int64_t itemid) const {
  auto it = items_.find(itemid);
  return it == items_.end() ? "" : it->second.label;
}

std::optional<int64_t> Environment::ItemRows(int64_t itemid) const {
  auto it = items_.find(itemid);
  return it == items_.end() ? std::nullopt : it->second.rows;
}

namespace {

// The resolution's rule, spelling and candidates, as resolve shows them.
void DescribeMatch(const LabCatalog& cat, const Resolution& r, ResolveAnswer* a) {
  a->rule = r.rule;
  a->spelling = r.spelling;
  a->matched = r.matched;
  a->interpreted_as = r.interpreted;
  a->suggestions = r.suggestions;
  for (const auto& c : r.candidates) {
    ResolveAnswer::Candidate cand;
    cand.display = cat.TargetName(c.kind, c.index);
    if (c.kind == Resolution::Kind::kLabTest) {
      cand.concept_name = cat.tests()[c.index].name;
      cand.itemids = cat.tests()[c.index].itemids;
    } else if (c.kind == Resolution::Kind::kLabPanel) {
      cand.concept_name = cat.panels()[c.index].name;
    } else {
      cand.concept_name = cat.micro()[c.index].name;
    }
    a->candidates.push_back(std::move(cand));
  }
}

}  // namespace

ResolveAnswer Environment::Resolve(const std::string& kind, const std::string& query) const {
  ResolveAnswer a;
  a.query = query;
  a.kind = kind;
  auto add_test = [&](const LabConcept& t) {
    for (int64_t id : t.itemids) {
      a.itemids.push_back(id);
      a.rows.push_back(ItemRows(id));
      auto it = items_.find(id);
      if (it != items_.end()) a.labels.push_back(it->second.label + " (" + it->second.fluid + ")");
    }
  };
  if (kind == "lab" || kind == "micro") {
    const Resolution r = kind == "lab" ? catalog_.ResolveLab(query) : catalog_.ResolveMicro(query);
    DescribeMatch(catalog_, r, &a);
    switch (r.kind) {
      case Resolution::Kind::kUnrecognized:
        return a;
      case Resolution::Kind::kAmbiguous:
        a.status = "ambiguous";
        return a;
      case Resolution::Kind::kNotATest: {
        const NonTestItem& n = catalog_.non_tests()[r.index];
        a.status = "not_a_test";
        a.not_a_test = n.kind;
        a.itemids = {n.itemid};
        a.rows = {ItemRows(n.itemid)};
        a.labels = {n.label + " (" + n.fluid + ")"};
        return a;
      }
      default:
        break;
    }
    a.resolved = true;
    a.status = "resolved";
    if (r.kind == Resolution::Kind::kLabTest) {
      const LabConcept& t = catalog_.tests()[r.index];
      a.concept_name = t.name;
      a.display = t.Display();
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
      a.test_names = m.test_names;
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
    a.status = "resolved";
    a.concept_name = a.region->empty() ? *a.modality : *a.modality + " " + *a.region;
    return a;
  }
  if (kind == "ecg") {
    a.resolved = true;
    a.status = "resolved";
    a.concept_name = "ecg";
  }
  return a;
}

// ---- Episode -------------------------------------------------------------------

Result<Episode> Episode::Open(Store& store, const Environment& env, const Case& c) {
  if (!c.presentation) {
    return Status::BadInput(c.case_id +
                            ": a light case (no presentation) cannot open an episode: build it whole first");
  }
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
  if (env.has_ecg_module()) {
    MEDCRED_ASSIGN_OR_RETURN(e.ecgs_, store.EcgOfSubject(c.subject_id, from, to));
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
  // Every concept that holds a performed item: ordering "bicarbonate" or "serum bicarbonate" both hit.
  for (const auto& [itemid, r] : first_by_item_) {
    for (size_t k : env_->catalog().ConceptsOfItem(itemid)) out.insert(env_->catalog().tests()[k].name);
  }
  return out;
}

double Episode::performed_cost() const {
  const LabCatalog& cat = env_->catalog();
  const CostTable& costs = env_->costs();
  std::set<std::string> priced;
  double total = 0;
  auto add = [&](const std::string& key, const std::optional<Price>& price) {
    if (price && priced.insert(key).second) total += price->usd;
  };
  for (const auto& [itemid, r] : first_by_item_) {
    const auto& concepts = cat.ConceptsOfItem(itemid);
    if (concepts.empty()) continue;
    const std::string& name = cat.tests()[concepts.front()].name;
    add("lab:" + name, costs.Find("lab", name));
  }
  for (const MicroConcept& m : cat.micro()) {
    for (const MicroRecord& row : micro_) {
      if (!m.Matches(row.spec_type, row.test_name)) continue;
      add("micro:" + m.name, costs.Find("micro", m.name));
      break;
    }
  }
  for (const NoteRecord& rep : reports_) {
    const std::string title = ReportTitle(rep.text);
    std::string modality = cat.ImagingModality(title);
    if (modality.empty()) modality = "xray";
    add("imaging:" + modality + ":" + cat.ImagingRegion(title), costs.Find("imaging", modality));
  }
  if (!ecgs_.empty()) add("ecg", costs.Find("ecg", "ecg"));
  return total;
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
        a.invalid_orders += a.orders.back().status != OrderAnswer::Status::kResolved;
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
  const Presentation& p = *case_->presentation;
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
  const Presentation& p = *case_->presentation;
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

namespace {

// Fills an order that was not carried out because of its name; false when the name resolved.
bool NotCarriedOut(const LabCatalog& cat, const Resolution& res, OrderAnswer* o) {
  switch (res.kind) {
    case Resolution::Kind::kUnrecognized:
      o->status = OrderAnswer::Status::kUnrecognized;
      o->suggestions = res.suggestions;
      return true;
    case Resolution::Kind::kAmbiguous:
      o->status = OrderAnswer::Status::kAmbiguous;
      for (const auto& c : res.candidates) o->candidates.push_back(cat.TargetName(c.kind, c.index));
      return true;
    case Resolution::Kind::kNotATest:
      o->status = OrderAnswer::Status::kNotATest;
      o->not_a_test = cat.non_tests()[res.index].kind;
      return true;
    default:
      return false;
  }
}

}  // namespace

OrderAnswer Episode::Lab(const std::string& q) {
  const LabCatalog& cat = env_->catalog();
  OrderAnswer o;
  o.query = q;
  const Resolution res = cat.ResolveLab(q);
  if (NotCarriedOut(cat, res, &o)) {
    if (res.kind == Resolution::Kind::kUnrecognized) {
      const Resolution as_micro = cat.ResolveMicro(q);
      o.is_micro_order = as_micro.resolved() && !as_micro.spelling;
    }
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
  if (NotCarriedOut(cat, res, &o)) {
    if (res.kind == Resolution::Kind::kUnrecognized) {
      const Resolution as_lab = cat.ResolveLab(q);
      o.is_lab_order = as_lab.resolved() && !as_lab.spelling;
    }
    return o;
  }
  const MicroConcept& m = cat.micro()[res.index];
  o.status = OrderAnswer::Status::kResolved;
  o.interpreted = res.interpreted;
  o.concept_name = m.name;
  o.title = m.title;
  o.cost = Charge("micro:" + m.name, env_->costs().Find("micro", m.name));
  FirstSpecimen(m, &o);
  return o;
}

void Episode::FirstSpecimen(const MicroConcept& m, OrderAnswer* o) const {
  auto matches = [&](const MicroRecord& row) { return m.Matches(row.spec_type, row.test_name); };
  // The first specimen of this kind collected in the window.
  auto first = std::find_if(micro_.begin(), micro_.end(), matches);
  if (first == micro_.end()) return;
  o->performed = true;
  o->hours = Hours(first->time);
  o->specimen = first->spec_type;
  // Per test of that specimen, in the order met: organisms and susceptibilities, or the lab's comment.
  for (const auto& row : micro_) {
    if (row.specimen_id != first->specimen_id || !matches(row)) continue;
    auto test = std::find_if(o->tests.begin(), o->tests.end(),
                             [&](const MicroTestAnswer& t) { return t.test_name == row.test_name; });
    if (test == o->tests.end()) test = o->tests.insert(o->tests.end(), MicroTestAnswer{row.test_name, {}, ""});
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

namespace {

// A cart measurement as recorded, or nothing: MIMIC-IV-ECG writes 29999 for "not measured".
std::optional<double> Measured(const std::optional<double>& v) {
  if (!v || *v >= 29999 || *v <= -29999) return std::nullopt;
  return v;
}

// An interval between two fiducial points, when both were measured and it is positive.
std::optional<double> Interval(const std::optional<double>& from, const std::optional<double>& to) {
  const auto a = Measured(from), b = Measured(to);
  if (!a || !b || *b <= *a) return std::nullopt;
  return *b - *a;
}

}  // namespace

EcgAnswer Episode::Ecg(double* cost) {
  EcgAnswer a;
  a.has_ecg_module = env_->has_ecg_module();
  *cost += Charge("ecg", env_->costs().Find("ecg", "ecg"));
  if (!ecgs_.empty()) {
    // The first ECG in the window: the machine's report and measurements.
    const EcgRecord& e = ecgs_.front();
    a.performed = a.report = true;
    a.hours = Hours(e.ecg_time);
    a.lines = e.report;
    const auto rr = Measured(e.rr_interval);
    if (rr && *rr > 0) a.rate = 60000.0 / *rr;
    a.pr = Interval(e.p_onset, e.qrs_onset);
    a.qrs = Interval(e.qrs_onset, e.qrs_end);
    a.qt = Interval(e.qrs_onset, e.t_end);
    if (a.qt && rr && *rr > 0) a.qtc = *a.qt / std::sqrt(*rr / 1000.0);
    a.p_axis = Measured(e.p_axis);
    a.qrs_axis = Measured(e.qrs_axis);
    a.t_axis = Measured(e.t_axis);
    return a;
  }
  for (const auto& o : orders_) {
    if (!EqualsIgnoreCase(o.order_subtype, "ECG")) continue;
    a.performed = true;
    a.hours = Hours(o.ordertime);
    return a;
  }
  return a;
}

}  // namespace medcred

#include "environment/environment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/text.h"
#include "common/time.h"
#include "store/schema.h"

namespace medcred {
namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

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

// The answer line for a name the catalog cannot place, with its suggestions.
std::string Unrecognized(const std::string& query, const std::string& what,
                         const std::vector<std::string>& suggestions) {
  std::string t = "\"" + query + "\": unrecognized " + what;
  for (size_t i = 0; i < suggestions.size(); ++i) t += (i ? ", " : "; did you mean: ") + suggestions[i];
  return t + "\n";
}

const std::vector<std::string> kFindingsHeaders = {"FINDINGS:", "Findings:"};
const std::vector<std::string> kFindingsStops = {"IMPRESSION",   "CONCLUSION", "RECOMMENDATION",
                                                 "NOTIFICATION", "COMMENT",    "ADDENDUM"};
constexpr size_t kMaxReportChars = 2500;
constexpr size_t kMaxCommentChars = 300;

}  // namespace

std::string PresentationText(const nlohmann::json& p) {
  const nlohmann::json& a = p["arrival"];
  const std::string age = std::to_string(p["age"].get<int>());
  // "an 80-year-old", "an 18-year-old", "an 11-year-old"; "a" otherwise.
  const bool an = age[0] == '8' || age == "11" || age == "18";
  std::string t = std::string(an ? "An " : "A ") + age + "-year-old " +
                  (p["sex"] == "F"   ? std::string("woman")
                   : p["sex"] == "M" ? std::string("man")
                                     : std::string("patient")) +
                  " arrives at the hospital";
  t += a["route"] == "emergency department" ? " through the emergency department" : " as a direct admission";
  t += " (admission type " + a["admission_type"].get<std::string>() + ", from " +
       a["admission_location"].get<std::string>() + ")";
  if (a.contains("transport")) t += ", by " + a["transport"].get<std::string>();
  t += ".\n";
  if (p.contains("chief_complaint")) t += "Chief complaint: " + p["chief_complaint"].get<std::string>() + "\n";
  if (p.contains("triage_vitals") && !p["triage_vitals"].empty()) {
    std::string v;
    for (const auto& [k, val] : p["triage_vitals"].items()) {
      v += (v.empty() ? "" : ", ") + k + " " + (val.is_number() ? Number(val.get<double>()) : val.get<std::string>());
    }
    t += "Triage vital signs: " + v + "\n";
  }
  t += "Use the tools to work up the case, then submit the principal diagnosis.";
  return t;
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

nlohmann::json Environment::Resolve(const std::string& kind, const std::string& query) const {
  nlohmann::json j = {{"query", query},
                      {"kind", kind},
                      {"status", "unrecognized"},
                      {"concept", nullptr},
                      {"itemids", nlohmann::json::array()},
                      {"labels", nlohmann::json::array()},
                      {"suggestions", nlohmann::json::array()}};
  auto add_test = [&](const LabConcept& t) {
    for (int64_t id : t.itemids) {
      j["itemids"].push_back(id);
      auto it = items_.find(id);
      if (it != items_.end()) j["labels"].push_back(it->second.first + " (" + it->second.second + ")");
    }
  };
  if (kind == "lab" || kind == "micro") {
    Resolution r = kind == "lab" ? catalog_.ResolveLab(query) : catalog_.ResolveMicro(query);
    j["suggestions"] = r.suggestions;
    if (!r.resolved()) return j;
    j["status"] = "resolved";
    if (!r.interpreted.empty()) j["interpreted_as"] = r.interpreted;
    if (r.kind == Resolution::Kind::kLabTest) {
      const LabConcept& t = catalog_.tests()[r.index];
      j["concept"] = t.name;
      j["fluid"] = t.fluid;
      add_test(t);
    } else if (r.kind == Resolution::Kind::kLabPanel) {
      const LabPanel& p = catalog_.panels()[r.index];
      j["concept"] = p.name;
      j["title"] = p.title;
      j["components"] = nlohmann::json::array();
      for (size_t i : p.tests) {
        j["components"].push_back(catalog_.tests()[i].name);
        add_test(catalog_.tests()[i]);
      }
    } else {
      const MicroConcept& m = catalog_.micro()[r.index];
      j["concept"] = m.name;
      j["title"] = m.title;
      j["labels"] = m.spec_types;
    }
    return j;
  }
  if (kind == "imaging") {
    const std::string modality = catalog_.ImagingModality(query);
    const std::string region = catalog_.ImagingRegion(query);
    j["modality"] = modality;
    j["region"] = region;
    if (modality.empty()) {
      j["suggestions"] = {"x-ray", "CT", "ultrasound"};
      return j;
    }
    j["status"] = "resolved";
    j["concept"] = region.empty() ? modality : modality + " " + region;
    return j;
  }
  if (kind == "ecg") {
    j["status"] = "resolved";
    j["concept"] = "ecg";
    return j;
  }
  return j;
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

std::string Episode::Hours(int64_t t) const {
  const double h = static_cast<double>(t - t0_) / 3600.0;
  return (h >= 0 ? "+" : "") + Fixed(h, 1) + " h";
}

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

ToolResult Episode::Call(const ToolCall& call) {
  ToolResult r;
  switch (call.name) {
    case ToolName::kGetHistory:
      r = History();
      break;
    case ToolName::kPhysicalExam:
      r = Exam();
      break;
    case ToolName::kOrderLabs:
      r = Labs(call.tests);
      break;
    case ToolName::kOrderMicrobiology:
      r = Micro(call.tests);
      break;
    case ToolName::kOrderImaging:
      r = Imaging(call.modality, call.region);
      break;
    case ToolName::kOrderEcg:
      r = Ecg();
      break;
    case ToolName::kSubmitDiagnosis:
      r.text = "Diagnosis submitted.";
      r.record = call.ToJson();
      r.submitted = true;
      break;
  }
  r.record["tool"] = ToolNameString(call.name);
  r.record["cost"] = r.cost;
  invalid_orders_ += r.invalid_orders;
  return r;
}

ToolResult Episode::History() const {
  ToolResult r;
  const nlohmann::json& p = case_->presentation;
  std::string t;
  t += "Chief complaint: " +
       (p.contains("chief_complaint") ? p["chief_complaint"].get<std::string>()
                                      : std::string("not recorded (no ED triage in this dataset)")) +
       "\n";
  t += "History of present illness: " +
       (p.contains("hpi") ? p["hpi"].get<std::string>()
                          : std::string("not available (no discharge note text in this dataset)")) +
       "\n";
  t += "Past medical history (earlier admissions): ";
  if (p["past_history"].empty()) {
    t += "none recorded\n";
  } else {
    t += "\n";
    for (const auto& h : p["past_history"]) t += "- " + h.get<std::string>() + "\n";
  }
  t += "Home medications: ";
  if (home_meds_.empty()) {
    t +=
        env_->has_ed_module() ? "none recorded\n" : "not available (no ED medication reconciliation in this dataset)\n";
  } else {
    for (size_t i = 0; i < home_meds_.size(); ++i) t += (i ? ", " : "") + home_meds_[i];
    t += "\n";
  }
  r.text = t;
  r.record = {{"chief_complaint", p.value("chief_complaint", "")},
              {"hpi", p.contains("hpi")},
              {"past_history", p["past_history"].size()},
              {"home_medications", home_meds_.size()}};
  return r;
}

ToolResult Episode::Exam() const {
  ToolResult r;
  std::string t;
  const std::string exam = discharge_note_ ? ExtractExam(*discharge_note_, env_->rules()) : "";
  t += "Examination: " +
       (exam.empty() ? std::string(env_->has_note_module() ? "not recorded"
                                                           : "not available (no discharge note text in this dataset)")
                     : "\n" + exam) +
       "\n";
  t += "Vital signs:\n";
  int lines = 0;
  const nlohmann::json& p = case_->presentation;
  if (p.contains("triage_vitals") && !p["triage_vitals"].empty()) {
    std::string v;
    for (const auto& [k, val] : p["triage_vitals"].items()) {
      v += (v.empty() ? "" : ", ") + k + " " + (val.is_number() ? Number(val.get<double>()) : val.get<std::string>());
    }
    t += "- ED triage: " + v + "\n";
    ++lines;
  }
  std::set<int64_t> seen;
  for (const auto& v : vitals_) {
    if (!seen.insert(v.itemid).second) continue;
    const char* name = VitalSignName(v.itemid);
    if (*name == '\0') continue;
    t += std::string("- ") + name + ": " + (v.valuenum ? Number(*v.valuenum) : v.value) +
         (v.uom.empty() ? "" : " " + v.uom) + ", " + Hours(v.charttime) + "\n";
    ++lines;
  }
  std::set<std::string> omr_seen;
  for (const auto& o : omr_) {
    if (!omr_seen.insert(o.name).second) continue;
    t += "- " + o.name + ": " + o.value + " (outpatient record, " + FormatTimestamp(o.chartdate).substr(0, 10) +
         " day " + std::to_string((o.chartdate - (t0_ - t0_ % 86400)) / 86400) + ")\n";
    ++lines;
  }
  if (lines == 0) t += "- none recorded in the window\n";
  r.text = t;
  r.record = {{"exam", !exam.empty()}, {"vital_lines", lines}};
  return r;
}

ToolResult Episode::Labs(const std::vector<std::string>& tests) {
  ToolResult r;
  r.record["orders"] = nlohmann::json::array();
  const LabCatalog& cat = env_->catalog();
  auto result_line = [&](const LabConcept& k, nlohmann::json* rec) {
    const LabResultRecord* first = nullptr;
    for (int64_t id : k.itemids) {
      auto it = first_by_item_.find(id);
      if (it != first_by_item_.end() && (first == nullptr || it->second->charttime < first->charttime))
        first = it->second;
    }
    ordered_.insert(k.name);
    if (first == nullptr) {
      (*rec)["performed"] = false;
      return std::string("not performed");
    }
    std::string value = first->value;
    if (value.empty() && first->valuenum) value = Number(*first->valuenum);
    if (value == "___") value = "___ (value removed in the source record)";
    std::string line = value + (first->uom.empty() ? "" : " " + first->uom);
    if (first->ref_lower || first->ref_upper) {
      line += " (ref " + (first->ref_lower ? Number(*first->ref_lower) : std::string("")) + "-" +
              (first->ref_upper ? Number(*first->ref_upper) : std::string("")) + ")";
    }
    if (!first->flag.empty()) line += " " + Upper(first->flag);
    line += ", " + Hours(first->charttime);
    *rec = {{"performed", true},
            {"itemid", first->itemid},
            {"label", env_->ItemLabel(first->itemid)},
            {"value", first->value},
            {"unit", first->uom},
            {"flag", first->flag},
            {"hours", static_cast<double>(first->charttime - t0_) / 3600.0}};
    if (first->valuenum) (*rec)["valuenum"] = *first->valuenum;
    return line;
  };
  // A resolved order: its concept, charged once per episode (tests and panels alike).
  auto charge_order = [&](nlohmann::json* order, const std::string& name) {
    const double charged = Charge("lab:" + name, env_->costs().Find("lab", name));
    (*order)["status"] = "resolved";
    (*order)["concept"] = name;
    (*order)["cost"] = charged;
    r.cost += charged;
  };
  std::string t;
  for (const std::string& q : tests) {
    Resolution res = cat.ResolveLab(q);
    nlohmann::json order = {{"query", q}};
    const std::string read_as = res.interpreted.empty() ? "" : " (read as \"" + res.interpreted + "\")";
    if (!res.resolved()) {
      ++r.invalid_orders;
      order["status"] = "unrecognized";
      order["suggestions"] = res.suggestions;
      const Resolution as_micro = cat.ResolveMicro(q);
      const bool is_micro = as_micro.resolved() && as_micro.interpreted.empty();
      t += Unrecognized(q, is_micro ? "test (a microbiology order: use order_microbiology)" : "test", res.suggestions);
    } else if (res.kind == Resolution::Kind::kLabTest) {
      const LabConcept& k = cat.tests()[res.index];
      charge_order(&order, k.name);
      nlohmann::json rec;
      const std::string line = result_line(k, &rec);
      order["result"] = rec;
      const std::string label = rec.value("label", "");
      t += q + read_as + " [" + (label.empty() ? k.Display() : label) + "]: " + line + "\n";
    } else {
      const LabPanel& p = cat.panels()[res.index];
      charge_order(&order, p.name);
      order["results"] = nlohmann::json::array();
      t += q + read_as + " [" + p.title + "]:\n";
      for (size_t i : p.tests) {
        const LabConcept& k = cat.tests()[i];
        nlohmann::json rec;
        const std::string line = result_line(k, &rec);
        rec["concept"] = k.name;
        const std::string label = rec.value("label", "");
        t += "  " + (label.empty() ? k.Display() : label) + ": " + line + "\n";
        order["results"].push_back(rec);
      }
    }
    r.record["orders"].push_back(order);
  }
  r.text = t;
  return r;
}

ToolResult Episode::Micro(const std::vector<std::string>& tests) {
  ToolResult r;
  r.record["orders"] = nlohmann::json::array();
  const LabCatalog& cat = env_->catalog();
  std::string t;
  for (const std::string& q : tests) {
    Resolution res = cat.ResolveMicro(q);
    nlohmann::json order = {{"query", q}};
    if (!res.resolved()) {
      ++r.invalid_orders;
      order["status"] = "unrecognized";
      order["suggestions"] = res.suggestions;
      t += Unrecognized(q, "microbiology order", res.suggestions);
      r.record["orders"].push_back(order);
      continue;
    }
    const MicroConcept& m = cat.micro()[res.index];
    order["status"] = "resolved";
    order["concept"] = m.name;
    const double charged = Charge("micro:" + m.name, env_->costs().Find("micro", m.name));
    order["cost"] = charged;
    r.cost += charged;
    auto matches = [&](const MicroRecord& row) {
      const bool spec = std::any_of(m.spec_types.begin(), m.spec_types.end(),
                                    [&](const std::string& s) { return EqualsIgnoreCase(s, row.spec_type); });
      const bool test =
          m.test_names.empty() || std::any_of(m.test_names.begin(), m.test_names.end(),
                                              [&](const std::string& s) { return EqualsIgnoreCase(s, row.test_name); });
      return spec && test;
    };
    // The first specimen of this kind collected in the window.
    const MicroRecord* first = nullptr;
    for (const auto& row : micro_) {
      if (matches(row)) {
        first = &row;
        break;
      }
    }
    if (first == nullptr) {
      order["performed"] = false;
      t += q + " [" + m.title + "]: not performed\n";
      r.record["orders"].push_back(order);
      continue;
    }
    order["performed"] = true;
    order["hours"] = static_cast<double>(first->time - t0_) / 3600.0;
    t += q + " [" + m.title + "]: specimen " + first->spec_type + ", " + Hours(first->time) + "\n";
    // Per test of that specimen: organisms and susceptibilities, or the lab's comment.
    std::map<std::string, std::map<std::string, std::vector<std::string>>> by_test;  // test -> organism -> abx
    std::map<std::string, std::string> comments;
    std::vector<std::string> test_order;
    for (const auto& row : micro_) {
      if (row.specimen_id != first->specimen_id || !matches(row)) continue;
      if (!by_test.count(row.test_name)) test_order.push_back(row.test_name);
      auto& orgs = by_test[row.test_name];
      if (!row.org_name.empty()) {
        auto& abx = orgs[row.org_name];
        if (!row.ab_name.empty()) {
          abx.push_back(row.ab_name + " " + row.interpretation +
                        (row.dilution_text.empty() ? "" : " (" + row.dilution_text + ")"));
        }
      } else if (!row.comments.empty() && !comments.count(row.test_name)) {
        comments[row.test_name] = row.comments.substr(0, kMaxCommentChars);
      }
    }
    for (const auto& test : test_order) {
      const auto& orgs = by_test[test];
      t += "  " + test + ":";
      if (orgs.empty()) {
        t += " " + (comments.count(test) ? comments[test] : std::string("no growth")) + "\n";
        continue;
      }
      t += "\n";
      for (const auto& [org, abx] : orgs) {
        t += "    " + org;
        if (!abx.empty()) {
          t += "; susceptibilities: ";
          for (size_t i = 0; i < abx.size(); ++i) t += (i ? ", " : "") + abx[i];
        }
        t += "\n";
      }
    }
    r.record["orders"].push_back(order);
  }
  r.text = t;
  return r;
}

ToolResult Episode::Imaging(const std::string& modality_text, const std::string& region_text) {
  ToolResult r;
  const LabCatalog& cat = env_->catalog();
  std::string modality = cat.ImagingModality(modality_text);
  if (modality.empty()) modality = cat.ImagingModality(modality_text + " " + region_text);
  std::string region = cat.ImagingRegion(region_text);
  if (region.empty()) region = cat.ImagingRegion(modality_text);
  r.record = {
      {"modality_query", modality_text}, {"region_query", region_text}, {"modality", modality}, {"region", region}};
  if (modality.empty()) {
    ++r.invalid_orders;
    r.record["status"] = "unrecognized";
    r.text = "\"" + modality_text +
             "\": unrecognized imaging modality; use x-ray, CT, MRI, ultrasound, nuclear medicine, "
             "angiography, fluoroscopy or echo\n";
    return r;
  }
  r.record["status"] = "resolved";
  r.cost = Charge("imaging:" + modality + ":" + region, env_->costs().Find("imaging", modality));
  const std::string asked = modality + (region.empty() ? "" : " " + region);
  for (const auto& rep : reports_) {
    const std::string title = ReportTitle(rep.text);
    // Plain films are titled by region alone ("CHEST (PA AND LAT)").
    std::string report_modality = cat.ImagingModality(title);
    if (report_modality.empty()) report_modality = "xray";
    if (report_modality != modality) continue;
    if (!region.empty() && cat.ImagingRegion(title) != region) continue;
    std::string findings = ExtractSection(rep.text, kFindingsHeaders, kFindingsStops, kMaxReportChars);
    r.record["performed"] = true;
    r.record["hours"] = static_cast<double>(rep.charttime - t0_) / 3600.0;
    r.text = "Imaging (" + asked + "): " + title + ", " + Hours(rep.charttime) +
             "\nFindings: " + (findings.empty() ? std::string("(the report has no findings section)") : findings) +
             "\n";
    return r;
  }
  for (const auto& o : orders_) {
    if (cat.PoeModality(o.order_subtype) != modality) continue;
    r.record["performed"] = true;
    r.record["report"] = false;
    r.record["hours"] = static_cast<double>(o.ordertime - t0_) / 3600.0;
    r.text = "Imaging (" + asked + "): a " + o.order_subtype + " study was ordered at " + Hours(o.ordertime) +
             "; performed, no report text in this dataset" +
             (env_->has_note_module() ? " for this study" : " (the Note module is not loaded)") + ".\n";
    return r;
  }
  r.record["performed"] = false;
  r.text = "Imaging (" + asked + "): not performed\n";
  return r;
}

ToolResult Episode::Ecg() {
  ToolResult r;
  r.cost = Charge("ecg", env_->costs().Find("ecg", "ecg"));
  for (const auto& o : orders_) {
    if (!EqualsIgnoreCase(o.order_subtype, "ECG")) continue;
    r.record = {{"performed", true}, {"report", false}, {"hours", static_cast<double>(o.ordertime - t0_) / 3600.0}};
    r.text = "ECG: ordered at " + Hours(o.ordertime) + "; no ECG report is loaded in this dataset (MIMIC-IV-ECG).\n";
    return r;
  }
  r.record = {{"performed", false}};
  r.text = "ECG: not performed\n";
  return r;
}

}  // namespace medcred

#include "environment/answers.h"

#include "common/text.h"

namespace medcred {
namespace {

// The answer line for a name the catalog cannot place, with its suggestions.
std::string Unrecognized(const std::string& query, const std::string& what,
                         const std::vector<std::string>& suggestions) {
  std::string t = "\"" + query + "\": unrecognized " + what;
  for (size_t i = 0; i < suggestions.size(); ++i) t += (i ? ", " : "; did you mean: ") + suggestions[i];
  return t + "\n";
}

// "7.2 mmol/L (ref 3.5-5.1) ABNORMAL, +0.5 h" or "not performed".
std::string ResultLine(const LabResultAnswer& r) {
  if (!r.performed) return "not performed";
  std::string value = r.value;
  if (value.empty() && r.valuenum) value = FormatNumber(*r.valuenum);
  if (value == "___") value = "___ (value removed in the source record)";
  std::string line = value + (r.unit.empty() ? "" : " " + r.unit);
  if (r.ref_lower || r.ref_upper) {
    line += " (ref " + (r.ref_lower ? FormatNumber(*r.ref_lower) : std::string("")) + "-" +
            (r.ref_upper ? FormatNumber(*r.ref_upper) : std::string("")) + ")";
  }
  if (!r.flag.empty()) line += " " + Upper(r.flag);
  return line + ", " + HoursText(r.hours);
}

nlohmann::json ResultJson(const LabResultAnswer& r) {
  if (!r.performed) return {{"performed", false}};
  nlohmann::json j = {{"performed", true}, {"itemid", r.itemid}, {"label", r.label}, {"value", r.value},
                      {"unit", r.unit},    {"flag", r.flag},     {"hours", r.hours}};
  if (r.valuenum) j["valuenum"] = *r.valuenum;
  return j;
}

std::string ShownName(const LabResultAnswer& r) { return r.label.empty() ? r.display : r.label; }

// The answer line for an order that was not carried out because of its name: ambiguous, not a test, unknown.
std::string NotCarriedOut(const OrderAnswer& o, const std::string& what, const std::string& hint) {
  if (o.status == OrderAnswer::Status::kAmbiguous) {
    std::string t = "\"" + o.query + "\": ambiguous " + what + " name; it could be: ";
    for (size_t i = 0; i < o.candidates.size(); ++i) t += (i ? "; " : "") + o.candidates[i];
    return t + " (order one of them by name)\n";
  }
  if (o.status == OrderAnswer::Status::kNotATest) {
    return "\"" + o.query + "\": a specimen-handling entry, not a test (" + o.not_a_test + ")\n";
  }
  return Unrecognized(o.query, what + hint, o.suggestions);
}

// "Rate 75 bpm, PR 160 ms, ...": the ECG's measurements that were taken.
std::string EcgMeasurements(const EcgAnswer& e) {
  std::vector<std::string> parts;
  auto add = [&](const char* name, const std::optional<double>& v, const char* unit) {
    if (v) parts.push_back(std::string(name) + " " + FormatFixed(*v, 0) + unit);
  };
  add("rate", e.rate, " bpm");
  add("PR", e.pr, " ms");
  add("QRS", e.qrs, " ms");
  add("QT", e.qt, " ms");
  add("QTc", e.qtc, " ms (Bazett)");
  add("P axis", e.p_axis, "");
  add("QRS axis", e.qrs_axis, "");
  add("T axis", e.t_axis, "");
  std::string t;
  for (size_t i = 0; i < parts.size(); ++i) t += (i ? ", " : "") + parts[i];
  return t;
}

std::string EcgText(const EcgAnswer& e) {
  if (!e.performed) return "ECG: not performed\n";
  if (!e.report) {
    return "ECG: ordered at " + HoursText(e.hours) +
           (e.has_ecg_module ? "; MIMIC-IV-ECG holds no tracing of it.\n"
                             : "; no ECG report is loaded in this dataset (MIMIC-IV-ECG).\n");
  }
  std::string t = "ECG, " + HoursText(e.hours) + ", machine report:\n";
  for (const std::string& line : e.lines) t += "  " + line + "\n";
  if (e.lines.empty()) t += "  (no report text)\n";
  const std::string m = EcgMeasurements(e);
  t += "Measurements: " + (m.empty() ? std::string("none recorded") : m) + "\n";
  return t;
}

nlohmann::json EcgJson(const EcgAnswer& e) {
  nlohmann::json j = {{"performed", e.performed}};
  if (!e.performed) return j;
  j["report"] = e.report;
  j["hours"] = e.hours;
  if (!e.report) return j;
  j["lines"] = e.lines;
  const std::pair<const char*, const std::optional<double>*> fields[] = {
      {"rate", &e.rate}, {"pr", &e.pr},         {"qrs", &e.qrs},           {"qt", &e.qt},
      {"qtc", &e.qtc},   {"p_axis", &e.p_axis}, {"qrs_axis", &e.qrs_axis}, {"t_axis", &e.t_axis}};
  for (const auto& [name, v] : fields) {
    if (*v) j[name] = **v;
  }
  return j;
}

std::string HistoryText(const HistoryAnswer& h) {
  std::string t;
  t += "Chief complaint: " + h.chief_complaint.value_or("not recorded (no ED triage in this dataset)") + "\n";
  t += "History of present illness: " + h.hpi.value_or("not available (no discharge note text in this dataset)") + "\n";
  t += "Past medical history (earlier admissions): ";
  if (h.past_history.empty()) {
    t += "none recorded\n";
  } else {
    t += "\n";
    for (const auto& p : h.past_history) t += "- " + p + "\n";
  }
  t += "Home medications: ";
  if (h.home_medications.empty()) {
    t += h.has_ed_module ? "none recorded\n" : "not available (no ED medication reconciliation in this dataset)\n";
  } else {
    for (size_t i = 0; i < h.home_medications.size(); ++i) t += (i ? ", " : "") + h.home_medications[i];
    t += "\n";
  }
  return t;
}

std::string ExamText(const ExamAnswer& e) {
  std::string t = "Examination: ";
  if (!e.exam.empty()) {
    t += "\n" + e.exam;
  } else {
    t += e.has_note_module ? "not recorded" : "not available (no discharge note text in this dataset)";
  }
  t += "\nVital signs:\n";
  for (const VitalLine& v : e.vitals) t += v.text + "\n";
  if (e.vitals.empty()) t += "- none recorded in the window\n";
  return t;
}

std::string LabsText(const std::vector<OrderAnswer>& orders) {
  std::string t;
  for (const OrderAnswer& o : orders) {
    if (o.status != OrderAnswer::Status::kResolved) {
      t += NotCarriedOut(o, "test", o.is_micro_order ? " (a microbiology order: use order_microbiology)" : "");
      continue;
    }
    const std::string read_as = o.interpreted.empty() ? "" : " (read as \"" + o.interpreted + "\")";
    if (!o.panel) {
      const LabResultAnswer& r = o.results.front();
      t += o.query + read_as + " [" + ShownName(r) + "]: " + ResultLine(r) + "\n";
      continue;
    }
    t += o.query + read_as + " [" + o.title + "]:\n";
    for (const LabResultAnswer& r : o.results) t += "  " + ShownName(r) + ": " + ResultLine(r) + "\n";
  }
  return t;
}

std::string MicroText(const std::vector<OrderAnswer>& orders) {
  std::string t;
  for (const OrderAnswer& o : orders) {
    if (o.status != OrderAnswer::Status::kResolved) {
      t += NotCarriedOut(o, "microbiology order", o.is_lab_order ? " (a lab test: use order_labs)" : "");
      continue;
    }
    if (!o.performed) {
      t += o.query + " [" + o.title + "]: not performed\n";
      continue;
    }
    t += o.query + " [" + o.title + "]: specimen " + o.specimen + ", " + HoursText(o.hours) + "\n";
    for (const MicroTestAnswer& test : o.tests) {
      t += "  " + test.test_name + ":";
      if (test.organisms.empty()) {
        t += " " + (test.comment.empty() ? std::string("no growth") : test.comment) + "\n";
        continue;
      }
      t += "\n";
      for (const OrganismAnswer& org : test.organisms) {
        t += "    " + org.name;
        if (!org.susceptibilities.empty()) {
          t += "; susceptibilities: ";
          for (size_t i = 0; i < org.susceptibilities.size(); ++i) t += (i ? ", " : "") + org.susceptibilities[i];
        }
        t += "\n";
      }
    }
  }
  return t;
}

std::string ImagingText(const ImagingAnswer& a) {
  if (a.modality.empty()) {
    return "\"" + a.modality_query +
           "\": unrecognized imaging modality; use x-ray, CT, MRI, ultrasound, nuclear medicine, "
           "angiography, fluoroscopy or echo\n";
  }
  const std::string asked = a.modality + (a.region.empty() ? "" : " " + a.region);
  if (a.report) {
    return "Imaging (" + asked + "): " + a.title + ", " + HoursText(a.hours) +
           "\nFindings: " + (a.findings.empty() ? std::string("(the report has no findings section)") : a.findings) +
           "\n";
  }
  if (a.performed) {
    return "Imaging (" + asked + "): a " + a.order_subtype + " study was ordered at " + HoursText(a.hours) +
           "; performed, no report text in this dataset" +
           (a.has_note_module ? " for this study" : " (the Note module is not loaded)") + ".\n";
  }
  return "Imaging (" + asked + "): not performed\n";
}

}  // namespace

std::string HoursText(double hours) { return (hours >= 0 ? "+" : "") + FormatFixed(hours, 1) + " h"; }

std::string ToolAnswer::Text() const {
  switch (tool) {
    case ToolName::kGetHistory:
      return HistoryText(history);
    case ToolName::kPhysicalExam:
      return ExamText(exam);
    case ToolName::kOrderLabs:
      return LabsText(orders);
    case ToolName::kOrderMicrobiology:
      return MicroText(orders);
    case ToolName::kOrderImaging:
      return ImagingText(imaging);
    case ToolName::kOrderEcg:
      return EcgText(ecg);
    case ToolName::kSubmitDiagnosis:
      return "Diagnosis submitted.";
  }
  return "";
}

nlohmann::json ToolAnswer::ToJson() const {
  nlohmann::json j = nlohmann::json::object();
  switch (tool) {
    case ToolName::kGetHistory:
      j = {{"chief_complaint", history.chief_complaint.value_or("")},
           {"hpi", history.hpi.has_value()},
           {"past_history", history.past_history.size()},
           {"home_medications", history.home_medications.size()}};
      break;
    case ToolName::kPhysicalExam:
      j = {{"exam", !exam.exam.empty()}, {"vital_lines", exam.vitals.size()}};
      break;
    case ToolName::kOrderLabs:
    case ToolName::kOrderMicrobiology: {
      const bool labs = tool == ToolName::kOrderLabs;
      j["orders"] = nlohmann::json::array();
      for (const OrderAnswer& o : orders) {
        nlohmann::json order = {{"query", o.query}};
        if (o.status == OrderAnswer::Status::kUnrecognized) {
          order["status"] = "unrecognized";
          order["suggestions"] = o.suggestions;
        } else if (o.status == OrderAnswer::Status::kAmbiguous) {
          order["status"] = "ambiguous";
          order["candidates"] = o.candidates;
        } else if (o.status == OrderAnswer::Status::kNotATest) {
          order["status"] = "not_a_test";
          order["kind"] = o.not_a_test;
        } else {
          order["status"] = "resolved";
          order["concept"] = o.concept_name;
          order["cost"] = o.cost;
          if (!labs) {
            order["performed"] = o.performed;
            if (o.performed) order["hours"] = o.hours;
          } else if (!o.panel) {
            order["result"] = ResultJson(o.results.front());
          } else {
            order["results"] = nlohmann::json::array();
            for (const LabResultAnswer& r : o.results) {
              nlohmann::json rec = ResultJson(r);
              rec["concept"] = r.concept_name;
              order["results"].push_back(rec);
            }
          }
        }
        j["orders"].push_back(order);
      }
      break;
    }
    case ToolName::kOrderImaging:
      j = {{"modality_query", imaging.modality_query},
           {"region_query", imaging.region_query},
           {"modality", imaging.modality},
           {"region", imaging.region}};
      if (imaging.modality.empty()) {
        j["status"] = "unrecognized";
        break;
      }
      j["status"] = "resolved";
      j["performed"] = imaging.performed;
      if (imaging.performed) {
        j["hours"] = imaging.hours;
        if (!imaging.report) j["report"] = false;
      }
      break;
    case ToolName::kOrderEcg:
      j = EcgJson(ecg);
      break;
    case ToolName::kSubmitDiagnosis:
      j = submission.ToJson();
      break;
  }
  j["tool"] = ToolNameString(tool);
  j["cost"] = cost;
  return j;
}

}  // namespace medcred

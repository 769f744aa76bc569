#include "cases/presentation.h"

#include <algorithm>
#include <cctype>

#include "common/json_util.h"
#include "common/sha256.h"
#include "common/text.h"
#include "common/time.h"

namespace medcred {
namespace {

// The start of the sentence holding position `at`: just after the last
// sentence end (. ? ! followed by white space) or blank line before it, else 0.
size_t SentenceStart(const std::string& text, size_t at) {
  for (size_t i = at; i > 0; --i) {
    const char c = text[i - 1];
    const bool space_after = i < text.size() && std::isspace(static_cast<unsigned char>(text[i]));
    if ((c == '.' || c == '?' || c == '!') && space_after) return i;
    if (c == '\n' && i >= 2 && text[i - 2] == '\n') return i;
  }
  return 0;
}

int YearOf(int64_t t) { return std::stoi(FormatTimestamp(t).substr(0, 4)); }

}  // namespace

Result<PresentationRules> PresentationRules::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  return Parse(f);
}

Result<PresentationRules> PresentationRules::Parse(const DataFile& file) {
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  PresentationRules r;
  r.sha256 = file.sha256;
  auto v = root["version"].value<std::string>();
  if (!v) return Status::BadInput(file.path + ": version must be a string");
  r.version = *v;
  const toml::table* hpi = root["hpi"].as_table();
  if (hpi == nullptr) return Status::BadInput(file.path + ": [hpi] is missing");
  const std::string where = file.path + ": hpi";
  MEDCRED_ASSIGN_OR_RETURN(r.section_headers, TomlStrings((*hpi)["section_headers"], where + ".section_headers"));
  MEDCRED_ASSIGN_OR_RETURN(r.stop_line_prefixes,
                           TomlStrings((*hpi)["stop_line_prefixes"], where + ".stop_line_prefixes"));
  MEDCRED_ASSIGN_OR_RETURN(r.cut_markers, TomlStrings((*hpi)["cut_markers"], where + ".cut_markers"));
  MEDCRED_ASSIGN_OR_RETURN(r.cut_patterns, TomlStrings((*hpi)["cut_patterns"], where + ".cut_patterns", false));
  MEDCRED_ASSIGN_OR_RETURN(r.drop_patterns, TomlStrings((*hpi)["drop_patterns"], where + ".drop_patterns", false));
  auto compile = [&](const std::vector<std::string>& patterns,
                     const std::string& field) -> Result<std::shared_ptr<const std::vector<std::regex>>> {
    auto out = std::make_shared<std::vector<std::regex>>();
    for (size_t i = 0; i < patterns.size(); ++i) {
      try {
        out->emplace_back(patterns[i], std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
      } catch (const std::regex_error& e) {
        return Status::BadInput(where + "." + field + "[" + std::to_string(i) + "]: not a valid pattern (" + e.what() +
                                "): " + patterns[i]);
      }
    }
    return std::shared_ptr<const std::vector<std::regex>>(std::move(out));
  };
  MEDCRED_ASSIGN_OR_RETURN(r.cut_regex, compile(r.cut_patterns, "cut_patterns"));
  MEDCRED_ASSIGN_OR_RETURN(r.drop_regex, compile(r.drop_patterns, "drop_patterns"));
  auto max = (*hpi)["max_chars"].value<int64_t>();
  if (!max || *max < 100) return Status::BadInput(where + ".max_chars must be an integer of at least 100");
  r.max_chars = static_cast<size_t>(*max);
  const toml::table* exam = root["exam"].as_table();
  if (exam == nullptr) return Status::BadInput(file.path + ": [exam] is missing");
  const std::string ew = file.path + ": exam";
  MEDCRED_ASSIGN_OR_RETURN(r.exam_headers, TomlStrings((*exam)["section_headers"], ew + ".section_headers"));
  MEDCRED_ASSIGN_OR_RETURN(r.exam_stop_line_prefixes,
                           TomlStrings((*exam)["stop_line_prefixes"], ew + ".stop_line_prefixes"));
  auto emax = (*exam)["max_chars"].value<int64_t>();
  if (!emax || *emax < 100) return Status::BadInput(ew + ".max_chars must be an integer of at least 100");
  r.exam_max_chars = static_cast<size_t>(*emax);
  if (const toml::table* audit = root["audit"].as_table()) {
    const std::string aw = file.path + ": audit";
    MEDCRED_ASSIGN_OR_RETURN(r.audit_rule, TomlText((*audit)["rule"], aw + ".rule"));
    MEDCRED_ASSIGN_OR_RETURN(r.audit_terms_file, TomlText((*audit)["terms_file"], aw + ".terms_file"));
    MEDCRED_ASSIGN_OR_RETURN(r.audit_lexicon_file, TomlText((*audit)["lexicon_file"], aw + ".lexicon_file"));
  }
  return r;
}

namespace {

// The text under the first of `headers` that opens a line, up to the first
// line starting with one of `stops` (case-insensitive); npos start when none.
std::string Section(const std::string& note, const std::vector<std::string>& headers,
                    const std::vector<std::string>& stops) {
  const std::string lower = Lower(note);
  size_t start = std::string::npos;
  for (const auto& h : headers) {
    const std::string lh = Lower(h);
    for (size_t at = lower.find(lh); at != std::string::npos; at = lower.find(lh, at + 1)) {
      if (at == 0 || note[at - 1] == '\n') {
        start = at + h.size();
        break;
      }
    }
    if (start != std::string::npos) break;
  }
  if (start == std::string::npos) return "";
  size_t end = note.size();
  for (size_t line = note.find('\n', start); line != std::string::npos; line = note.find('\n', line + 1)) {
    const std::string_view rest = std::string_view(note).substr(line + 1);
    const bool stop =
        std::any_of(stops.begin(), stops.end(), [&](const std::string& p) { return StartsWithIgnoreCase(rest, p); });
    if (stop) {
      end = line;
      break;
    }
  }
  return note.substr(start, end - start);
}

std::string Limit(std::string text, size_t max_chars) {
  if (text.size() > max_chars) {
    size_t at = text.rfind(' ', max_chars);
    text = text.substr(0, at == std::string::npos ? max_chars : at) + " ...";
  }
  return Trim(text);
}

}  // namespace

std::vector<std::pair<size_t, size_t>> SplitSentences(const std::string& text) {
  static const char* const kTitles[] = {"mr", "mrs", "ms", "dr", "drs", "st", "vs", "approx", "pt", "e.g", "i.e"};
  std::vector<std::pair<size_t, size_t>> out;
  size_t begin = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    bool end = false;
    if ((c == '.' || c == '?' || c == '!') && i + 1 < text.size() &&
        std::isspace(static_cast<unsigned char>(text[i + 1]))) {
      end = true;
      if (c == '.') {
        size_t w = i;
        while (w > begin && !std::isspace(static_cast<unsigned char>(text[w - 1]))) --w;
        const std::string word = Lower(text.substr(w, i - w));
        for (const char* t : kTitles) end = end && word != t;
      }
    } else if (c == '\n' && i + 1 < text.size() && text[i + 1] == '\n') {
      end = true;
    }
    if (!end) continue;
    size_t j = i + 1;
    while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    out.emplace_back(begin, j);
    begin = j;
    i = j - 1;
  }
  if (begin < text.size()) out.emplace_back(begin, text.size());
  return out;
}

namespace {

bool AnyMatch(const std::shared_ptr<const std::vector<std::regex>>& patterns, const std::string& sentence) {
  if (!patterns) return false;
  for (const std::regex& re : *patterns) {
    if (std::regex_search(sentence, re)) return true;
  }
  return false;
}

}  // namespace

std::string ExtractHpi(const std::string& note, const PresentationRules& rules) {
  std::string hpi = Section(note, rules.section_headers, rules.stop_line_prefixes);
  // Cut at the first marker of the ED course or of a stated diagnosis, from the
  // start of the sentence holding it: "CT showed a mass and she was found to
  // have ..." loses the whole sentence, not only the words after the marker.
  const std::string hpi_lower = Lower(hpi);
  size_t cut = hpi.size();
  for (const auto& m : rules.cut_markers) cut = std::min(cut, hpi_lower.find(Lower(m)));
  if (cut < hpi.size()) cut = SentenceStart(hpi, cut);
  hpi.resize(std::min(cut, hpi.size()));
  if ((rules.cut_regex && !rules.cut_regex->empty()) || (rules.drop_regex && !rules.drop_regex->empty())) {
    // v2: sentence by sentence, so a dropped sentence leaves the ones after it.
    std::string kept;
    for (const auto& [b, e] : SplitSentences(hpi)) {
      const std::string sentence = Trim(hpi.substr(b, e - b));
      if (AnyMatch(rules.cut_regex, sentence)) break;
      if (AnyMatch(rules.drop_regex, sentence)) continue;
      kept += hpi.substr(b, e - b);
    }
    hpi = std::move(kept);
  }
  return Limit(hpi, rules.max_chars);
}

std::string ExtractSection(const std::string& text, const std::vector<std::string>& headers,
                           const std::vector<std::string>& stops, size_t max_chars) {
  return Limit(Section(text, headers, stops), max_chars);
}

std::string ExtractExam(const std::string& note, const PresentationRules& rules) {
  return Limit(Section(note, rules.exam_headers, rules.exam_stop_line_prefixes), rules.exam_max_chars);
}

std::vector<std::pair<std::string, std::string>> TriageVitals::Named() const {
  std::vector<std::pair<std::string, std::string>> out;
  auto put = [&](const char* name, const std::optional<double>& v) {
    if (v) out.emplace_back(name, FormatNumber(*v));
  };
  put("acuity", acuity);
  put("diastolic_bp", diastolic_bp);
  put("heart_rate", heart_rate);
  put("o2_saturation", o2_saturation);
  if (pain) out.emplace_back("pain", *pain);
  put("respiratory_rate", respiratory_rate);
  put("systolic_bp", systolic_bp);
  put("temperature_f", temperature_f);
  return out;
}

nlohmann::json Presentation::ToJson() const {
  nlohmann::json p = nlohmann::json::object();
  p["age"] = age;
  p["sex"] = sex;
  nlohmann::json a = {{"route", arrival.route},
                      {"admission_type", arrival.admission_type},
                      {"admission_location", arrival.admission_location}};
  if (!arrival.transport.empty()) a["transport"] = arrival.transport;
  p["arrival"] = a;
  p["past_history"] = past_history;
  if (chief_complaint) p["chief_complaint"] = *chief_complaint;
  if (triage_vitals) {
    nlohmann::json v = nlohmann::json::object();
    auto put = [&](const char* k, const std::optional<double>& x) {
      if (x) v[k] = *x;
    };
    put("temperature_f", triage_vitals->temperature_f);
    put("heart_rate", triage_vitals->heart_rate);
    put("respiratory_rate", triage_vitals->respiratory_rate);
    put("o2_saturation", triage_vitals->o2_saturation);
    put("systolic_bp", triage_vitals->systolic_bp);
    put("diastolic_bp", triage_vitals->diastolic_bp);
    put("acuity", triage_vitals->acuity);
    if (triage_vitals->pain) v["pain"] = *triage_vitals->pain;
    p["triage_vitals"] = v;
  }
  if (hpi) p["hpi"] = *hpi;
  return p;
}

Result<Presentation> Presentation::FromJson(const nlohmann::json& j, const std::string& where) {
  JsonFields f(j, where + ": presentation");
  Presentation p;
  p.age = static_cast<int>(f.Int("age"));
  p.sex = f.Str("sex");
  JsonFields a(f.Obj("arrival"), where + ": presentation.arrival");
  p.arrival.route = a.Str("route");
  p.arrival.admission_type = a.Str("admission_type");
  p.arrival.admission_location = a.Str("admission_location");
  p.arrival.transport = a.StrOr("transport", "");
  p.past_history = f.Strs("past_history");
  p.chief_complaint = f.OptStr("chief_complaint");
  p.hpi = f.OptStr("hpi");
  if (f.Has("triage_vitals")) {
    JsonFields v(f.Obj("triage_vitals"), where + ": presentation.triage_vitals");
    TriageVitals t;
    t.temperature_f = v.OptNum("temperature_f");
    t.heart_rate = v.OptNum("heart_rate");
    t.respiratory_rate = v.OptNum("respiratory_rate");
    t.o2_saturation = v.OptNum("o2_saturation");
    t.systolic_bp = v.OptNum("systolic_bp");
    t.diastolic_bp = v.OptNum("diastolic_bp");
    t.acuity = v.OptNum("acuity");
    t.pain = v.OptStr("pain");
    MEDCRED_RETURN_IF_ERROR(v.status());
    p.triage_vitals = t;
  }
  MEDCRED_RETURN_IF_ERROR(a.status());
  MEDCRED_RETURN_IF_ERROR(f.status());
  return p;
}

std::string Presentation::Sha256() const { return Sha256::Hex(SafeDump(ToJson())); }

Presentation BuildPresentation(const PresentationInputs& in, const PresentationRules& rules) {
  const AdmissionRecord& a = *in.admission;
  Presentation p;
  // anchor_age is the age in anchor_year; ages are capped at 91 in MIMIC.
  p.age = in.patient->anchor_age + (YearOf(a.admittime) - in.patient->anchor_year);
  p.sex = in.patient->gender;
  p.arrival.route = a.edregtime ? "emergency department" : "direct admission";
  p.arrival.admission_type = a.admission_type;
  p.arrival.admission_location = a.admission_location;
  if (in.triage) p.arrival.transport = in.triage->arrival_transport;
  p.past_history = in.past_history;
  if (in.triage) {
    const TriageRecord& t = *in.triage;
    if (!t.chiefcomplaint.empty()) p.chief_complaint = t.chiefcomplaint;
    TriageVitals v;
    v.temperature_f = t.temperature;
    v.heart_rate = t.heartrate;
    v.respiratory_rate = t.resprate;
    v.o2_saturation = t.o2sat;
    v.systolic_bp = t.sbp;
    v.diastolic_bp = t.dbp;
    v.acuity = t.acuity;
    if (!t.pain.empty()) v.pain = t.pain;
    p.triage_vitals = v;
  }
  if (in.discharge_note) {
    std::string hpi = ExtractHpi(*in.discharge_note, rules);
    if (!hpi.empty()) p.hpi = hpi;
  }
  return p;
}

}  // namespace medcred

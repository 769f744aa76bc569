// Presentation: what the model is shown at arrival (docs/methodology.md#what-the-model-sees).
//
// BuildPresentation() takes only what may be shown: the patient, this
// admission's arrival fields (type, location, ED registration), ED triage, the
// discharge note (reduced here to its HPI, cut before the ED course and any
// later section) and the diagnoses of admissions that ended before this
// arrival. It is never given this admission's diagnoses, DRG, services,
// transfers, discharge or death, so it cannot show them.
//
// Thread safety: immutable rules; pure functions.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/data_file.h"
#include "common/status.h"
#include "store/records.h"

namespace medcred {

struct PresentationRules {
  std::string version;
  std::string sha256;
  std::vector<std::string> section_headers;
  std::vector<std::string> stop_line_prefixes;
  std::vector<std::string> cut_markers;  // v1: plain text; from the sentence holding one to the end
  // v2: ECMAScript patterns (ignoring case), matched within one sentence.
  std::vector<std::string> cut_patterns;   // drop the sentence and everything after it
  std::vector<std::string> drop_patterns;  // drop only the sentence
  size_t max_chars = 3000;
  // [exam]: the admission physical exam (the environment's physical_exam tool).
  std::vector<std::string> exam_headers;
  std::vector<std::string> exam_stop_line_prefixes;
  size_t exam_max_chars = 3000;
  // [audit] (v2): the inclusion rule a case whose visible text names its
  // principal diagnosis is excluded under, and the data files of the audit
  // (cases/audit.h). Empty `audit_rule`: no audit (v1).
  std::string audit_rule, audit_terms_file, audit_lexicon_file;

  // Compiled cut_patterns and drop_patterns (shared: immutable).
  std::shared_ptr<const std::vector<std::regex>> cut_regex, drop_regex;

  static Result<PresentationRules> Load(const std::string& file_name = "presentation-v2.toml");
  static Result<PresentationRules> Parse(const DataFile& file);
};

// The HPI section of a discharge note under `rules`; empty when there is none.
std::string ExtractHpi(const std::string& note, const PresentationRules& rules);
// The sentences of `text` as [begin, end) spans covering it: a sentence ends
// after . ? or ! followed by white space (not after a title such as "Mr." or
// "Dr.") or at a blank line; each span holds its trailing white space.
std::vector<std::pair<size_t, size_t>> SplitSentences(const std::string& text);
// The text under the first of `headers` that opens a line, to the first line
// starting with one of `stops` (both case-insensitive), trimmed and cut to
// `max_chars` at a word boundary; empty when no header is found.
std::string ExtractSection(const std::string& text, const std::vector<std::string>& headers,
                           const std::vector<std::string>& stops, size_t max_chars);
// The admission physical exam of a discharge note; empty when there is none.
std::string ExtractExam(const std::string& note, const PresentationRules& rules);

struct PresentationInputs {
  const PatientRecord* patient = nullptr;
  const AdmissionRecord* admission = nullptr;
  std::optional<TriageRecord> triage;         // ED module
  std::optional<std::string> discharge_note;  // Note module
  std::vector<std::string> past_history;      // titles from earlier admissions, in order
};

// How the patient arrived.
struct Arrival {
  std::string route;  // "emergency department" or "direct admission"
  std::string admission_type, admission_location;
  std::string transport;  // ED triage's arrival transport; empty when unknown
};

// The first vital signs of ED triage; each absent when not charted.
struct TriageVitals {
  std::optional<double> temperature_f, heart_rate, respiratory_rate, o2_saturation, systolic_bp, diastolic_bp, acuity;
  std::optional<std::string> pain;
  // (name, text) in the order they are shown and stored (by name).
  std::vector<std::pair<std::string, std::string>> Named() const;
};

// What the model is shown at arrival (docs/methodology.md#what-the-model-sees): never this admission's
// diagnoses, DRG, services, transfers, discharge or death.
struct Presentation {
  int age = 0;
  std::string sex;  // F, M or as recorded
  Arrival arrival;
  std::vector<std::string> past_history;       // titles from earlier admissions, in order
  std::optional<std::string> chief_complaint;  // ED module
  std::optional<TriageVitals> triage_vitals;   // ED module
  std::optional<std::string> hpi;              // Note module

  // A JSON object with sorted keys: age, sex, arrival {route, admission_type,
  // admission_location[, transport]}, past_history, and when available
  // chief_complaint, triage_vitals, hpi (`cases --jsonl`).
  nlohmann::json ToJson() const;
  static Result<Presentation> FromJson(const nlohmann::json& j, const std::string& where);
  // SHA-256 of ToJson()'s compact text: an episode records it, so its case can
  // be checked against the store's.
  std::string Sha256() const;
};

Presentation BuildPresentation(const PresentationInputs& in, const PresentationRules& rules);

}  // namespace medcred

// Tool answers: what the environment found for one tool call, as a typed value
// computed once and rendered twice, to text for the model (Text()) and to
// JSON for the episode's transcript (ToJson()).
//
// The JSON keeps only what the transcript records (the result of each order,
// never the whole record of the patient); the text is exactly what the model
// reads. Both are pure functions of the answer, so what the model was shown
// can be reproduced from the typed value alone.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "environment/protocol.h"

namespace medcred {

// The first result of one lab concept in the window, or "not performed".
struct LabResultAnswer {
  std::string concept_name;  // the concept (shown for the components of a panel)
  std::string display;       // the concept's name as shown when it has no result
  bool performed = false;
  int64_t itemid = 0;
  std::string label;  // d_labitems label of the itemid that answered
  std::string value, unit, flag;
  std::optional<double> valuenum, ref_lower, ref_upper;
  double hours = 0;  // from arrival
};

// One organism of a culture, with its susceptibilities ("CEFTRIAXONE S (<=1)").
struct OrganismAnswer {
  std::string name;
  std::vector<std::string> susceptibilities;
};

// One test of a microbiology specimen: organisms, or the lab's comment.
struct MicroTestAnswer {
  std::string test_name;
  std::vector<OrganismAnswer> organisms;
  std::string comment;  // when no organism: the lab's comment, else "no growth"
};

// One name in an order_labs or order_microbiology call.
struct OrderAnswer {
  std::string query;
  // kAmbiguous: a spelling that could name several analytes (none is guessed);
  // kNotATest: a d_labitems row that is not a test (a tube hold, a specimen handling row).
  enum class Status { kResolved, kUnrecognized, kAmbiguous, kNotATest } status = Status::kUnrecognized;
  std::vector<std::string> suggestions;  // unrecognized: up to 3
  std::vector<std::string> candidates;   // ambiguous: the names it could mean
  std::string not_a_test;                // not a test: what the row is ("a specimen tube held in the lab")
  bool is_micro_order = false;           // an unrecognized lab name that is a microbiology order
  bool is_lab_order = false;             // an unrecognized microbiology name that is a lab test
  std::string interpreted;               // the alias a misspelled query was read as
  std::string concept_name;              // resolved: the catalog concept
  std::string title;                     // panels and microbiology: the concept's title
  double cost = 0;                       // charged for this name (0 when already charged)
  bool panel = false;
  std::vector<LabResultAnswer> results;  // labs: one for a test, one per component of a panel
  // Microbiology: the first specimen of this kind in the window.
  bool performed = false;
  double hours = 0;
  std::string specimen;
  std::vector<MicroTestAnswer> tests;
};

struct HistoryAnswer {
  std::optional<std::string> chief_complaint, hpi;
  std::vector<std::string> past_history, home_medications;
  bool has_ed_module = false;
};

// One line of the vital signs physical_exam shows.
struct VitalLine {
  std::string text;  // "- heart rate: 88 bpm, +0.5 h"
};

struct ExamAnswer {
  std::string exam;  // the admission exam of the discharge note; empty when none
  bool has_note_module = false;
  std::vector<VitalLine> vitals;
};

struct ImagingAnswer {
  std::string modality_query, region_query;
  std::string modality, region;  // as read; modality empty when unrecognized
  bool performed = false;
  bool report = false;  // a report's findings are shown
  double hours = 0;
  std::string title, findings;  // with a report
  std::string order_subtype;    // ordered (POE) without a report
  bool has_note_module = false;
};

// The first ECG in the window. With the ECG module, the machine's report and
// measurements (intervals in ms, derived as a cart reads them); without it,
// whether one was ordered (POE).
struct EcgAnswer {
  bool performed = false;
  double hours = 0;
  bool has_ecg_module = false;
  bool report = false;  // the machine report and measurements below are shown
  std::vector<std::string> lines;
  std::optional<double> rate, pr, qrs, qt, qtc, p_axis, qrs_axis, t_axis;
};

// The answer to one tool call.
struct ToolAnswer {
  ToolName tool = ToolName::kGetHistory;
  double cost = 0;         // dollars charged by this call
  int invalid_orders = 0;  // unrecognized test names, unknown modalities
  HistoryAnswer history;
  ExamAnswer exam;
  std::vector<OrderAnswer> orders;  // order_labs, order_microbiology
  ImagingAnswer imaging;
  EcgAnswer ecg;
  ToolCall submission;  // submit_diagnosis

  bool submitted() const { return tool == ToolName::kSubmitDiagnosis; }
  // What the model reads.
  std::string Text() const;
  // The transcript's record: {"tool", "cost", ...} with the fields of the tool.
  nlohmann::json ToJson() const;
};

// "+1.5 h", "-3.0 h": hours from arrival as the model reads them.
std::string HoursText(double hours);

}  // namespace medcred

// The clinical environment (SPEC 5): the tools of protocol v1 answering with
// the patient's real results from the store.
//
// Environment holds what every episode shares: the lab catalog bound to the
// store's d_labitems, the cost table, the presentation rules and the window.
// An Episode is one case: Open() reads everything the patient's record holds in
// the diagnostic window [t0 - before, t0 + after] (labs matched by subject and
// time, so ED labs without hadm_id count), then each tool call is answered from
// memory: the first result per test, hours from arrival, or "not performed".
//
// Thread safety: an Environment is immutable once built and may be shared by
// many threads; an Episode belongs to one thread.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/case_builder.h"
#include "cases/presentation.h"
#include "common/status.h"
#include "environment/catalog.h"
#include "environment/cost_table.h"
#include "environment/protocol.h"
#include "store/store.h"

namespace medcred {

struct WindowHours {
  int before = 24;
  int after = 48;
};

class Environment {
 public:
  // Binds the catalog to the store's d_labitems and notes which modules the
  // store holds (report text needs the Note module).
  static Result<Environment> Create(Store& store, LabCatalog catalog, CostTable costs, PresentationRules rules,
                                    WindowHours window);

  const LabCatalog& catalog() const { return catalog_; }
  const CostTable& costs() const { return costs_; }
  const PresentationRules& rules() const { return rules_; }
  const WindowHours& window() const { return window_; }
  bool has_note_module() const { return has_note_; }
  bool has_ed_module() const { return has_ed_; }
  // d_labitems label and fluid of an itemid ("" when unknown).
  std::string ItemLabel(int64_t itemid) const;

  // What `medcred resolve` prints (SPEC 11): {"query", "kind", "status",
  // "concept", "itemids", "labels", "suggestions"} and, where they apply,
  // "interpreted_as", "components", "modality", "region".
  nlohmann::json Resolve(const std::string& kind, const std::string& query) const;

 private:
  LabCatalog catalog_;
  CostTable costs_;
  PresentationRules rules_;
  WindowHours window_;
  bool has_note_ = false, has_ed_ = false;
  std::map<int64_t, std::pair<std::string, std::string>> items_;  // itemid -> (label, fluid)
};

// The presentation at arrival as the text of the episode's first user message.
std::string PresentationText(const nlohmann::json& presentation);

// The answer to one tool call.
struct ToolResult {
  std::string text;        // what the model reads
  nlohmann::json record;   // the structured account for the transcript
  double cost = 0;         // dollars charged by this call
  int invalid_orders = 0;  // unrecognized test names, unknown modalities
  bool submitted = false;  // submit_diagnosis: the episode ends
};

class Episode {
 public:
  // `env` and `c` must outlive the episode.
  static Result<Episode> Open(Store& store, const Environment& env, const Case& c);
  Episode(Episode&&) = default;
  Episode& operator=(Episode&&) = default;
  Episode(const Episode&) = delete;  // first_by_item_ points into labs_
  Episode& operator=(const Episode&) = delete;

  ToolResult Call(const ToolCall& call);

  double cost() const { return cost_; }
  int invalid_orders() const { return invalid_orders_; }
  // Lab concepts ordered (tests, and the tests of panels), by catalog name.
  const std::set<std::string>& ordered_lab_concepts() const { return ordered_; }
  // Lab concepts with a result in the window: what the clinicians ran.
  std::set<std::string> performed_lab_concepts() const;

 private:
  Episode() = default;
  ToolResult History() const;
  ToolResult Exam() const;
  ToolResult Labs(const std::vector<std::string>& tests);
  ToolResult Micro(const std::vector<std::string>& tests);
  ToolResult Imaging(const std::string& modality, const std::string& region);
  ToolResult Ecg();
  // Charges `price` once per key; returns what was charged.
  double Charge(const std::string& key, const std::optional<Price>& price);
  std::string Hours(int64_t t) const;

  const Environment* env_ = nullptr;
  const Case* case_ = nullptr;
  int64_t t0_ = 0;
  std::vector<LabResultRecord> labs_;
  std::vector<MicroRecord> micro_;
  std::vector<OrderRecord> orders_;
  std::vector<NoteRecord> reports_;
  std::vector<VitalRecord> vitals_;
  std::vector<OmrRecord> omr_;
  std::vector<std::string> home_meds_;
  std::optional<std::string> discharge_note_;
  std::map<int64_t, const LabResultRecord*> first_by_item_;  // the first result of each itemid
  std::set<std::string> charged_, ordered_;
  double cost_ = 0;
  int invalid_orders_ = 0;
};

}  // namespace medcred

// The clinical environment (docs/methodology.md#the-episode): the tools of protocol v1 answering with
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
#include "environment/answers.h"
#include "environment/catalog.h"
#include "environment/cost_table.h"
#include "environment/protocol.h"
#include "store/store.h"

namespace medcred {

struct WindowHours {
  int before = 24;
  int after = 48;
};

// What a query resolves to, as `medcred resolve` shows it.
struct ResolveAnswer {
  std::string query, kind;
  bool resolved = false;
  std::string concept_name;  // empty when unrecognized
  std::vector<int64_t> itemids;
  std::vector<std::string> labels;  // "Potassium (Blood)"; microbiology: its spec_type_desc values
  std::vector<std::string> suggestions;
  std::string interpreted_as;           // a misspelling's reading
  std::string fluid, title;             // a test's fluid; a panel's or microbiology order's title
  std::vector<std::string> components;  // a panel's tests
  bool panel = false, micro = false;
  std::optional<std::string> modality, region;  // imaging

  // docs/cli.md#machine-readable-outputs: {"query", "kind", "status", "concept", "itemids", "labels",
  // "suggestions"} and, where they apply, "interpreted_as", "fluid", "title",
  // "components", "modality", "region".
  nlohmann::json ToJson() const;
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

  // What the environment would do with a query (`medcred resolve`).
  ResolveAnswer Resolve(const std::string& kind, const std::string& query) const;

 private:
  LabCatalog catalog_;
  CostTable costs_;
  PresentationRules rules_;
  WindowHours window_;
  bool has_note_ = false, has_ed_ = false;
  std::map<int64_t, std::pair<std::string, std::string>> items_;  // itemid -> (label, fluid)
};

// The presentation at arrival as the text of the episode's first user message.
std::string PresentationText(const Presentation& presentation);

class Episode {
 public:
  // `env` and `c` must outlive the episode.
  static Result<Episode> Open(Store& store, const Environment& env, const Case& c);
  Episode(Episode&&) = default;
  Episode& operator=(Episode&&) = default;
  Episode(const Episode&) = delete;  // first_by_item_ points into labs_
  Episode& operator=(const Episode&) = delete;

  ToolAnswer Call(const ToolCall& call);

  double cost() const { return cost_; }
  int invalid_orders() const { return invalid_orders_; }
  // Lab concepts ordered (tests, and the tests of panels), by catalog name.
  const std::set<std::string>& ordered_lab_concepts() const { return ordered_; }
  // Lab concepts with a result in the window: what the clinicians ran.
  std::set<std::string> performed_lab_concepts() const;

 private:
  Episode() = default;
  HistoryAnswer History() const;
  ExamAnswer Exam() const;
  // Resolves one lab name, charges it and finds its first results.
  OrderAnswer Lab(const std::string& query);
  // The first result of a concept in the window.
  LabResultAnswer FirstResult(const LabConcept& concept_def);
  // Resolves one microbiology order, charges it and reads its first specimen.
  OrderAnswer Micro(const std::string& query);
  ImagingAnswer Imaging(const std::string& modality, const std::string& region, double* cost, int* invalid);
  EcgAnswer Ecg(double* cost);
  // Charges `price` once per key; returns what was charged.
  double Charge(const std::string& key, const std::optional<Price>& price);
  double Hours(int64_t t) const;

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

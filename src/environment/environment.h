// The clinical environment (docs/methodology.md#the-episode): the tools of protocol v1 answering with
// the patient's real results from the store.
//
// Environment holds what every episode shares: the lab catalog bound to the
// store's d_labitems and microbiology tests, the cost table, the presentation
// rules and the window.
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
#include <unordered_map>
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
  // One analyte an ambiguous name could mean.
  struct Candidate {
    std::string concept_name, display;
    std::vector<int64_t> itemids;
  };
  std::string query, kind;
  std::string status = "unrecognized";  // resolved, unrecognized, ambiguous, not_a_test
  bool resolved = false;
  std::string concept_name;  // empty when unrecognized
  std::string display;       // how the model is shown the concept
  std::string rule;          // label, LOINC name, alias, name, panel, specimen type, test name
  bool spelling = false;     // read through a misspelling
  std::string matched;       // the catalog name that matched
  std::vector<int64_t> itemids;
  std::vector<std::optional<int64_t>> rows;  // labevents rows of each itemid in the store, when known
  std::vector<std::string> labels;           // "Potassium (Blood)"; microbiology: its spec_type_desc values
  std::vector<std::string> test_names;       // microbiology: its test_name values (empty: all)
  std::vector<std::string> suggestions;
  std::vector<Candidate> candidates;    // ambiguous
  std::string not_a_test;               // what the row is, when not a test
  std::string interpreted_as;           // a misspelling's reading
  std::string fluid, title;             // a test's fluid; a panel's or microbiology order's title
  std::vector<std::string> components;  // a panel's tests
  bool panel = false, micro = false;
  std::optional<std::string> modality, region;  // imaging

  // docs/cli.md#machine-readable-outputs: {"query", "kind", "status", "concept", "itemids", "labels",
  // "suggestions", "rule", "rows"} and, where they apply, "interpreted_as", "spelling", "matched",
  // "display", "candidates", "not_a_test", "fluid", "title", "components", "test_names", "modality", "region".
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
  bool has_ecg_module() const { return has_ecg_; }
  // d_labitems label of an itemid ("" when unknown).
  std::string ItemLabel(int64_t itemid) const;
  // labevents rows of an itemid in the store, when the store knows them.
  std::optional<int64_t> ItemRows(int64_t itemid) const;
  // How long binding the store's dictionaries to the catalog took (Create).
  double bind_seconds() const { return bind_seconds_; }

  // What the environment would do with a query (`medcred resolve`).
  ResolveAnswer Resolve(const std::string& kind, const std::string& query) const;

 private:
  LabCatalog catalog_;
  CostTable costs_;
  PresentationRules rules_;
  WindowHours window_;
  bool has_note_ = false, has_ed_ = false, has_ecg_ = false;
  double bind_seconds_ = 0;
  std::unordered_map<int64_t, LabItemRecord> items_;
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
  // Lab concepts with a result in the window: what the clinicians ran (every concept holding
  // an item with a result).
  std::set<std::string> performed_lab_concepts() const;
  // What the tests the clinicians actually ran in the window cost, priced by the cost table as if ordered:
  // each lab concept with a result (an item's first concept, once), each microbiology order with a
  // specimen, each imaging modality and region reported, and an ECG if one was taken. The clinician
  // baseline's cost (models/ed_physician.h).
  double performed_cost() const;

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
  // The organisms and comments of the first specimen matching `m`.
  void FirstSpecimen(const MicroConcept& m, OrderAnswer* o) const;
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
  std::vector<EcgRecord> ecgs_;
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

// The lab catalog: how the test names a model orders become MIMIC-IV tests.
//
// Read from data/lab-catalog-v1.toml: lab concepts (d_labitems labels and
// fluid, with aliases), panels of concepts, microbiology orders (spec_type_desc
// and test_name), and the imaging vocabulary (modality and region words, POE
// order subtypes). Itemids are bound from the store's own d_labitems by label
// and fluid, so every itemid of one test is grouped under its concept.
//
// Resolution, as a lab system would do it: exact name, abbreviation or synonym;
// a fluid named in the query ("urine potassium") picks that fluid's test, a bare
// name the default fluid; case and punctuation are ignored; a name within one
// (4-7 letters) or two (8+) edits of an alias is read as that alias; anything
// else is unrecognized, with up to 3 suggestions.
//
// Thread safety: immutable after Load()/BindItems(); Resolve* are const and
// safe to call from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/data_file.h"
#include "common/status.h"
#include "store/records.h"

namespace medcred {

struct LabConcept {
  std::string name;   // "potassium", "urine_potassium"
  std::string fluid;  // a d_labitems fluid: "Blood", "Urine", ...
  std::vector<std::string> labels;
  std::vector<std::string> aliases;
  std::vector<int64_t> itemids;  // bound from the store; empty before BindItems()
  std::string Display() const;   // "potassium", "urine potassium"
};

struct LabPanel {
  std::string name, title;
  std::vector<std::string> aliases;
  std::vector<size_t> tests;  // indexes into LabCatalog::tests()
};

struct MicroConcept {
  std::string name, title;
  std::vector<std::string> spec_types;  // spec_type_desc values
  std::vector<std::string> test_names;  // when set, only these test_name values count
  std::vector<std::string> aliases;
};

// What a query resolves to.
struct Resolution {
  enum class Kind { kLabTest, kLabPanel, kMicro, kUnrecognized };
  Kind kind = Kind::kUnrecognized;
  std::string query;
  size_t index = 0;                      // into tests(), panels() or micro() by kind
  std::string interpreted;               // the alias a misspelled query was read as; empty when exact
  std::vector<std::string> suggestions;  // when unrecognized: up to 3
  bool resolved() const { return kind != Kind::kUnrecognized; }
};

// Lower case, punctuation as spaces, single spaces, trimmed: "INR(PT)" -> "inr pt".
std::string NormalizeQuery(std::string_view text);
// Optimal string alignment distance (Levenshtein with adjacent transpositions).
size_t EditDistance(std::string_view a, std::string_view b);

class LabCatalog {
 public:
  static Result<LabCatalog> Load(const std::string& file_name = "lab-catalog-v1.toml");
  static Result<LabCatalog> Parse(const DataFile& file);

  // Binds itemids from the store's d_labitems; returns the number of concepts
  // that found at least one itemid.
  size_t BindItems(const std::vector<LabItemRecord>& items);

  Resolution ResolveLab(std::string_view query) const;
  Resolution ResolveMicro(std::string_view query) const;

  // Imaging vocabulary: the modality and region a free text names ("" when none).
  std::string ImagingModality(std::string_view text) const;
  std::string ImagingRegion(std::string_view text) const;
  // The modality a POE order subtype means ("" when not imaging).
  std::string PoeModality(const std::string& order_subtype) const;

  const std::vector<LabConcept>& tests() const { return tests_; }
  const std::vector<LabPanel>& panels() const { return panels_; }
  const std::vector<MicroConcept>& micro() const { return micro_; }
  // The concept an itemid belongs to, or -1.
  int ConceptOfItem(int64_t itemid) const;
  const LabConcept* FindTest(std::string_view name) const;

  const std::string& version() const { return version_; }
  const std::string& sha256() const { return sha256_; }

 private:
  struct Target {
    Resolution::Kind kind;
    size_t index;
  };
  using Table = std::map<std::string, Target>;  // ordered: suggestions are deterministic
  Resolution Resolve(std::string_view query, const Table& global, bool fluid_aware) const;
  static std::string FirstMatch(std::string_view text,
                                const std::vector<std::pair<std::string, std::vector<std::string>>>& words);

  std::string version_, sha256_, default_fluid_;
  std::vector<LabConcept> tests_;
  std::vector<LabPanel> panels_;
  std::vector<MicroConcept> micro_;
  Table lab_global_;                       // panels, default-fluid tests, full names of every test
  std::map<std::string, Table> by_fluid_;  // fluid -> alias -> test
  std::vector<std::pair<std::string, std::string>> fluid_words_;  // normalized word -> fluid, longest first
  Table micro_global_;
  std::vector<std::pair<std::string, std::vector<std::string>>> modalities_, regions_;
  std::map<std::string, std::string> poe_subtypes_;
  std::unordered_map<int64_t, int> item_concept_;
};

}  // namespace medcred

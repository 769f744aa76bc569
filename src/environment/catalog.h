// The lab catalog: how the test names a model orders become MIMIC-IV tests, as
// a hospital's lab system would take them.
//
// Two layers (docs/environment.md#resolving-names):
//  - the curated catalog, read from data/lab-catalog-v2.toml: concepts (d_labitems
//    labels and fluid, with aliases), [[alias]] names for single dictionary items,
//    panels of concepts, the items that are not tests, microbiology orders, and
//    the imaging vocabulary;
//  - the dictionary floor, bound from the store: every d_labitems item is
//    orderable by its own label (in its fluid) and, with the mimic-code LOINC
//    mapping, by its LOINC long common name; duplicate itemids of one analyte
//    (the same LOINC code in the same fluid, or the same label and fluid) form
//    one concept; every spec_type_desc and test_name of microbiologyevents is
//    orderable by name.
//
// Resolution: exact name (case and punctuation ignored, trailing "level"/"test"
// dropped), first among the curated names, then labels, then LOINC names; a
// fluid word before or after the name picks that fluid's tests; a bare name
// means blood, or the one fluid that has it. A word the catalog does not know
// may be a misspelling of one it knows (1 edit for 4-7 letters, 2 for 8+; words
// with digits and known words are never changed); when the spelling could mean
// two analytes the answer is "ambiguous" with the candidates, never a guess.
// A name that is a d_labitems row which is not a test (a tube hold, a specimen
// handling row, a serum index) is answered as such.
//
// Thread safety: immutable after Load()/UseLoinc()/BindItems()/BindMicro();
// Resolve* are const and safe to call from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/data_file.h"
#include "common/status.h"
#include "environment/loinc.h"
#include "store/records.h"

namespace medcred {

struct LabConcept {
  std::string name;     // "potassium", "urine_potassium"; dictionary concepts: from the label, "bilirubin_indirect"
  std::string fluid;    // a d_labitems fluid: "Blood", "Urine", ...
  std::string display;  // "potassium", "urine potassium"; dictionary concepts: the label, "Lymphs (Pleural)"
  std::vector<std::string> labels;    // curated: d_labitems labels bound in `fluid`
  std::vector<int64_t> bind_itemids;  // curated: itemids bound whatever their label
  std::vector<std::string> aliases;
  std::vector<int64_t> itemids;  // bound from the store; empty before BindItems()
  bool curated = true;           // false: made from the store's dictionary
  const std::string& Display() const { return display; }
};

struct LabPanel {
  std::string name, title;
  std::vector<std::string> aliases;
  std::vector<size_t> tests;  // indexes into LabCatalog::tests()
};

// A d_labitems row that is not a test: a tube held in the lab, a specimen
// handling or administrative row, a serum quality index, a lab-system code.
struct NonTestItem {
  int64_t itemid = 0;
  std::string label, fluid;
  std::string kind;  // "a specimen tube held in the lab", ...
};

struct MicroConcept {
  std::string name, title;
  std::vector<std::string> spec_types;  // spec_type_desc values; empty: any specimen
  std::vector<std::string> test_names;  // test_name values; empty: every test of the specimen
  std::vector<std::string> aliases;
  bool curated = true;  // false: one spec_type_desc or test_name of the store
  // Whether a microbiologyevents row of this specimen and test belongs to the order
  // (case and surrounding white space ignored).
  bool Matches(std::string_view spec_type, std::string_view test_name) const;
};

// What a query resolves to.
struct Resolution {
  enum class Kind { kLabTest, kLabPanel, kMicro, kNotATest, kAmbiguous, kUnrecognized };
  struct Candidate {
    Kind kind = Kind::kLabTest;  // kLabTest, kLabPanel or kMicro
    size_t index = 0;
    bool operator==(const Candidate& o) const { return kind == o.kind && index == o.index; }
  };
  Kind kind = Kind::kUnrecognized;
  std::string query;
  size_t index = 0;  // into tests(), panels(), micro() or non_tests() by kind
  // By which rule: "name", "alias", "label", "LOINC name", "panel", "specimen type", "test name".
  std::string rule;
  std::string matched;                   // the catalog name that matched, normalized ("potassium urine")
  bool spelling = false;                 // read through a misspelling of `matched`
  std::string interpreted;               // the name a misspelled query was read as; empty when exact
  std::string fluid;                     // the fluid a fluid word in the query named, or ""
  std::vector<Candidate> candidates;     // ambiguous: the analytes the name could mean
  std::vector<std::string> suggestions;  // unrecognized: up to 3
  bool resolved() const { return kind == Kind::kLabTest || kind == Kind::kLabPanel || kind == Kind::kMicro; }
};

// Lower case, punctuation as spaces, single spaces, trimmed: "INR(PT)" -> "inr pt".
std::string NormalizeQuery(std::string_view text);
// Optimal string alignment distance (Levenshtein with adjacent transpositions).
size_t EditDistance(std::string_view a, std::string_view b);

class LabCatalog {
 public:
  LabCatalog();
  ~LabCatalog();
  LabCatalog(LabCatalog&&) noexcept;
  LabCatalog& operator=(LabCatalog&&) noexcept;
  LabCatalog(const LabCatalog&);
  LabCatalog& operator=(const LabCatalog&);

  static Result<LabCatalog> Load(const std::string& file_name = "lab-catalog-v2.toml");
  static Result<LabCatalog> Parse(const DataFile& file);

  // The LOINC names and codes of the store's items (used by the next BindItems()).
  void UseLoinc(LoincMapping mapping);
  // Loads the mapping from `reference_dir` when the file is there. Without it the
  // catalog still works (no LOINC names, grouping by label only): `loinc_note()`
  // says so. A file that is there but malformed is an error.
  Status UseLoincFrom(const std::string& reference_dir);
  bool has_loinc() const { return loinc_ != nullptr; }
  const LoincMapping* loinc() const { return loinc_.get(); }
  // One sentence on the LOINC mapping: where it was read, or why not.
  const std::string& loinc_note() const { return loinc_note_; }

  // Binds the store's dictionaries (what Environment::Create does): d_labitems
  // (the curated concepts' itemids, the items that are not tests and, v2, the
  // dictionary concepts of every other item) and microbiology's specimen/test
  // pairs (v2: each orderable by name). Returns the number of curated concepts
  // that found at least one itemid.
  size_t Bind(const std::vector<LabItemRecord>& items, const std::vector<MicroTestRecord>& tests);
  // The same, one dictionary at a time.
  size_t BindItems(const std::vector<LabItemRecord>& items);
  void BindMicro(const std::vector<MicroTestRecord>& tests);

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
  const std::vector<NonTestItem>& non_tests() const { return non_tests_; }
  // The concept an itemid belongs to (the most specific one holding it), or -1.
  int ConceptOfItem(int64_t itemid) const;
  // Every concept holding the itemid ("bicarbonate" and "bicarbonate_serum" both hold 50882).
  const std::vector<size_t>& ConceptsOfItem(int64_t itemid) const;
  // The item that is not a test, or nullptr.
  const NonTestItem* NonTest(int64_t itemid) const;
  const LabConcept* FindTest(std::string_view name) const;
  const MicroConcept* FindMicro(std::string_view name) const;
  // How a target is named to the model: a concept's display, a panel's name, a microbiology title.
  std::string TargetName(Resolution::Kind kind, size_t index) const;

  const std::string& version() const { return version_; }
  // The SHA-256 of the catalog file, combined with that of the LOINC mapping when one is used.
  const std::string& sha256() const { return sha256_; }
  const std::string& file_sha256() const { return file_sha256_; }
  bool dictionary_floor() const { return dictionary_; }

 private:
  struct Index;  // the name tables and the fuzzy-spelling index (catalog.cc)
  struct NonTestRule {
    std::string kind;
    std::vector<std::string> labels;  // normalized
    std::string fluid;                // "" any
  };
  struct ItemAlias {
    std::string label, fluid;  // the d_labitems row, by label (and fluid) ...
    int64_t itemid = 0;        // ... or by itemid
    std::vector<std::string> aliases;
    std::vector<std::string> also_in;  // fluids whose queries also reach it ("pleural ph")
    std::string where;
  };

  Status ParseHeader(const toml::table& root, const std::string& path);
  Status ParseTests(const toml::table& root, const std::string& path);
  Status ParsePanels(const toml::table& root, const std::string& path);
  Status ParseDictionaryRules(const toml::table& root, const std::string& path);
  Status ParseMicro(const toml::table& root, const std::string& path);
  Status ParseImaging(const toml::table& root, const std::string& path);
  Status CheckCuratedNames(const std::string& path) const;
  size_t AttachItems(const std::vector<LabItemRecord>& items);
  void AttachMicro(const std::vector<MicroTestRecord>& tests);
  void BindCurated(const std::vector<LabItemRecord>& items);
  void BindDictionary(const std::vector<LabItemRecord>& items);
  void BuildIndex();
  void IndexConcepts(Index& ix) const;
  void IndexItemNames(Index& ix, size_t concept_index, int64_t itemid) const;
  void IndexItemAliases(Index& ix) const;
  void IndexOrdersAndRows(Index& ix) const;
  struct Query;  // a query on its way through the resolver (catalog.cc)
  Resolution Resolve(std::string_view query, bool lab) const;
  bool ResolveExact(Query& query, Resolution* r) const;
  bool ResolveInOtherFluids(const std::string& q, Resolution* r) const;
  bool ResolveSpelling(Query& query, Resolution* r) const;
  static std::string FirstMatch(std::string_view text,
                                const std::vector<std::pair<std::string, std::vector<std::string>>>& words);

  std::string version_, sha256_, file_sha256_, default_fluid_, loinc_note_;
  bool dictionary_ = false;  // v2: the store's dictionary is the floor
  size_t curated_tests_ = 0, curated_micro_ = 0;
  std::vector<LabConcept> tests_;
  std::vector<LabPanel> panels_;
  std::vector<MicroConcept> micro_;
  std::vector<NonTestItem> non_tests_;
  std::vector<NonTestRule> non_test_rules_;
  std::vector<ItemAlias> item_aliases_;
  std::vector<int64_t> loinc_ungrouped_;  // itemids whose LOINC code neither groups nor names them
  std::vector<std::pair<std::string, std::string>> fluid_words_;  // normalized word -> fluid, longest first
  std::vector<std::pair<std::string, std::vector<std::string>>> modalities_, regions_;
  std::map<std::string, std::string> poe_subtypes_;
  std::unordered_map<int64_t, int> item_concept_;
  std::unordered_map<int64_t, std::vector<size_t>> item_concepts_;
  std::unordered_map<int64_t, size_t> item_non_test_;
  std::shared_ptr<const LoincMapping> loinc_;
  std::unique_ptr<Index> index_;
};

}  // namespace medcred

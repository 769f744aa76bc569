#include "environment/catalog.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <set>

#include "common/sha256.h"
#include "common/text.h"

namespace medcred {
namespace {

using Kind = Resolution::Kind;

// Words a query may end with that add nothing: "troponin level", "lipase test", "blood cultures x2".
const std::set<std::string> kFillers = {"level",       "levels", "test", "tests", "study", "studies",
                                        "value",       "values", "lab",  "labs",  "stat",  "please",
                                        "measurement", "x1",     "x2",   "x3"};

// Which name wins when two name the same key: curated names and aliases first, then the labels the
// curated concepts list, then the store's d_labitems labels, then LOINC names.
enum Priority : int { kCurated = 0, kCuratedLabel = 1, kLabelPriority = 2, kStrippedLabel = 3, kLoincPriority = 4 };

// " text ": a phrase padded with one space each side, for whole-word search.
std::string Pad(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back(' ');
  out.append(s);
  out.push_back(' ');
  return out;
}

std::string StripFillers(std::string s) {
  for (;;) {
    const size_t sp = s.rfind(' ');
    if (sp == std::string::npos || !kFillers.count(s.substr(sp + 1))) return s;
    s.resize(sp);
  }
}

std::vector<std::string> Tokens(std::string_view key) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < key.size()) {
    size_t sp = key.find(' ', at);
    if (sp == std::string_view::npos) sp = key.size();
    if (sp > at) out.emplace_back(key.substr(at, sp - at));
    at = sp + 1;
  }
  return out;
}

// How many edits a word of this length may be off a known word and still be read as it.
size_t SpellingBudget(size_t length) { return length >= 8 ? 2 : length >= 4 ? 1 : 0; }

// Words never read as misspellings: short ones, and those with digits or symbols ("a1c", "k+", "19").
bool Fuzzable(std::string_view word) {
  if (word.size() < 4) return false;
  return std::all_of(word.begin(), word.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

// "Sodium, Urine" in Urine -> "sodium": a label without the words naming its own fluid.
std::string WithoutFluidWords(const std::string& key, const std::vector<std::string>& fluid_words) {
  std::string padded = Pad(key);
  for (const std::string& w : fluid_words) {
    const std::string pw = Pad(w);
    for (size_t at; (at = padded.find(pw)) != std::string::npos;) padded.replace(at, pw.size(), " ");
  }
  return NormalizeQuery(padded);
}

// "Other Body Fluid" -> "fluid": the prefix of a dictionary concept's name in a fluid other than blood.
std::string FluidSlug(const std::string& fluid) {
  static const std::map<std::string, std::string> kSlugs = {
      {"urine", "urine"},       {"cerebrospinal fluid", "csf"}, {"pleural", "pleural"},    {"ascites", "ascites"},
      {"joint fluid", "joint"}, {"other body fluid", "fluid"},  {"bone marrow", "marrow"}, {"stool", "stool"}};
  auto it = kSlugs.find(Lower(fluid));
  std::string s = it != kSlugs.end() ? it->second : NormalizeQuery(fluid);
  std::replace(s.begin(), s.end(), ' ', '_');
  return s;
}

std::string Slug(const std::string& normalized) {
  std::string s;
  for (char c : normalized) {
    if (c == ' ') {
      s.push_back('_');
    } else if (c == '+') {
      s += "plus";
    } else if (c == '%') {
      s += "pct";
    } else {
      s.push_back(c);
    }
  }
  return s;
}

// A small union-find over item positions, for grouping the dictionary.
struct Groups {
  std::vector<size_t> parent;
  explicit Groups(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  size_t Find(size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void Join(size_t a, size_t b) {
    a = Find(a);
    b = Find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

}  // namespace

std::string NormalizeQuery(std::string_view text) { return NormalizeWords(text, "+%"); }

size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the optimal-string-alignment table, reused across calls on
  // this thread (the resolver calls this for many words per query).
  thread_local std::vector<size_t> prev2, prev, cur;
  prev2.assign(b.size() + 1, 0);
  prev.assign(b.size() + 1, 0);
  cur.assign(b.size() + 1, 0);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool MicroConcept::Matches(std::string_view spec_type, std::string_view test_name) const {
  auto in = [](const std::vector<std::string>& list, std::string_view v) {
    if (list.empty()) return true;
    const std::string t = Trim(v);
    return std::any_of(list.begin(), list.end(), [&](const std::string& s) { return EqualsIgnoreCase(Trim(s), t); });
  };
  return in(spec_types, spec_type) && in(test_names, test_name);
}

// ---- the name index -------------------------------------------------------------

namespace {

// The distance of a and b when it is at most `k`, else k + 1: the table's rows
// stop as soon as every cell of one exceeds k.
size_t EditDistanceAtMost(std::string_view a, std::string_view b, size_t k) {
  const size_t gap = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  if (gap > k) return k + 1;
  thread_local std::vector<size_t> prev2, prev, cur;
  prev2.assign(b.size() + 1, 0);
  prev.assign(b.size() + 1, 0);
  cur.assign(b.size() + 1, 0);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > k) return k + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], k + 1);
}

std::atomic<uint64_t> next_vocabulary_id{1};

}  // namespace

// The words every name of the catalog is made of, and, by length, for finding
// the known words near an unknown one.
struct Vocabulary {
  uint64_t id = next_vocabulary_id++;  // names this vocabulary in the per-thread cache of Near()
  std::unordered_map<std::string, uint32_t> ids;
  std::vector<std::string> words;
  std::vector<std::vector<uint32_t>> by_length;

  uint32_t Add(const std::string& w) {
    auto [it, inserted] = ids.emplace(w, static_cast<uint32_t>(words.size()));
    if (inserted) {
      words.push_back(w);
      if (by_length.size() <= w.size()) by_length.resize(w.size() + 1);
      by_length[w.size()].push_back(it->second);
    }
    return it->second;
  }
  int Find(const std::string& w) const {
    auto it = ids.find(w);
    return it == ids.end() ? -1 : static_cast<int>(it->second);
  }
  // Known words within `budget` edits of `w` (which is not itself known), of 4+ letters.
  // A query asks this for the same word in every fluid's table: the last answers are kept per thread.
  const std::vector<std::pair<uint32_t, size_t>>& Near(const std::string& w, size_t budget) const {
    struct Cached {
      uint64_t vocabulary = 0;
      size_t budget = 0;
      std::string word;
      std::vector<std::pair<uint32_t, size_t>> near;
    };
    thread_local std::vector<Cached> cache(8);
    thread_local size_t next = 0;
    for (const Cached& c : cache) {
      if (c.vocabulary == id && c.budget == budget && c.word == w) return c.near;
    }
    Cached& c = cache[next++ % cache.size()];
    c.vocabulary = id;
    c.budget = budget;
    c.word = w;
    c.near.clear();
    const size_t lo = w.size() > budget ? w.size() - budget : 0;
    for (size_t len = std::max<size_t>(lo, 4); len <= w.size() + budget && len < by_length.size(); ++len) {
      for (uint32_t word_id : by_length[len]) {
        const size_t d = EditDistanceAtMost(w, words[word_id], budget);
        if (d <= budget) c.near.emplace_back(word_id, d);
      }
    }
    return c.near;
  }
};

struct Target {
  Kind kind;
  uint32_t index;
  bool operator==(const Target& o) const { return kind == o.kind && index == o.index; }
};

struct Entry {
  std::string key;
  std::vector<uint32_t> tokens;
  int priority = 0;
  std::string rule;
  std::vector<Target> targets;
};

// One name table: normalized name -> what it names, and the spelling index over it.
struct Table {
  std::vector<Entry> entries;
  std::unordered_map<std::string, uint32_t> by_key;
  std::unordered_map<uint64_t, std::vector<uint32_t>> by_shape;  // (word count, first word) -> entries
  std::unordered_map<uint32_t, std::vector<uint32_t>> by_word;   // word -> entries holding it

  void Add(const std::string& key, Target t, int priority, const std::string& rule) {
    if (key.empty()) return;
    auto [it, inserted] = by_key.emplace(key, static_cast<uint32_t>(entries.size()));
    if (inserted) {
      entries.push_back(Entry{key, {}, priority, rule, {t}});
      return;
    }
    Entry& e = entries[it->second];
    if (priority < e.priority) {
      e.priority = priority;
      e.rule = rule;
      e.targets = {t};
    } else if (priority == e.priority && std::find(e.targets.begin(), e.targets.end(), t) == e.targets.end()) {
      e.targets.push_back(t);
    }
  }
  const Entry* Find(const std::string& key) const {
    auto it = by_key.find(key);
    return it == by_key.end() ? nullptr : &entries[it->second];
  }
  static uint64_t Shape(size_t words, uint32_t first) { return (uint64_t{first} << 8) | std::min<size_t>(words, 255); }
  void Finalize(Vocabulary& vocab) {
    for (uint32_t i = 0; i < entries.size(); ++i) {
      Entry& e = entries[i];
      for (const std::string& w : Tokens(e.key)) e.tokens.push_back(vocab.Add(w));
      if (e.tokens.empty()) continue;
      by_shape[Shape(e.tokens.size(), e.tokens[0])].push_back(i);
      std::set<uint32_t> seen(e.tokens.begin(), e.tokens.end());
      for (uint32_t w : seen) by_word[w].push_back(i);
    }
  }
};

struct LabCatalog::Index {
  Vocabulary vocab;
  Table lab;                           // panels, blood, LOINC names, full names of every concept
  std::map<std::string, Table> fluid;  // d_labitems fluid (lower case) -> its names
  Table micro;
  std::unordered_map<std::string, size_t> test_by_name, micro_by_name;
  std::unordered_map<int64_t, std::pair<std::string, std::string>> item_label;  // itemid -> (label, fluid)
  std::unordered_map<int64_t, std::string> item_key;                            // itemid -> normalized label
};

// ---- loading --------------------------------------------------------------------

LabCatalog::LabCatalog() : index_(std::make_unique<Index>()) {}
LabCatalog::~LabCatalog() = default;
LabCatalog::LabCatalog(LabCatalog&&) noexcept = default;
LabCatalog& LabCatalog::operator=(LabCatalog&&) noexcept = default;
LabCatalog::LabCatalog(const LabCatalog& o)
    : version_(o.version_),
      sha256_(o.sha256_),
      file_sha256_(o.file_sha256_),
      default_fluid_(o.default_fluid_),
      loinc_note_(o.loinc_note_),
      dictionary_(o.dictionary_),
      curated_tests_(o.curated_tests_),
      curated_micro_(o.curated_micro_),
      tests_(o.tests_),
      panels_(o.panels_),
      micro_(o.micro_),
      non_tests_(o.non_tests_),
      non_test_rules_(o.non_test_rules_),
      item_aliases_(o.item_aliases_),
      loinc_ungrouped_(o.loinc_ungrouped_),
      fluid_words_(o.fluid_words_),
      modalities_(o.modalities_),
      regions_(o.regions_),
      poe_subtypes_(o.poe_subtypes_),
      item_concept_(o.item_concept_),
      item_concepts_(o.item_concepts_),
      item_non_test_(o.item_non_test_),
      loinc_(o.loinc_),
      index_(std::make_unique<Index>(*o.index_)) {}
LabCatalog& LabCatalog::operator=(const LabCatalog& o) {
  if (this != &o) *this = LabCatalog(o);
  return *this;
}

Result<LabCatalog> LabCatalog::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  return Parse(f);
}

Result<LabCatalog> LabCatalog::Parse(const DataFile& file) {
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  const std::string& p = file.path;
  LabCatalog c;
  c.sha256_ = c.file_sha256_ = file.sha256;
  c.loinc_note_ = "no LOINC mapping loaded: LOINC names are not orderable";
  MEDCRED_RETURN_IF_ERROR(c.ParseHeader(root, p));
  MEDCRED_RETURN_IF_ERROR(c.ParseTests(root, p));
  MEDCRED_RETURN_IF_ERROR(c.ParsePanels(root, p));
  MEDCRED_RETURN_IF_ERROR(c.ParseDictionaryRules(root, p));
  MEDCRED_RETURN_IF_ERROR(c.ParseMicro(root, p));
  MEDCRED_RETURN_IF_ERROR(c.ParseImaging(root, p));
  MEDCRED_RETURN_IF_ERROR(c.CheckCuratedNames(p));
  c.BuildIndex();
  return c;
}

Status LabCatalog::ParseHeader(const toml::table& root, const std::string& p) {
  MEDCRED_ASSIGN_OR_RETURN(version_, TomlText(root["version"], p + ": version"));
  MEDCRED_ASSIGN_OR_RETURN(default_fluid_, TomlText(root["default_fluid"], p + ": default_fluid"));
  if (const toml::node* d = root.get("dictionary_floor")) {
    auto b = d->value<bool>();
    if (!b) return Status::BadInput(p + ": dictionary_floor must be true or false");
    dictionary_ = *b;
  }
  const toml::table* fw = root["fluid_words"].as_table();
  if (fw == nullptr) return Status::BadInput(p + ": [fluid_words] is missing");
  for (const auto& [fluid, words] : *fw) {
    MEDCRED_ASSIGN_OR_RETURN(auto list, TomlStrings(toml::node_view<const toml::node>(words),
                                                    p + ": fluid_words." + std::string(fluid.str()), true));
    for (const auto& w : list) fluid_words_.emplace_back(NormalizeQuery(w), std::string(fluid.str()));
  }
  std::stable_sort(fluid_words_.begin(), fluid_words_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return Status::OK();
}

Status LabCatalog::ParseTests(const toml::table& root, const std::string& p) {
  const toml::array* tests = root["test"].as_array();
  if (tests == nullptr || tests->empty()) return Status::BadInput(p + ": no [[test]] entries");
  std::set<std::string> names;
  for (size_t i = 0; i < tests->size(); ++i) {
    const std::string where = p + ": test #" + std::to_string(i + 1);
    const toml::table* t = (*tests)[i].as_table();
    if (t == nullptr) return Status::BadInput(where + " is not a table");
    const toml::node_view<const toml::node> v(t);
    LabConcept k;
    MEDCRED_ASSIGN_OR_RETURN(k.name, TomlText(v["name"], where + ".name"));
    const std::string w = where + " (" + k.name + ")";
    k.fluid = v["fluid"].value_or(default_fluid_);
    k.display = k.name;
    std::replace(k.display.begin(), k.display.end(), '_', ' ');
    if (const toml::array* ids = v["itemids"].as_array()) {
      for (const auto& id : *ids) {
        auto n = id.value<int64_t>();
        if (!n) return Status::BadInput(w + ".itemids must be a list of integers");
        k.bind_itemids.push_back(*n);
      }
    }
    MEDCRED_ASSIGN_OR_RETURN(k.labels, TomlStrings(v["labels"], w + ".labels", k.bind_itemids.empty()));
    MEDCRED_ASSIGN_OR_RETURN(k.aliases, TomlStrings(v["aliases"], w + ".aliases", false));
    if (!names.insert(k.name).second) return Status::BadInput(w + ": the name is used twice");
    tests_.push_back(std::move(k));
  }
  curated_tests_ = tests_.size();
  return Status::OK();
}

Status LabCatalog::ParsePanels(const toml::table& root, const std::string& p) {
  const toml::array* panels = root["panel"].as_array();
  if (panels == nullptr) return Status::OK();
  for (size_t i = 0; i < panels->size(); ++i) {
    const std::string where = p + ": panel #" + std::to_string(i + 1);
    const toml::table* t = (*panels)[i].as_table();
    if (t == nullptr) return Status::BadInput(where + " is not a table");
    const toml::node_view<const toml::node> v(t);
    LabPanel panel;
    MEDCRED_ASSIGN_OR_RETURN(panel.name, TomlText(v["name"], where + ".name"));
    const std::string w = where + " (" + panel.name + ")";
    MEDCRED_ASSIGN_OR_RETURN(panel.title, TomlText(v["title"], w + ".title"));
    MEDCRED_ASSIGN_OR_RETURN(panel.aliases, TomlStrings(v["aliases"], w + ".aliases", false));
    MEDCRED_ASSIGN_OR_RETURN(auto names, TomlStrings(v["tests"], w + ".tests", true));
    for (const auto& n : names) {
      auto it = std::find_if(tests_.begin(), tests_.end(), [&](const LabConcept& k) { return k.name == n; });
      if (it == tests_.end()) return Status::BadInput(w + ".tests: no [[test]] named '" + n + "'");
      panel.tests.push_back(static_cast<size_t>(it - tests_.begin()));
    }
    panels_.push_back(std::move(panel));
  }
  return Status::OK();
}

Status LabCatalog::ParseDictionaryRules(const toml::table& root, const std::string& p) {
  if (const toml::array* rules = root["non_test"].as_array()) {
    for (size_t i = 0; i < rules->size(); ++i) {
      const std::string where = p + ": non_test #" + std::to_string(i + 1);
      const toml::table* t = (*rules)[i].as_table();
      if (t == nullptr) return Status::BadInput(where + " is not a table");
      const toml::node_view<const toml::node> v(t);
      NonTestRule r;
      MEDCRED_ASSIGN_OR_RETURN(r.kind, TomlText(v["kind"], where + ".kind"));
      MEDCRED_ASSIGN_OR_RETURN(r.labels, TomlStrings(v["labels"], where + ".labels", true));
      for (auto& l : r.labels) l = NormalizeQuery(l);
      r.fluid = v["fluid"].value_or(std::string());
      non_test_rules_.push_back(std::move(r));
    }
  }
  if (const toml::array* aliases = root["alias"].as_array()) {
    for (size_t i = 0; i < aliases->size(); ++i) {
      const std::string where = p + ": alias #" + std::to_string(i + 1);
      const toml::table* t = (*aliases)[i].as_table();
      if (t == nullptr) return Status::BadInput(where + " is not a table");
      const toml::node_view<const toml::node> v(t);
      ItemAlias a;
      a.where = where;
      a.label = v["label"].value_or(std::string());
      a.itemid = v["itemid"].value_or(int64_t{0});
      if (a.label.empty() == (a.itemid == 0))
        return Status::BadInput(where + " needs a label or an itemid (one of them)");
      a.fluid = v["fluid"].value_or(default_fluid_);
      MEDCRED_ASSIGN_OR_RETURN(a.aliases, TomlStrings(v["aliases"], where + ".aliases", true));
      MEDCRED_ASSIGN_OR_RETURN(a.also_in, TomlStrings(v["also_in"], where + ".also_in", false));
      item_aliases_.push_back(std::move(a));
    }
  }
  if (const toml::array* ids = root["loinc_ungrouped"].as_array()) {
    for (const auto& id : *ids) {
      auto n = id.value<int64_t>();
      if (!n) return Status::BadInput(p + ": loinc_ungrouped must be a list of itemids");
      loinc_ungrouped_.push_back(*n);
    }
  }
  return Status::OK();
}

Status LabCatalog::ParseMicro(const toml::table& root, const std::string& p) {
  const toml::array* micro = root["micro"].as_array();
  if (micro == nullptr) return Status::OK();
  std::set<std::string> names;
  for (size_t i = 0; i < micro->size(); ++i) {
    const std::string where = p + ": micro #" + std::to_string(i + 1);
    const toml::table* t = (*micro)[i].as_table();
    if (t == nullptr) return Status::BadInput(where + " is not a table");
    const toml::node_view<const toml::node> v(t);
    MicroConcept m;
    MEDCRED_ASSIGN_OR_RETURN(m.name, TomlText(v["name"], where + ".name"));
    const std::string w = where + " (" + m.name + ")";
    MEDCRED_ASSIGN_OR_RETURN(m.title, TomlText(v["title"], w + ".title"));
    MEDCRED_ASSIGN_OR_RETURN(m.spec_types, TomlStrings(v["spec_types"], w + ".spec_types", false));
    MEDCRED_ASSIGN_OR_RETURN(m.test_names, TomlStrings(v["test_names"], w + ".test_names", false));
    MEDCRED_ASSIGN_OR_RETURN(m.aliases, TomlStrings(v["aliases"], w + ".aliases", false));
    if (m.spec_types.empty() && m.test_names.empty()) {
      return Status::BadInput(w + " needs spec_types or test_names (or both)");
    }
    if (!names.insert(m.name).second) return Status::BadInput(w + ": the name is used twice");
    micro_.push_back(std::move(m));
  }
  curated_micro_ = micro_.size();
  return Status::OK();
}

Status LabCatalog::ParseImaging(const toml::table& root, const std::string& p) {
  const toml::table* imaging = root["imaging"].as_table();
  if (imaging == nullptr) return Status::BadInput(p + ": [imaging] is missing");
  for (const char* section : {"modalities", "regions"}) {
    const toml::table* tbl = (*imaging)[section].as_table();
    if (tbl == nullptr) return Status::BadInput(p + ": [imaging." + section + "] is missing");
    auto& out = std::string(section) == "modalities" ? modalities_ : regions_;
    for (const auto& [name, words] : *tbl) {
      MEDCRED_ASSIGN_OR_RETURN(auto list,
                               TomlStrings(toml::node_view<const toml::node>(words),
                                           p + ": imaging." + section + "." + std::string(name.str()), true));
      for (auto& wd : list) wd = NormalizeQuery(wd);
      out.emplace_back(std::string(name.str()), std::move(list));
    }
  }
  if (const toml::table* poe = (*imaging)["poe_subtypes"].as_table()) {
    for (const auto& [subtype, modality] : *poe) {
      auto m = modality.value<std::string>();
      if (!m) return Status::BadInput(p + ": imaging.poe_subtypes." + std::string(subtype.str()) + " must be a string");
      poe_subtypes_[std::string(subtype.str())] = *m;
    }
  }
  return Status::OK();
}

// The curated names must each name one thing: an alias naming two tests in one
// fluid, or a panel alias naming a test, is an error of the file. Labels may be
// shared: a broad concept ("bicarbonate") holds the items of narrower ones.
Status LabCatalog::CheckCuratedNames(const std::string& p) const {
  std::map<std::pair<std::string, std::string>, std::string> seen;  // (fluid or "panel", key) -> owner
  auto claim = [&](const std::string& space, const std::string& raw, const std::string& owner,
                   const std::string& where) -> Status {
    const std::string key = NormalizeQuery(raw);
    if (key.empty()) return Status::OK();
    auto [it, inserted] = seen.emplace(std::make_pair(space, key), owner);
    if (!inserted && it->second != owner) {
      return Status::BadInput(where + ": '" + raw + "' already names another test in this fluid");
    }
    return Status::OK();
  };
  for (size_t i = 0; i < curated_tests_; ++i) {
    const LabConcept& k = tests_[i];
    const std::string w = p + ": test #" + std::to_string(i + 1) + " (" + k.name + ")";
    const std::string space = Lower(k.fluid);
    for (const auto& n : {k.name, k.display}) MEDCRED_RETURN_IF_ERROR(claim(space, n, k.name, w + ".name"));
    for (const auto& a : k.aliases) MEDCRED_RETURN_IF_ERROR(claim(space, a, k.name, w + ".aliases"));
  }
  const std::string blood = Lower(default_fluid_);
  for (size_t i = 0; i < panels_.size(); ++i) {
    const LabPanel& panel = panels_[i];
    const std::string w = p + ": panel #" + std::to_string(i + 1) + " (" + panel.name + ")";
    for (const auto& n : {panel.name, panel.title}) {
      MEDCRED_RETURN_IF_ERROR(claim(blood, n, "panel:" + panel.name, w + ".name"));
    }
    for (const auto& a : panel.aliases) MEDCRED_RETURN_IF_ERROR(claim(blood, a, "panel:" + panel.name, w + ".aliases"));
  }
  for (size_t i = 0; i < curated_micro_; ++i) {
    const MicroConcept& m = micro_[i];
    const std::string w = p + ": micro #" + std::to_string(i + 1) + " (" + m.name + ")";
    for (const auto& n : {m.name, m.title}) MEDCRED_RETURN_IF_ERROR(claim("micro", n, m.name, w + ".name"));
    for (const auto& a : m.aliases) MEDCRED_RETURN_IF_ERROR(claim("micro", a, m.name, w + ".aliases"));
  }
  return Status::OK();
}

void LabCatalog::UseLoinc(LoincMapping mapping) {
  loinc_note_ = "LOINC names from " + mapping.path();
  sha256_ = Sha256::Hex(file_sha256_ + ":" + mapping.sha256());
  loinc_ = std::make_shared<const LoincMapping>(std::move(mapping));
}

Status LabCatalog::UseLoincFrom(const std::string& reference_dir) {
  const std::string path = LoincMapping::PathIn(reference_dir);
  std::error_code ec;
  if (reference_dir.empty() || !std::filesystem::is_regular_file(path, ec)) {
    loinc_note_ = "no LOINC mapping at " + (reference_dir.empty() ? std::string("<reference>") : reference_dir) +
                  "/mimic-code/d_labitems_to_loinc.csv: LOINC names are not orderable and duplicate itemids are "
                  "grouped by label only";
    return Status::OK();
  }
  MEDCRED_ASSIGN_OR_RETURN(LoincMapping m, LoincMapping::Load(path));
  UseLoinc(std::move(m));
  return Status::OK();
}

// ---- binding the store's dictionary --------------------------------------------

size_t LabCatalog::Bind(const std::vector<LabItemRecord>& items, const std::vector<MicroTestRecord>& tests) {
  const size_t bound = AttachItems(items);
  AttachMicro(tests);
  BuildIndex();
  return bound;
}

size_t LabCatalog::BindItems(const std::vector<LabItemRecord>& items) {
  const size_t bound = AttachItems(items);
  BuildIndex();
  return bound;
}

void LabCatalog::BindMicro(const std::vector<MicroTestRecord>& tests) {
  AttachMicro(tests);
  BuildIndex();
}

size_t LabCatalog::AttachItems(const std::vector<LabItemRecord>& items) {
  tests_.resize(curated_tests_);
  for (auto& t : tests_) t.itemids.clear();
  non_tests_.clear();
  item_non_test_.clear();
  index_->item_label.clear();
  index_->item_key.clear();
  for (const LabItemRecord& item : items) {
    index_->item_label[item.itemid] = {item.label, item.fluid};
    index_->item_key[item.itemid] = NormalizeQuery(item.label);
  }
  BindCurated(items);
  if (dictionary_) BindDictionary(items);
  // The concept of an item: the most specific one (fewest itemids) that holds it.
  item_concept_.clear();
  item_concepts_.clear();
  for (size_t i = 0; i < tests_.size(); ++i) {
    for (int64_t id : tests_[i].itemids) {
      item_concepts_[id].push_back(i);
      auto [it, inserted] = item_concept_.emplace(id, static_cast<int>(i));
      if (!inserted && tests_[i].itemids.size() < tests_[static_cast<size_t>(it->second)].itemids.size()) {
        it->second = static_cast<int>(i);
      }
    }
  }
  size_t bound = 0;
  for (size_t i = 0; i < curated_tests_; ++i) bound += !tests_[i].itemids.empty();
  return bound;
}

void LabCatalog::BindCurated(const std::vector<LabItemRecord>& items) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_label;  // (label, fluid) -> concepts
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_name;   // a curated name or alias
  std::map<int64_t, std::vector<size_t>> by_id;
  for (size_t i = 0; i < curated_tests_; ++i) {
    const std::string fluid = Lower(tests_[i].fluid);
    for (const auto& l : tests_[i].labels) by_label[{NormalizeQuery(l), fluid}].push_back(i);
    for (int64_t id : tests_[i].bind_itemids) by_id[id].push_back(i);
    for (const auto& a : tests_[i].aliases) by_name[{NormalizeQuery(a), fluid}].push_back(i);
    by_name[{NormalizeQuery(tests_[i].display), fluid}].push_back(i);
  }
  std::set<int64_t> bound;
  for (const LabItemRecord& item : items) {
    std::set<size_t> concepts;
    const std::pair<std::string, std::string> key{NormalizeQuery(item.label), Lower(item.fluid)};
    if (auto it = by_label.find(key); it != by_label.end()) concepts.insert(it->second.begin(), it->second.end());
    if (auto it = by_id.find(item.itemid); it != by_id.end()) concepts.insert(it->second.begin(), it->second.end());
    // A dictionary label that is a curated name of the analyte ("Alanine Aminotransferase", "Total
    // Calcium"): the same test under another itemid (v2: the dictionary floor).
    if (auto it = by_name.find(key); dictionary_ && concepts.empty() && it != by_name.end() && it->second.size() == 1) {
      concepts.insert(it->second.front());
    }
    for (size_t i : concepts) tests_[i].itemids.push_back(item.itemid);
    if (!concepts.empty()) bound.insert(item.itemid);
  }
  // Items that are not tests, unless a concept binds them by name (the gas's specimen type).
  for (const LabItemRecord& item : items) {
    if (bound.count(item.itemid)) continue;
    const std::string label = NormalizeQuery(item.label);
    if (dictionary_ && label.size() < 2 &&
        !std::any_of(non_test_rules_.begin(), non_test_rules_.end(), [&](const auto& r) {
          return std::find(r.labels.begin(), r.labels.end(), label) != r.labels.end();
        })) {
      item_non_test_[item.itemid] = non_tests_.size();
      non_tests_.push_back({item.itemid, item.label, item.fluid, "a dictionary row without a name"});
      continue;
    }
    for (const NonTestRule& r : non_test_rules_) {
      if (!r.fluid.empty() && !EqualsIgnoreCase(r.fluid, item.fluid)) continue;
      if (std::find(r.labels.begin(), r.labels.end(), label) == r.labels.end()) continue;
      item_non_test_[item.itemid] = non_tests_.size();
      non_tests_.push_back({item.itemid, item.label, item.fluid, r.kind});
      break;
    }
  }
  if (!dictionary_ || loinc_ == nullptr) return;
  // Duplicates of a curated concept's analyte: the same LOINC code in the same fluid.
  const std::set<int64_t> ungrouped(loinc_ungrouped_.begin(), loinc_ungrouped_.end());
  auto code_of = [&](int64_t id) -> std::string {
    const LoincEntry* e = loinc_->Find(id);
    return e == nullptr || ungrouped.count(id) ? std::string() : e->code;
  };
  std::map<std::pair<std::string, std::string>, std::set<size_t>> by_code;  // (code, fluid) -> concepts
  for (size_t i = 0; i < curated_tests_; ++i) {
    for (int64_t id : tests_[i].itemids) {
      const std::string code = code_of(id);
      auto fl = index_->item_label.find(id);
      if (!code.empty() && fl != index_->item_label.end()) by_code[{code, Lower(fl->second.second)}].insert(i);
    }
  }
  for (const LabItemRecord& item : items) {
    if (bound.count(item.itemid) || item_non_test_.count(item.itemid)) continue;
    const std::string code = code_of(item.itemid);
    auto it = code.empty() ? by_code.end() : by_code.find({code, Lower(item.fluid)});
    if (it == by_code.end()) continue;
    for (size_t i : it->second) tests_[i].itemids.push_back(item.itemid);
  }
  for (size_t i = 0; i < curated_tests_; ++i) std::sort(tests_[i].itemids.begin(), tests_[i].itemids.end());
}

void LabCatalog::BindDictionary(const std::vector<LabItemRecord>& items) {
  std::set<int64_t> taken;
  for (size_t i = 0; i < curated_tests_; ++i) taken.insert(tests_[i].itemids.begin(), tests_[i].itemids.end());
  std::vector<const LabItemRecord*> rest;
  for (const LabItemRecord& item : items) {
    if (!taken.count(item.itemid) && !item_non_test_.count(item.itemid)) rest.push_back(&item);
  }
  // One analyte: the same label in the same fluid, or the same LOINC code in the same fluid.
  const std::set<int64_t> ungrouped(loinc_ungrouped_.begin(), loinc_ungrouped_.end());
  Groups groups(rest.size());
  std::map<std::pair<std::string, std::string>, size_t> first_label, first_code;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string fluid = Lower(rest[i]->fluid);
    auto [l, fresh] = first_label.emplace(std::make_pair(NormalizeQuery(rest[i]->label), fluid), i);
    if (!fresh) groups.Join(l->second, i);
    const LoincEntry* e = loinc_ ? loinc_->Find(rest[i]->itemid) : nullptr;
    if (e == nullptr || ungrouped.count(rest[i]->itemid)) continue;
    // The LOINC concept: its code, or its name where the mapping gives another code for the same name.
    for (const std::string& id : {e->code, e->name}) {
      if (id.empty()) continue;
      auto [c, fresh_code] = first_code.emplace(std::make_pair(id, fluid), i);
      if (!fresh_code) groups.Join(c->second, i);
    }
  }
  std::map<size_t, std::vector<const LabItemRecord*>> members;
  for (size_t i = 0; i < rest.size(); ++i) members[groups.Find(i)].push_back(rest[i]);
  std::set<std::string> names;
  for (const auto& t : tests_) names.insert(t.name);
  for (const auto& [root, group] : members) {
    // Named after its busiest item in full MIMIC-IV when the mapping says, else its first.
    const LabItemRecord* head = group.front();
    int64_t most = -1;
    for (const LabItemRecord* item : group) {
      const LoincEntry* e = loinc_ ? loinc_->Find(item->itemid) : nullptr;
      const int64_t n = e != nullptr && e->row_count ? *e->row_count : -1;
      if (n > most) {
        most = n;
        head = item;
      }
    }
    LabConcept k;
    k.curated = false;
    k.fluid = head->fluid;
    const bool blood = EqualsIgnoreCase(k.fluid, default_fluid_);
    k.display = head->label + (blood ? "" : " (" + head->fluid + ")");
    std::vector<std::string> own_words;
    for (const auto& [word, fluid] : fluid_words_) {
      if (EqualsIgnoreCase(fluid, k.fluid)) own_words.push_back(word);
    }
    std::string base = Slug(WithoutFluidWords(NormalizeQuery(head->label), own_words));
    if (base.empty()) base = "item";
    k.name = blood ? base : FluidSlug(k.fluid) + "_" + base;
    if (!names.insert(k.name).second) {
      k.name += "_" + std::to_string(head->itemid);
      names.insert(k.name);
    }
    for (const LabItemRecord* item : group) {
      k.itemids.push_back(item->itemid);
      if (std::find(k.labels.begin(), k.labels.end(), item->label) == k.labels.end()) k.labels.push_back(item->label);
    }
    std::sort(k.itemids.begin(), k.itemids.end());
    tests_.push_back(std::move(k));
  }
}

void LabCatalog::AttachMicro(const std::vector<MicroTestRecord>& tests) {
  micro_.resize(curated_micro_);
  if (!dictionary_) return;
  std::set<std::string> specs, names, seen;
  for (const MicroTestRecord& t : tests) {
    if (!Trim(t.spec_type).empty()) specs.insert(Trim(t.spec_type));
    if (!Trim(t.test_name).empty()) names.insert(Trim(t.test_name));
  }
  for (const auto& m : micro_) seen.insert(m.name);
  auto add = [&](const std::string& value, bool spec) {
    MicroConcept m;
    m.curated = false;
    m.title = value;
    const std::string base = (spec ? "specimen_" : "test_") + Slug(NormalizeQuery(value));
    m.name = base;
    for (int n = 2; !seen.insert(m.name).second; ++n) m.name = base + "_" + std::to_string(n);
    (spec ? m.spec_types : m.test_names).push_back(value);
    micro_.push_back(std::move(m));
  };
  std::set<std::string> spec_keys;
  for (const auto& sp : specs) {
    add(sp, true);
    spec_keys.insert(NormalizeQuery(sp));
  }
  // A test named as a specimen is ("TISSUE"): the specimen's order answers for both.
  for (const auto& n : names) {
    if (!spec_keys.count(NormalizeQuery(n))) add(n, false);
  }
}

// ---- the name tables -------------------------------------------------------------

namespace {

// A name in its fluid's table, and in the main table when the fluid is blood.
void AddName(Table& main, std::map<std::string, Table>& fluids, const std::string& blood, const std::string& fluid,
             const std::string& raw, Target t, int priority, const char* rule) {
  const std::string key = NormalizeQuery(raw);
  fluids[fluid].Add(key, t, priority, rule);
  if (fluid == blood) main.Add(key, t, priority, rule);
}

}  // namespace

void LabCatalog::BuildIndex() {
  auto fresh = std::make_unique<Index>();
  fresh->item_label = std::move(index_->item_label);
  fresh->item_key = std::move(index_->item_key);
  index_ = std::move(fresh);
  Index& ix = *index_;
  IndexConcepts(ix);
  IndexItemAliases(ix);
  IndexOrdersAndRows(ix);
  ix.lab.Finalize(ix.vocab);
  for (auto& [fluid, table] : ix.fluid) table.Finalize(ix.vocab);
  ix.micro.Finalize(ix.vocab);
}

// The curated names of every concept, and the labels and LOINC names of its items.
void LabCatalog::IndexConcepts(Index& ix) const {
  const std::string blood = Lower(default_fluid_);
  // A label several curated concepts list names the narrowest of them (fewest labels).
  std::map<std::pair<std::string, std::string>, size_t> label_owner;  // (fluid, label) -> concept
  for (size_t i = 0; i < curated_tests_ && i < tests_.size(); ++i) {
    for (const auto& l : tests_[i].labels) {
      auto [it, first] = label_owner.emplace(std::make_pair(Lower(tests_[i].fluid), NormalizeQuery(l)), i);
      if (!first && tests_[i].labels.size() < tests_[it->second].labels.size()) it->second = i;
    }
  }
  for (size_t i = 0; i < tests_.size(); ++i) {
    const LabConcept& k = tests_[i];
    const Target t{Kind::kLabTest, static_cast<uint32_t>(i)};
    const std::string fluid = Lower(k.fluid);
    ix.test_by_name.emplace(k.name, i);
    if (k.curated) {
      AddName(ix.lab, ix.fluid, blood, fluid, k.name, t, kCurated, "name");
      AddName(ix.lab, ix.fluid, blood, fluid, k.display, t, kCurated, "name");
      for (const auto& l : k.labels) {
        if (label_owner[{fluid, NormalizeQuery(l)}] == i)
          AddName(ix.lab, ix.fluid, blood, fluid, l, t, kCuratedLabel, "label");
      }
      for (const auto& a : k.aliases) AddName(ix.lab, ix.fluid, blood, fluid, a, t, kCurated, "alias");
      // Every test answers to its full name in the main table: "urine potassium".
      ix.lab.Add(NormalizeQuery(k.display), t, kCurated, "name");
    }
    for (int64_t id : k.itemids) {
      // An item's label names the concept it belongs to, the narrowest holding it.
      if (ConceptOfItem(id) == static_cast<int>(i)) IndexItemNames(ix, i, id);
    }
  }
}

// An item's label (and without its fluid's words) in its fluid, and its LOINC name.
void LabCatalog::IndexItemNames(Index& ix, size_t concept_index, int64_t id) const {
  auto it = ix.item_label.find(id);
  if (it == ix.item_label.end()) return;
  const Target t{Kind::kLabTest, static_cast<uint32_t>(concept_index)};
  const std::string blood = Lower(default_fluid_);
  const std::string item_fluid = Lower(it->second.second);
  const std::string& label = ix.item_key[id];
  if (label.size() < 2) return;  // "H", "I", "L": never a name
  std::vector<std::string> own_words;
  for (const auto& [word, fluid] : fluid_words_) {
    if (Lower(fluid) == item_fluid) own_words.push_back(word);
  }
  AddName(ix.lab, ix.fluid, blood, item_fluid, label, t, kLabelPriority, "label");
  AddName(ix.lab, ix.fluid, blood, item_fluid, WithoutFluidWords(label, own_words), t, kStrippedLabel, "label");
  const std::string f = NormalizeQuery(it->second.second);
  const bool named = std::any_of(fluid_words_.begin(), fluid_words_.end(), [&](const auto& w) { return w.first == f; });
  if (own_words.empty() && item_fluid != blood && !named) {
    // A fluid no word names ("I", "Q"): its name with the label, in the main table.
    ix.lab.Add(f + " " + label, t, kLabelPriority, "label");
    ix.lab.Add(label + " " + f, t, kLabelPriority, "label");
  }
  const LoincEntry* e = loinc_ ? loinc_->Find(id) : nullptr;
  if (e == nullptr || e->name.empty() || !dictionary_) return;
  if (std::find(loinc_ungrouped_.begin(), loinc_ungrouped_.end(), id) != loinc_ungrouped_.end()) return;
  const std::string system = LoincSystemFluid(e->name);
  if (!system.empty() && Lower(system) != item_fluid) return;  // a mapping of another specimen
  const std::string loinc_key = NormalizeQuery(e->name);
  ix.fluid[item_fluid].Add(loinc_key, t, kLoincPriority, "LOINC name");
  ix.lab.Add(loinc_key, t, kLoincPriority, "LOINC name");
}

// [[alias]]: clinicians' names for the concept holding a dictionary item.
void LabCatalog::IndexItemAliases(Index& ix) const {
  const std::string blood = Lower(default_fluid_);
  std::map<std::pair<std::string, std::string>, std::vector<int64_t>> items_by_label;  // (label, fluid) -> itemids
  for (const auto& [id, lf] : ix.item_label) items_by_label[{ix.item_key[id], Lower(lf.second)}].push_back(id);
  for (const ItemAlias& a : item_aliases_) {
    int concept_index = -1;
    std::vector<int64_t> ids = {a.itemid};
    if (a.itemid == 0) {
      auto it = items_by_label.find({NormalizeQuery(a.label), Lower(a.fluid)});
      ids = it == items_by_label.end() ? std::vector<int64_t>{} : it->second;
    }
    for (int64_t id : ids) {
      const int k = ConceptOfItem(id);
      if (k >= 0 && (concept_index < 0 || k < concept_index)) concept_index = k;
    }
    if (concept_index < 0) continue;  // the store has no such item
    const Target t{Kind::kLabTest, static_cast<uint32_t>(concept_index)};
    const std::string fluid = Lower(tests_[static_cast<size_t>(concept_index)].fluid);
    for (const auto& name : a.aliases) {
      AddName(ix.lab, ix.fluid, blood, fluid, name, t, kCurated, "alias");
      for (const auto& other : a.also_in) ix.fluid[Lower(other)].Add(NormalizeQuery(name), t, kCurated, "alias");
    }
  }
}

// Panels, the rows that are not tests, and the microbiology orders.
void LabCatalog::IndexOrdersAndRows(Index& ix) const {
  for (size_t i = 0; i < panels_.size(); ++i) {
    const LabPanel& p = panels_[i];
    const Target t{Kind::kLabPanel, static_cast<uint32_t>(i)};
    for (const auto& n : {p.name, p.title}) ix.lab.Add(NormalizeQuery(n), t, kCurated, "panel");
    for (const auto& a : p.aliases) ix.lab.Add(NormalizeQuery(a), t, kCurated, "panel");
  }
  for (size_t i = 0; i < non_tests_.size(); ++i) {
    const NonTestItem& n = non_tests_[i];
    const std::string label = NormalizeQuery(n.label);
    if (label.size() < 3) continue;
    AddName(ix.lab, ix.fluid, Lower(default_fluid_), Lower(n.fluid), label,
            Target{Kind::kNotATest, static_cast<uint32_t>(i)}, kLabelPriority, "label");
  }
  for (size_t i = 0; i < micro_.size(); ++i) {
    const MicroConcept& m = micro_[i];
    const Target t{Kind::kMicro, static_cast<uint32_t>(i)};
    ix.micro_by_name.emplace(m.name, i);
    if (m.curated) {
      for (const auto& n : {m.name, m.title}) ix.micro.Add(NormalizeQuery(n), t, kCurated, "name");
      for (const auto& a : m.aliases) ix.micro.Add(NormalizeQuery(a), t, kCurated, "alias");
    } else {
      ix.micro.Add(NormalizeQuery(m.title), t, kLabelPriority, m.spec_types.empty() ? "test name" : "specimen type");
    }
  }
}

int LabCatalog::ConceptOfItem(int64_t itemid) const {
  auto it = item_concept_.find(itemid);
  return it == item_concept_.end() ? -1 : it->second;
}

const std::vector<size_t>& LabCatalog::ConceptsOfItem(int64_t itemid) const {
  static const std::vector<size_t> kNone;
  auto it = item_concepts_.find(itemid);
  return it == item_concepts_.end() ? kNone : it->second;
}

const NonTestItem* LabCatalog::NonTest(int64_t itemid) const {
  auto it = item_non_test_.find(itemid);
  return it == item_non_test_.end() ? nullptr : &non_tests_[it->second];
}

const LabConcept* LabCatalog::FindTest(std::string_view name) const {
  auto it = index_->test_by_name.find(std::string(name));
  return it == index_->test_by_name.end() ? nullptr : &tests_[it->second];
}

const MicroConcept* LabCatalog::FindMicro(std::string_view name) const {
  auto it = index_->micro_by_name.find(std::string(name));
  return it == index_->micro_by_name.end() ? nullptr : &micro_[it->second];
}

std::string LabCatalog::TargetName(Resolution::Kind kind, size_t index) const {
  switch (kind) {
    case Kind::kLabTest:
      return tests_[index].Display();
    case Kind::kLabPanel:
      return panels_[index].name;
    case Kind::kMicro:
      return micro_[index].title;
    case Kind::kNotATest:
      return non_tests_[index].label;
    case Kind::kAmbiguous:
    case Kind::kUnrecognized:
      break;
  }
  return "";
}

// ---- resolution ------------------------------------------------------------------

namespace {

// A name table's answer to one exact name.
bool Take(const Entry* e, Resolution* r) {
  if (e == nullptr || e->targets.empty()) return false;
  r->rule = e->rule;
  r->matched = e->key;
  const bool all_non_tests =
      std::all_of(e->targets.begin(), e->targets.end(), [](const Target& t) { return t.kind == Kind::kNotATest; });
  if (e->targets.size() == 1 || all_non_tests) {  // several rows that are not tests: one answer
    r->kind = e->targets[0].kind;
    r->index = e->targets[0].index;
    return true;
  }
  r->kind = Kind::kAmbiguous;
  for (const Target& t : e->targets) {
    if (t.kind != Kind::kNotATest) r->candidates.push_back({t.kind, t.index});
  }
  return true;
}

struct SpellingMatch {
  const Entry* entry;
  size_t distance;
};

// Entries of `table` whose words are those of the query, each either the same
// word or, for a word the catalog does not know, a known word within the
// spelling budget. Only the nearest are returned.
std::vector<SpellingMatch> Misspelled(const Table& table, const Vocabulary& vocab,
                                      const std::vector<std::string>& words) {
  if (words.empty()) return {};
  std::vector<std::vector<std::pair<uint32_t, size_t>>> options(words.size());
  bool changed = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const int known = vocab.Find(words[i]);
    if (known >= 0) {
      options[i] = {{static_cast<uint32_t>(known), 0}};
      continue;
    }
    if (!Fuzzable(words[i])) return {};
    options[i] = vocab.Near(words[i], SpellingBudget(words[i].size()));
    if (options[i].empty()) return {};
    changed = true;
  }
  if (!changed) return {};
  std::vector<SpellingMatch> out;
  size_t best = SIZE_MAX;
  for (const auto& [first, d0] : options[0]) {
    auto it = table.by_shape.find(Table::Shape(words.size(), first));
    if (it == table.by_shape.end()) continue;
    for (uint32_t e : it->second) {
      const Entry& entry = table.entries[e];
      if (entry.tokens.size() != words.size()) continue;
      size_t total = d0;
      bool ok = true;
      for (size_t i = 1; i < words.size() && ok; ++i) {
        auto o = std::find_if(options[i].begin(), options[i].end(),
                              [&](const auto& opt) { return opt.first == entry.tokens[i]; });
        ok = o != options[i].end();
        if (ok) total += o->second;
      }
      if (!ok || total > best) continue;
      if (total < best) {
        best = total;
        out.clear();
      }
      out.push_back({&entry, total});
    }
  }
  return out;
}

// Reads a misspelling: one analyte, or ambiguous between several.
bool TakeSpelling(const std::vector<SpellingMatch>& matches, Resolution* r) {
  if (matches.empty()) return false;
  std::vector<Target> targets;
  for (const SpellingMatch& m : matches) {
    for (const Target& t : m.entry->targets) {
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
    }
  }
  r->spelling = true;
  r->matched = r->interpreted = matches.front().entry->key;
  r->rule = matches.front().entry->rule;
  if (targets.size() == 1) {
    r->kind = targets[0].kind;
    r->index = targets[0].index;
    return true;
  }
  r->kind = Kind::kAmbiguous;
  r->interpreted.clear();
  for (const Target& t : targets) {
    if (t.kind != Kind::kNotATest) r->candidates.push_back({t.kind, t.index});
  }
  return true;
}

// Up to 3 names near the query: those sharing its words (or near ones), fewest other words first.
std::vector<Target> Suggest(const Table& table, const Vocabulary& vocab, const std::vector<std::string>& words) {
  struct Score {
    size_t shared = 0, distance = 0;
  };
  std::unordered_map<uint32_t, Score> scores;
  for (const std::string& w : words) {
    std::vector<std::pair<uint32_t, size_t>> near;
    const int known = vocab.Find(w);
    if (known >= 0) near.emplace_back(static_cast<uint32_t>(known), 0);
    if (Fuzzable(w)) {
      for (const auto& n : vocab.Near(w, SpellingBudget(w.size()) + 1)) {
        if (static_cast<int>(n.first) != known) near.push_back(n);
      }
    }
    for (const auto& [word, d] : near) {
      auto it = table.by_word.find(word);
      if (it == table.by_word.end()) continue;
      for (uint32_t e : it->second) {
        Score& s = scores[e];
        ++s.shared;
        s.distance += d;
      }
    }
  }
  std::vector<std::pair<uint32_t, Score>> ranked(scores.begin(), scores.end());
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    if (a.second.shared != b.second.shared) return a.second.shared > b.second.shared;
    if (a.second.distance != b.second.distance) return a.second.distance < b.second.distance;
    const Entry &x = table.entries[a.first], &y = table.entries[b.first];
    if (x.tokens.size() != y.tokens.size()) return x.tokens.size() < y.tokens.size();
    if (x.priority != y.priority) return x.priority < y.priority;
    return x.key < y.key;
  });
  std::vector<Target> out;
  for (const auto& [e, score] : ranked) {
    for (const Target& t : table.entries[e].targets) {
      if (t.kind == Kind::kNotATest || std::find(out.begin(), out.end(), t) != out.end()) continue;
      out.push_back(t);
      if (out.size() == 3) return out;
    }
  }
  return out;
}

}  // namespace

Resolution LabCatalog::ResolveLab(std::string_view query) const { return Resolve(query, true); }
Resolution LabCatalog::ResolveMicro(std::string_view query) const { return Resolve(query, false); }

// A query on its way through the resolver.
struct LabCatalog::Query {
  bool lab = true;
  std::string full, q;                 // normalized; q without trailing filler words
  std::string base;                    // what is left once a fluid word is taken off
  const Table* fluid_table = nullptr;  // the fluid the query named, if any
};

Resolution LabCatalog::Resolve(std::string_view query, bool lab) const {
  Resolution r;
  r.query = std::string(query);
  Query qy;
  qy.lab = lab;
  qy.full = NormalizeQuery(query);
  if (qy.full.empty()) return r;
  const std::string stripped = StripFillers(qy.full);
  qy.q = qy.base = stripped.empty() ? qy.full : stripped;
  if (ResolveExact(qy, &r) || ResolveSpelling(qy, &r)) return r;
  const Table& table = qy.fluid_table != nullptr ? *qy.fluid_table : lab ? index_->lab : index_->micro;
  for (const Target& t : Suggest(table, index_->vocab, Tokens(qy.base))) {
    r.suggestions.push_back(TargetName(t.kind, t.index));
  }
  return r;
}

// Exact names: the main table; then (labs) a name only other fluids have; then a fluid word
// before or after the name: "urine potassium", "potassium, urine".
bool LabCatalog::ResolveExact(Query& qy, Resolution* r) const {
  const Index& ix = *index_;
  const Table& main = qy.lab ? ix.lab : ix.micro;
  for (const std::string& name : {qy.full, qy.q}) {
    if (Take(main.Find(name), r)) return true;
  }
  if (!qy.lab) return false;
  for (const std::string& name : {qy.full, qy.q}) {
    if (ResolveInOtherFluids(name, r)) return true;
  }
  // A fluid word in front is taken before one at the end ("urine creatinine, serum" is urine).
  for (const std::string& name : {qy.full, qy.q}) {
    const std::string padded_q = Pad(name);
    for (int at_end = 0; at_end < 2; ++at_end) {
      for (const auto& [word, fluid] : fluid_words_) {
        const std::string padded_word = Pad(word);
        if (name.size() <= word.size() + 1) continue;
        std::string rest;
        if (!at_end && padded_q.compare(0, padded_word.size(), padded_word) == 0) {
          rest = name.substr(word.size() + 1);
        } else if (at_end &&
                   padded_q.compare(padded_q.size() - padded_word.size(), std::string::npos, padded_word) == 0) {
          rest = name.substr(0, name.size() - word.size() - 1);
        } else {
          continue;
        }
        static const Table kEmpty;
        auto ft = ix.fluid.find(Lower(fluid));
        qy.fluid_table = ft == ix.fluid.end() ? &kEmpty : &ft->second;
        if (Take(qy.fluid_table->Find(rest), r)) {
          r->fluid = fluid;
          return true;
        }
        if (name == qy.q) {  // misspellings are looked for in this fluid
          qy.base = StripFillers(rest).empty() ? rest : StripFillers(rest);
          r->fluid = fluid;
          return false;
        }
        at_end = 2;  // the full name's first fluid word did not do: try without the filler words
        break;
      }
    }
  }
  return false;
}

// A bare name only one fluid other than blood has ("specific gravity", "nitrite"); several: ambiguous.
bool LabCatalog::ResolveInOtherFluids(const std::string& q, Resolution* r) const {
  Resolution one_of = *r;
  std::vector<Resolution::Candidate> found;
  bool non_test = false;
  // Only the names of the best rank count: a curated name in one fluid wins over a label in another.
  int best = INT32_MAX;
  for (const auto& [fluid, table] : index_->fluid) {
    if (fluid == Lower(default_fluid_)) continue;
    const Entry* e = table.Find(q);
    if (e != nullptr && !e->targets.empty()) best = std::min(best, e->priority);
  }
  for (const auto& [fluid, table] : index_->fluid) {
    if (fluid == Lower(default_fluid_)) continue;
    Resolution one = *r;
    const Entry* e = table.Find(q);
    if (e == nullptr || e->priority != best || !Take(e, &one)) continue;
    if (one.kind == Kind::kNotATest) {
      non_test = true;
      one_of = one;
      continue;
    }
    one_of = one;
    if (one.kind == Kind::kAmbiguous) {
      found.insert(found.end(), one.candidates.begin(), one.candidates.end());
    } else if (std::find(found.begin(), found.end(), Resolution::Candidate{one.kind, one.index}) == found.end()) {
      found.push_back({one.kind, one.index});
    }
  }
  if (found.empty() && !non_test) return false;
  if (found.size() > 1) {
    one_of.kind = Kind::kAmbiguous;
    one_of.candidates = found;
  }
  *r = one_of;
  return true;
}

// Misspellings: words the catalog does not know read as the nearest known words, in the fluid
// the query named; else in the main table, then in the other fluids.
bool LabCatalog::ResolveSpelling(Query& qy, Resolution* r) const {
  const Index& ix = *index_;
  const std::vector<std::string> words = Tokens(qy.base);
  if (qy.fluid_table != nullptr) return TakeSpelling(Misspelled(*qy.fluid_table, ix.vocab, words), r);
  if (TakeSpelling(Misspelled(qy.lab ? ix.lab : ix.micro, ix.vocab, words), r)) return true;
  if (!qy.lab) return false;
  std::vector<SpellingMatch> others;
  for (const auto& [fluid, table] : ix.fluid) {
    if (fluid == Lower(default_fluid_)) continue;
    auto m = Misspelled(table, ix.vocab, words);
    others.insert(others.end(), m.begin(), m.end());
  }
  if (others.empty()) return false;
  const size_t best = std::min_element(others.begin(), others.end(), [](const auto& a, const auto& b) {
                        return a.distance < b.distance;
                      })->distance;
  others.erase(std::remove_if(others.begin(), others.end(), [&](const auto& m) { return m.distance > best; }),
               others.end());
  return TakeSpelling(others, r);
}

std::string LabCatalog::FirstMatch(std::string_view text,
                                   const std::vector<std::pair<std::string, std::vector<std::string>>>& words) {
  const std::string padded = Pad(NormalizeQuery(text));
  std::string best;
  size_t best_at = std::string::npos, best_len = 0;
  for (const auto& [name, list] : words) {
    for (const auto& w : list) {
      const size_t at = padded.find(Pad(w));
      if (at == std::string::npos) continue;
      // The earliest word in the text wins; at the same place, the longest.
      if (at < best_at || (at == best_at && w.size() > best_len)) {
        best = name;
        best_at = at;
        best_len = w.size();
      }
    }
  }
  return best;
}

std::string LabCatalog::ImagingModality(std::string_view text) const { return FirstMatch(text, modalities_); }
std::string LabCatalog::ImagingRegion(std::string_view text) const { return FirstMatch(text, regions_); }

std::string LabCatalog::PoeModality(const std::string& order_subtype) const {
  auto it = poe_subtypes_.find(order_subtype);
  return it == poe_subtypes_.end() ? "" : it->second;
}

}  // namespace medcred

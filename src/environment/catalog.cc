#include "environment/catalog.h"

#include "common/text.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace medcred {
namespace {

// Words a query may end with that add nothing: "troponin level", "lipase test".
const std::set<std::string> kFillers = {"level",  "levels", "test", "tests",       "study",  "studies", "value",
                                        "values", "lab",    "labs", "measurement", "please", "stat"};

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

}  // namespace

std::string NormalizeQuery(std::string_view text) { return NormalizeWords(text, "+%"); }

size_t EditDistance(std::string_view a, std::string_view b) {
  // Three rows of the optimal-string-alignment table, reused across calls on
  // this thread (the resolver calls this for hundreds of aliases per query).
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

std::string LabConcept::Display() const {
  std::string d = name;
  std::replace(d.begin(), d.end(), '_', ' ');
  return d;
}

Result<LabCatalog> LabCatalog::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  return Parse(f);
}

Result<LabCatalog> LabCatalog::Parse(const DataFile& file) {
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  const std::string& p = file.path;
  LabCatalog c;
  c.sha256_ = file.sha256;
  MEDCRED_ASSIGN_OR_RETURN(c.version_, TomlText(root["version"], p + ": version"));
  MEDCRED_ASSIGN_OR_RETURN(c.default_fluid_, TomlText(root["default_fluid"], p + ": default_fluid"));

  const toml::table* fw = root["fluid_words"].as_table();
  if (fw == nullptr) return Status::BadInput(p + ": [fluid_words] is missing");
  for (const auto& [fluid, words] : *fw) {
    MEDCRED_ASSIGN_OR_RETURN(auto list, TomlStrings(toml::node_view<const toml::node>(words),
                                                    p + ": fluid_words." + std::string(fluid.str()), true));
    for (const auto& w : list) c.fluid_words_.emplace_back(NormalizeQuery(w), std::string(fluid.str()));
  }
  std::stable_sort(c.fluid_words_.begin(), c.fluid_words_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

  // Adds key -> target to a table; the same key naming two targets is an error.
  auto add = [&](Table& table, const std::string& raw, Target t, const std::string& where) -> Status {
    const std::string key = NormalizeQuery(raw);
    if (key.empty()) return Status::OK();
    auto [it, inserted] = table.emplace(key, t);
    if (!inserted && (it->second.kind != t.kind || it->second.index != t.index)) {
      return Status::BadInput(where + ": '" + raw + "' already names another test in this fluid");
    }
    return Status::OK();
  };

  const toml::array* tests = root["test"].as_array();
  if (tests == nullptr || tests->empty()) return Status::BadInput(p + ": no [[test]] entries");
  for (size_t i = 0; i < tests->size(); ++i) {
    const std::string where = p + ": test #" + std::to_string(i + 1);
    const toml::table* t = (*tests)[i].as_table();
    if (t == nullptr) return Status::BadInput(where + " is not a table");
    const toml::node_view<const toml::node> v(t);
    LabConcept k;
    MEDCRED_ASSIGN_OR_RETURN(k.name, TomlText(v["name"], where + ".name"));
    const std::string w = where + " (" + k.name + ")";
    k.fluid = v["fluid"].value_or(c.default_fluid_);
    MEDCRED_ASSIGN_OR_RETURN(k.labels, TomlStrings(v["labels"], w + ".labels", true));
    MEDCRED_ASSIGN_OR_RETURN(k.aliases, TomlStrings(v["aliases"], w + ".aliases", false));
    if (c.FindTest(k.name) != nullptr) return Status::BadInput(w + ": the name is used twice");
    const Target target{Resolution::Kind::kLabTest, c.tests_.size()};
    Table& fluid_table = c.by_fluid_[k.fluid];
    MEDCRED_RETURN_IF_ERROR(add(c.lab_global_, k.Display(), target, w + ".name"));
    for (const auto& name : std::vector<std::string>{k.name, k.Display()}) {
      MEDCRED_RETURN_IF_ERROR(add(fluid_table, name, target, w + ".name"));
    }
    for (const auto& l : k.labels) MEDCRED_RETURN_IF_ERROR(add(fluid_table, l, target, w + ".labels"));
    for (const auto& a : k.aliases) MEDCRED_RETURN_IF_ERROR(add(fluid_table, a, target, w + ".aliases"));
    c.tests_.push_back(std::move(k));
  }
  // Tests of the default fluid answer to their bare names.
  for (const auto& [key, target] : c.by_fluid_[c.default_fluid_]) {
    MEDCRED_RETURN_IF_ERROR(add(c.lab_global_, key, target, p + ": test " + c.tests_[target.index].name));
  }

  if (const toml::array* panels = root["panel"].as_array()) {
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
        const LabConcept* k = c.FindTest(n);
        if (k == nullptr) return Status::BadInput(w + ".tests: no [[test]] named '" + n + "'");
        panel.tests.push_back(static_cast<size_t>(k - c.tests_.data()));
      }
      const Target target{Resolution::Kind::kLabPanel, c.panels_.size()};
      MEDCRED_RETURN_IF_ERROR(add(c.lab_global_, panel.name, target, w + ".name"));
      MEDCRED_RETURN_IF_ERROR(add(c.lab_global_, panel.title, target, w + ".title"));
      for (const auto& a : panel.aliases) MEDCRED_RETURN_IF_ERROR(add(c.lab_global_, a, target, w + ".aliases"));
      c.panels_.push_back(std::move(panel));
    }
  }

  if (const toml::array* micro = root["micro"].as_array()) {
    for (size_t i = 0; i < micro->size(); ++i) {
      const std::string where = p + ": micro #" + std::to_string(i + 1);
      const toml::table* t = (*micro)[i].as_table();
      if (t == nullptr) return Status::BadInput(where + " is not a table");
      const toml::node_view<const toml::node> v(t);
      MicroConcept m;
      MEDCRED_ASSIGN_OR_RETURN(m.name, TomlText(v["name"], where + ".name"));
      const std::string w = where + " (" + m.name + ")";
      MEDCRED_ASSIGN_OR_RETURN(m.title, TomlText(v["title"], w + ".title"));
      MEDCRED_ASSIGN_OR_RETURN(m.spec_types, TomlStrings(v["spec_types"], w + ".spec_types", true));
      MEDCRED_ASSIGN_OR_RETURN(m.test_names, TomlStrings(v["test_names"], w + ".test_names", false));
      MEDCRED_ASSIGN_OR_RETURN(m.aliases, TomlStrings(v["aliases"], w + ".aliases", false));
      const Target target{Resolution::Kind::kMicro, c.micro_.size()};
      MEDCRED_RETURN_IF_ERROR(add(c.micro_global_, m.name, target, w + ".name"));
      MEDCRED_RETURN_IF_ERROR(add(c.micro_global_, m.title, target, w + ".title"));
      for (const auto& a : m.aliases) MEDCRED_RETURN_IF_ERROR(add(c.micro_global_, a, target, w + ".aliases"));
      c.micro_.push_back(std::move(m));
    }
  }

  const toml::table* imaging = root["imaging"].as_table();
  if (imaging == nullptr) return Status::BadInput(p + ": [imaging] is missing");
  for (const char* section : {"modalities", "regions"}) {
    const toml::table* tbl = (*imaging)[section].as_table();
    if (tbl == nullptr) return Status::BadInput(p + ": [imaging." + section + "] is missing");
    auto& out = std::string(section) == "modalities" ? c.modalities_ : c.regions_;
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
      c.poe_subtypes_[std::string(subtype.str())] = *m;
    }
  }
  return c;
}

size_t LabCatalog::BindItems(const std::vector<LabItemRecord>& items) {
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> by_label;  // (label, fluid) -> concepts
  for (size_t i = 0; i < tests_.size(); ++i) {
    tests_[i].itemids.clear();
    for (const auto& l : tests_[i].labels) by_label[{Lower(l), Lower(tests_[i].fluid)}].push_back(i);
  }
  item_concept_.clear();
  for (const LabItemRecord& item : items) {
    auto it = by_label.find({Lower(item.label), Lower(item.fluid)});
    if (it == by_label.end()) continue;
    for (size_t i : it->second) tests_[i].itemids.push_back(item.itemid);
    item_concept_[item.itemid] = static_cast<int>(it->second.front());
  }
  size_t bound = 0;
  for (const auto& t : tests_) bound += !t.itemids.empty();
  return bound;
}

int LabCatalog::ConceptOfItem(int64_t itemid) const {
  auto it = item_concept_.find(itemid);
  return it == item_concept_.end() ? -1 : it->second;
}

const LabConcept* LabCatalog::FindTest(std::string_view name) const {
  for (const auto& t : tests_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

Resolution LabCatalog::ResolveLab(std::string_view query) const { return Resolve(query, lab_global_, true); }
Resolution LabCatalog::ResolveMicro(std::string_view query) const { return Resolve(query, micro_global_, false); }

Resolution LabCatalog::Resolve(std::string_view query, const Table& global, bool fluid_aware) const {
  Resolution r;
  r.query = std::string(query);
  const std::string full = NormalizeQuery(query);
  if (full.empty()) return r;
  const std::string q = StripFillers(full).empty() ? full : StripFillers(full);
  auto found = [&](const Target& t, const std::string& interpreted) {
    r.kind = t.kind;
    r.index = t.index;
    r.interpreted = interpreted;
    return r;
  };
  for (const std::string& cand : {full, q}) {
    if (auto it = global.find(cand); it != global.end()) return found(it->second, "");
  }

  // A fluid named before or after the test: "urine potassium", "potassium, urine".
  const Table* fluid_table = nullptr;
  std::string base = q;
  if (fluid_aware) {
    for (const auto& [word, fluid] : fluid_words_) {
      std::string rest;
      const std::string padded_word = Pad(word);
      const std::string padded_q = Pad(q);
      if (q.size() > word.size() + 1 && padded_q.compare(0, padded_word.size(), padded_word) == 0) {
        rest = q.substr(word.size() + 1);
      } else if (q.size() > word.size() + 1 &&
                 padded_q.compare(padded_q.size() - padded_word.size(), std::string::npos, padded_word) == 0) {
        rest = q.substr(0, q.size() - word.size() - 1);
      } else {
        continue;
      }
      auto ft = by_fluid_.find(fluid);
      if (ft == by_fluid_.end()) continue;
      fluid_table = &ft->second;
      base = rest;
      if (auto it = ft->second.find(rest); it != ft->second.end()) return found(it->second, "");
      break;
    }
    // A bare name only one other fluid has ("specific gravity", "nitrite").
    if (fluid_table == nullptr) {
      const Target* only = nullptr;
      int fluids = 0;
      for (const auto& [fluid, table] : by_fluid_) {
        if (auto it = table.find(q); it != table.end()) {
          only = &it->second;
          ++fluids;
        }
      }
      if (fluids == 1) return found(*only, "");
    }
  }

  // Misspellings: the nearest alias, if near enough and unambiguous.
  const Table& table = fluid_table != nullptr ? *fluid_table : global;
  const size_t allowed = base.size() >= 8 ? 2 : base.size() >= 4 ? 1 : 0;
  const size_t limit = std::max<size_t>(2, base.size() / 2);  // how far a suggestion may be
  size_t best = SIZE_MAX;
  std::vector<std::pair<const std::string*, Target>> nearest;
  std::vector<std::pair<size_t, std::pair<const std::string*, Target>>> scored;
  for (const auto& [key, target] : table) {
    // The length difference bounds the distance from below: skip what cannot be near.
    const size_t length_gap = base.size() > key.size() ? base.size() - key.size() : key.size() - base.size();
    const bool inside = base.size() >= 3 && key.size() >= 3 &&
                        (key.find(base) != std::string::npos || base.find(key) != std::string::npos);
    if (length_gap > std::max(limit, allowed) && !inside) continue;
    const size_t d = EditDistance(base, key);
    // Only aliases of 4+ letters are guessed at: "na+k" is not a misspelled "na+".
    if (key.size() >= 4 && d < best) {
      best = d;
      nearest.clear();
    }
    if (key.size() >= 4 && d == best) nearest.emplace_back(&key, target);
    // For suggestions, a key inside the query or the query inside a key is near.
    const size_t score = inside ? std::min<size_t>(d, 1) : d;
    if (score <= limit) scored.push_back({score, {&key, target}});
  }
  if (!nearest.empty() && best <= allowed) {
    const Target t = nearest.front().second;
    const bool same = std::all_of(nearest.begin(), nearest.end(),
                                  [&](const auto& n) { return n.second.kind == t.kind && n.second.index == t.index; });
    if (same) return found(t, *nearest.front().first);
  }

  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::set<std::pair<int, size_t>> seen;
  for (const auto& [score, entry] : scored) {
    if (score > limit || r.suggestions.size() == 3) break;
    const Target& t = entry.second;
    if (!seen.insert({static_cast<int>(t.kind), t.index}).second) continue;
    switch (t.kind) {
      case Resolution::Kind::kLabTest:
        r.suggestions.push_back(tests_[t.index].Display());
        break;
      case Resolution::Kind::kLabPanel:
        r.suggestions.push_back(panels_[t.index].name);
        break;
      case Resolution::Kind::kMicro:
        r.suggestions.push_back(micro_[t.index].title);
        break;
      case Resolution::Kind::kUnrecognized:
        break;
    }
  }
  return r;
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

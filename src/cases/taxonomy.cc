#include "cases/taxonomy.h"

#include <algorithm>
#include <set>

namespace medcred {
namespace {

Result<std::vector<CodeRange>> Ranges(const toml::node_view<const toml::node>& node, const std::string& where) {
  MEDCRED_ASSIGN_OR_RETURN(auto texts, TomlStrings(node, where));
  std::vector<CodeRange> out;
  for (const auto& t : texts) {
    MEDCRED_ASSIGN_OR_RETURN(CodeRange r, ParseCodeRange(t, where));
    out.push_back(r);
  }
  return out;
}

Result<int> Int(const toml::node_view<const toml::node>& node, const std::string& where, int lo, int hi) {
  auto v = node.value<int64_t>();
  if (!v || *v < lo || *v > hi) {
    return Status::BadInput(where + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<int>(*v);
}

}  // namespace

std::string Category::Definition() const {
  if (kind == "context") return description;
  std::string d = "principal diagnosis in ICD-10-CM ";
  for (size_t i = 0; i < icd10.size(); ++i) d += (i ? ", " : "") + icd10[i].ToString();
  return d;
}

Result<Taxonomy> Taxonomy::Load(const std::string& file_name) {
  MEDCRED_ASSIGN_OR_RETURN(DataFile f, LoadDataFile(file_name));
  return Parse(f);
}

Result<Taxonomy> Taxonomy::Parse(const DataFile& file) {
  MEDCRED_ASSIGN_OR_RETURN(const toml::table root, ParseToml(file));
  const std::string& p = file.path;
  Taxonomy t;
  t.sha256_ = file.sha256;
  MEDCRED_ASSIGN_OR_RETURN(t.version_, TomlText(root["version"], p + ": version"));

  const auto inc = root["inclusion"];
  if (!inc.as_table()) return Status::BadInput(p + ": [inclusion] is missing");
  InclusionRules& r = t.inclusion_;
  MEDCRED_ASSIGN_OR_RETURN(r.excluded_admission_types,
                           TomlStrings(inc["excluded_admission_types"], p + ": inclusion.excluded_admission_types"));
  MEDCRED_ASSIGN_OR_RETURN(r.window_hours_before,
                           Int(inc["window_hours_before"], p + ": inclusion.window_hours_before", 0, 24 * 30));
  MEDCRED_ASSIGN_OR_RETURN(r.window_hours_after,
                           Int(inc["window_hours_after"], p + ": inclusion.window_hours_after", 0, 24 * 30));
  MEDCRED_ASSIGN_OR_RETURN(r.min_labs_in_window,
                           Int(inc["min_labs_in_window"], p + ": inclusion.min_labs_in_window", 0, 100000));
  MEDCRED_ASSIGN_OR_RETURN(r.excluded_principal_icd10,
                           Ranges(inc["excluded_principal_icd10"], p + ": inclusion.excluded_principal_icd10"));
  MEDCRED_ASSIGN_OR_RETURN(r.excluded_principal_icd9,
                           Ranges(inc["excluded_principal_icd9"], p + ": inclusion.excluded_principal_icd9"));

  const toml::array* cats = root["category"].as_array();
  if (cats == nullptr || cats->empty()) return Status::BadInput(p + ": no [[category]] entries");
  std::set<std::string> names;
  static const std::set<std::string> kRules = {"icu_stay", "arrived_via_ed", "imaging_report_in_window"};
  for (size_t i = 0; i < cats->size(); ++i) {
    const toml::table* c = (*cats)[i].as_table();
    const std::string where = p + ": category #" + std::to_string(i + 1);
    if (c == nullptr) return Status::BadInput(where + " is not a table");
    const toml::node_view<const toml::node> cv(c);
    Category cat;
    MEDCRED_ASSIGN_OR_RETURN(cat.name, TomlText(cv["name"], where + ".name"));
    MEDCRED_ASSIGN_OR_RETURN(cat.title, TomlText(cv["title"], where + " (" + cat.name + ").title"));
    MEDCRED_ASSIGN_OR_RETURN(cat.kind, TomlText(cv["kind"], where + " (" + cat.name + ").kind"));
    if (!names.insert(cat.name).second) return Status::BadInput(where + ": the name '" + cat.name + "' is used twice");
    if (cat.kind == "diagnosis") {
      MEDCRED_ASSIGN_OR_RETURN(cat.icd10, Ranges(cv["icd10"], where + " (" + cat.name + ").icd10"));
    } else if (cat.kind == "context") {
      MEDCRED_ASSIGN_OR_RETURN(cat.rule, TomlText(cv["rule"], where + " (" + cat.name + ").rule"));
      if (!kRules.count(cat.rule)) {
        return Status::BadInput(where + " (" + cat.name + ").rule: '" + cat.rule +
                                "' is not one of icu_stay, arrived_via_ed, imaging_report_in_window");
      }
      MEDCRED_ASSIGN_OR_RETURN(cat.description, TomlText(cv["description"], where + " (" + cat.name + ").description"));
    } else {
      return Status::BadInput(where + " (" + cat.name + ").kind: '" + cat.kind + "' is not diagnosis or context");
    }
    t.categories_.push_back(std::move(cat));
  }
  return t;
}

const Category* Taxonomy::Find(std::string_view name) const {
  for (const auto& c : categories_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> Taxonomy::DiagnosisCategories(std::string_view icd10) const {
  std::vector<std::string> out;
  for (const auto& c : categories_) {
    if (c.kind != "diagnosis") continue;
    for (const auto& r : c.icd10) {
      if (r.Contains(icd10)) {
        out.push_back(c.name);
        break;
      }
    }
  }
  return out;
}

bool Taxonomy::ExcludedPrincipal(std::string_view code, int icd_version, const std::vector<std::string>& icd10) const {
  const auto& ranges = icd_version == 9 ? inclusion_.excluded_principal_icd9 : inclusion_.excluded_principal_icd10;
  const bool in_excluded_range =
      std::any_of(ranges.begin(), ranges.end(), [&](const CodeRange& r) { return r.Contains(code); });
  if (!in_excluded_range) return false;
  // Kept only when a category lists the code (or, for ICD-9, one of its
  // ICD-10-CM targets) in its own ranges.
  if (icd_version == 10) return DiagnosisCategories(code).empty();
  return std::none_of(icd10.begin(), icd10.end(),
                      [&](const std::string& c) { return !DiagnosisCategories(c).empty(); });
}

}  // namespace medcred

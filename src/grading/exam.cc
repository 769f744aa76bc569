#include "grading/exam.h"

#include <algorithm>

#include "common/sha256.h"

namespace medcred {

Result<Exam> Exam::Build(const CaseSet& cases, const Taxonomy& taxonomy, const Methodology& m) {
  if (!m.exam) {
    return Status::Usage("methodology " + m.version + " defines no standard exam ([exam], methodology v2 on)");
  }
  Exam exam;
  exam.version_ = m.exam->version;
  exam.split_ = m.split;
  exam.per_category_ = m.exam->cases;
  for (const Category& cat : taxonomy.categories()) {
    std::vector<std::pair<std::string, std::string>> keyed;  // (draw key, case id)
    for (const Case& c : cases.cases) {
      if (m.split != "all" && c.split != m.split) continue;
      if (std::find(c.categories.begin(), c.categories.end(), cat.name) == c.categories.end()) continue;
      keyed.emplace_back(Sha256::Hex(m.exam->salt + ":" + cat.name + ":" + c.case_id), c.case_id);
    }
    if (keyed.empty()) continue;
    std::sort(keyed.begin(), keyed.end());
    ExamCategory ec;
    ec.available = static_cast<int64_t>(keyed.size());
    if (keyed.size() > static_cast<size_t>(m.exam->cases)) keyed.resize(static_cast<size_t>(m.exam->cases));
    for (auto& [key, id] : keyed) ec.case_ids.push_back(id);
    ec.suite_sha256 = SuiteHash(cat.name, m.split, ec.case_ids, taxonomy.sha256());
    exam.members_[cat.name] = std::set<std::string>(ec.case_ids.begin(), ec.case_ids.end());
    exam.categories_[cat.name] = std::move(ec);
  }
  return exam;
}

bool Exam::Contains(const std::string& category, const std::string& case_id) const {
  auto it = members_.find(category);
  return it != members_.end() && it->second.count(case_id) > 0;
}

std::set<std::string> Exam::CaseIds(const std::string& category) const {
  std::set<std::string> out;
  for (const auto& [name, ids] : members_) {
    if (category == "all" || category == name) out.insert(ids.begin(), ids.end());
  }
  return out;
}

nlohmann::json Exam::ToJson() const {
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [name, ec] : categories_) {
    cats[name] = {{"size", ec.case_ids.size()}, {"available", ec.available}, {"suite_sha256", ec.suite_sha256}};
  }
  return {{"version", version_}, {"split", split_}, {"cases_per_category", per_category_}, {"categories", cats}};
}

}  // namespace medcred

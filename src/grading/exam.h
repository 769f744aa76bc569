// The standard exam (docs/methodology.md#the-standard-exam, issue 18): per
// category, the methodology's number of credential-split cases, drawn from the
// store's cases by a salted hash so that everyone with the same MIMIC release
// draws the same exam and gets the same suite hashes.
//
// A category's exam is its credential-split cases ordered by
// SHA-256(salt ":" category ":" case id), the first `cases` of them, or every
// one when the category has fewer (the demo). A case drawn by several
// categories is run once and counts in each of them; in an exam run a category
// counts only the cases of its own exam.
//
// Thread safety: Exam is an immutable value once built.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cases/case_builder.h"
#include "cases/taxonomy.h"
#include "common/status.h"
#include "grading/grader.h"

namespace medcred {

struct ExamCategory {
  std::vector<std::string> case_ids;  // the exam's cases in draw order (local only)
  int64_t available = 0;              // the category's credential-split cases in the store
  std::string suite_sha256;           // SuiteHash of the exam's cases
};

class Exam {
 public:
  // The exam of every category of the taxonomy that has credential-split
  // cases. A methodology without [exam] (v1) is a usage error.
  static Result<Exam> Build(const CaseSet& cases, const Taxonomy& taxonomy, const Methodology& methodology);

  const std::string& version() const { return version_; }
  int cases_per_category() const { return per_category_; }
  const std::string& split() const { return split_; }
  const std::map<std::string, ExamCategory>& categories() const { return categories_; }
  // True when the case is in the category's exam.
  bool Contains(const std::string& category, const std::string& case_id) const;
  // The case ids of the exams of `category` ("all": every category), each once.
  std::set<std::string> CaseIds(const std::string& category) const;

  // The summary.json `exam` object: version, cases per category, and per
  // category its size, the cases available and the exam's suite hash (counts
  // and hashes only).
  nlohmann::json ToJson() const;

 private:
  std::string version_, split_;
  int per_category_ = 0;
  std::map<std::string, ExamCategory> categories_;
  std::map<std::string, std::set<std::string>> members_;  // category -> case ids
};

}  // namespace medcred

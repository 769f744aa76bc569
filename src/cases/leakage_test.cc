// The leakage table (src/cases/testdata/leakage_cases.toml, SYNTHETIC): the
// truth-agnostic HPI cuts of presentation v2 and the truth-aware audit of
// every visible text (cases/audit.h), row by row, with the figures printed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "cases/audit.h"
#include "cases/presentation.h"
#include "common/text.h"
#include "testing/testing.h"

namespace medcred {
namespace {

struct Row {
  std::string id, category, principal, principal_title, field, expect, term, decoy, must_keep, why;
  std::vector<std::string> past_codes;
  std::string text;                    // chief_complaint, hpi_note, exam
  std::vector<std::string> home_meds;  // home_meds
  bool expect_cut = false;
};

std::vector<Row> LoadTable() {
  const std::string path = std::string(MEDCRED_SOURCE_DIR) + "/src/cases/testdata/leakage_cases.toml";
  std::vector<Row> rows;
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    ADD_FAILURE() << path << ": " << e.description();
    return rows;
  }
  const toml::array* cases = t["case"].as_array();
  if (cases == nullptr) {
    ADD_FAILURE() << path << ": no [[case]]";
    return rows;
  }
  for (const toml::node& n : *cases) {
    const toml::table& c = *n.as_table();
    Row r;
    auto str = [&](const char* k) { return c[k].value_or(std::string()); };
    r.id = str("id");
    r.category = str("category");
    r.principal = str("principal");
    r.principal_title = str("principal_title");
    r.field = str("field");
    r.expect = str("expect");
    r.term = str("term");
    r.decoy = str("decoy");
    r.must_keep = str("must_keep");
    r.why = str("why");
    r.expect_cut = c["expect_cut"].value_or(false);
    if (const toml::array* p = c["past_codes"].as_array()) {
      for (const auto& x : *p) r.past_codes.push_back(x.value_or(std::string()));
    }
    if (const toml::array* m = c["text"].as_array()) {
      for (const auto& x : *m) r.home_meds.push_back(x.value_or(std::string()));
    } else {
      r.text = str("text");
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

const std::vector<Row>& Table() {
  static const std::vector<Row> rows = LoadTable();
  return rows;
}

PresentationRules Rules(const std::string& file) {
  auto r = PresentationRules::Load(file);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : PresentationRules{};
}

// `word` in `text` on word boundaries, ignoring case.
bool HasWord(const std::string& text, const std::string& word) {
  const std::string t = Lower(text), w = Lower(word);
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t at = t.find(w); at != std::string::npos; at = t.find(w, at + 1)) {
    const bool left = at == 0 || !is_word(t[at - 1]);
    const size_t end = at + w.size();
    const bool right =
        end >= t.size() || !is_word(t[end]) || (t[end] == 's' && (end + 1 >= t.size() || !is_word(t[end + 1])));
    if (left && right) return true;
  }
  return false;
}

// Whether the HPI cut removed what the row says it should (the term, or for a
// row without one, any text of the section).
bool CutFired(const Row& r, const PresentationRules& rules) {
  const std::string hpi = ExtractHpi(r.text, rules);
  if (!r.term.empty() && r.expect == "include") return !HasWord(hpi, r.term) && HasWord(r.text, r.term);
  return hpi.size() < ExtractSection(r.text, rules.section_headers, rules.stop_line_prefixes, rules.max_chars).size();
}

TEST(LeakageTable, IsWellFormed) {
  ASSERT_EQ(Table().size(), 100u);
  for (const Row& r : Table()) {
    SCOPED_TRACE(r.id);
    EXPECT_THAT(r.expect, ::testing::AnyOf("include", "exclude"));
    EXPECT_THAT(r.field, ::testing::AnyOf("chief_complaint", "hpi_note", "home_meds", "exam"));
    if (r.field != "hpi_note") {
      EXPECT_FALSE(r.expect_cut);
    }
    if (r.expect == "exclude") {
      EXPECT_FALSE(r.term.empty());
    }
    if (!r.must_keep.empty()) {
      EXPECT_NE(r.text.find(r.must_keep), std::string::npos) << r.must_keep;
    }
  }
}

// Every leaking HPI the table marks expect_cut loses the leak under v2; v1
// is measured for the record. Texts marked expect_cut = false are not cut at
// all, and every must_keep survives.
TEST(LeakageTable, V2CutsEveryLeakingHpiAndKeepsTheHistory) {
  const PresentationRules v1 = Rules("presentation-v1.toml"), v2 = Rules("presentation-v2.toml");
  int leaking = 0, cut_v1 = 0, cut_v2 = 0, over_cut = 0;
  for (const Row& r : Table()) {
    if (r.field != "hpi_note") continue;
    SCOPED_TRACE(r.id + ": " + r.why);
    const std::string hpi = ExtractHpi(r.text, v2);
    if (!r.must_keep.empty()) {
      EXPECT_THAT(hpi, ::testing::HasSubstr(r.must_keep)) << hpi;
    }
    if (r.expect_cut) {
      leaking += r.expect == "include";
      if (r.expect == "include") {
        cut_v1 += CutFired(r, v1);
        cut_v2 += CutFired(r, v2);
      }
      EXPECT_TRUE(CutFired(r, v2)) << hpi;
    } else {
      const std::string whole = ExtractSection(r.text, v2.section_headers, v2.stop_line_prefixes, v2.max_chars);
      over_cut += hpi != whole;
      EXPECT_EQ(hpi, whole) << "a cut fired on a text the table says no pattern matches";
    }
  }
  std::printf("leaking HPI texts cut: v1 %d of %d, v2 %d of %d; texts without a leak cut by v2: %d\n", cut_v1, leaking,
              cut_v2, leaking, over_cut);
  EXPECT_EQ(leaking, 37);
}

struct References {
  IcdReference icd;
  Ccsr ccsr;
  LeakageAudit audit;
};

// The references and the audit, loaded once (null without the reference folder).
const References* Refs() {
  static const References* refs = []() -> const References* {
    const std::string dir = test::ReferenceDir();
    if (dir.empty()) return nullptr;
    auto icd = IcdReference::Load(dir);
    auto ccsr = Ccsr::Load(dir);
    if (!icd.ok() || !ccsr.ok()) {
      ADD_FAILURE() << "references: " << (icd.ok() ? ccsr.status().message() : icd.status().message());
      return nullptr;
    }
    auto* r = new References{std::move(*icd), std::move(*ccsr), LeakageAudit{}};
    const PresentationRules v2 = Rules("presentation-v2.toml");
    auto audit = LeakageAudit::Load(v2.audit_terms_file, v2.audit_lexicon_file, r->icd, r->ccsr);
    if (!audit.ok()) {
      ADD_FAILURE() << audit.status().message();
      return nullptr;
    }
    r->audit = std::move(*audit);
    return r;
  }();
  return refs;
}

// What the audit finds in the row's visible text after presentation v2's cuts.
std::optional<AuditFinding> AuditRow(const Row& r, const LeakageAudit& audit, const PresentationRules& rules) {
  const DiagnosisTerms terms = audit.TermsFor({r.principal});
  if (r.field == "chief_complaint") return audit.Scan(terms, AuditField::kChiefComplaint, r.text);
  if (r.field == "exam") return audit.Scan(terms, AuditField::kExam, r.text);
  if (r.field == "hpi_note") return audit.Scan(terms, AuditField::kHpi, ExtractHpi(r.text, rules));
  VisibleTexts v;
  v.home_medications = r.home_meds;
  v.past_codes = r.past_codes;
  return audit.Audit(terms, v);
}

// Every row: the audit excludes exactly the rows the table says name the
// principal after the cuts, on the term the table names.
TEST(LeakageTable, AuditExcludesWhatNamesThePrincipalAndNothingElse) {
  MEDCRED_REQUIRE_REFERENCE(dir);
  const References* refs = Refs();
  ASSERT_NE(refs, nullptr);
  const PresentationRules v2 = Rules("presentation-v2.toml");
  int must_exclude = 0, excluded = 0, must_include = 0, false_exclusions = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const Row& r : Table()) {
    (void)AuditRow(r, refs->audit, v2);
  }
  const double per_row_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(Table().size());
  std::printf("audit time (terms, cuts and scan of one text): %.0f us per row\n", per_row_us);
  for (const Row& r : Table()) {
    SCOPED_TRACE(r.id + " (" + r.principal + " " + r.principal_title + "): " + r.why);
    EXPECT_EQ(refs->icd.Title(r.principal), r.principal_title);
    const auto f = AuditRow(r, refs->audit, v2);
    if (r.expect == "exclude") {
      ++must_exclude;
      excluded += f.has_value();
      ASSERT_TRUE(f.has_value()) << "not excluded";
      // The mention found is the table's term (or a word of it, or the term a word of it).
      const std::string m = Lower(f->matched), t = Lower(r.term);
      EXPECT_TRUE(t.find(m) != std::string::npos || m.find(t) != std::string::npos)
          << "found '" << f->matched << "' (" << f->source << " '" << f->term << "'), the table says '" << r.term
          << "'";
    } else {
      ++must_include;
      false_exclusions += f.has_value();
      EXPECT_FALSE(f.has_value()) << "excluded on '" << f->matched << "' (" << f->source << " '" << f->term
                                  << "') in: " << f->sentence;
    }
  }
  std::printf("audit: %d of %d rows that name the principal excluded; %d of %d rows that must stay included excluded\n",
              excluded, must_exclude, false_exclusions, must_include);
}

}  // namespace
}  // namespace medcred

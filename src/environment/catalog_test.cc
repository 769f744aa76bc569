#include "environment/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "common/sha256.h"
#include "common/text.h"
#include "environment/cost_table.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::HasSubstr;

const LabCatalog& Catalog() {
  static const LabCatalog* c = [] {
    auto r = LabCatalog::Load();
    EXPECT_TRUE(r.ok()) << r.status().message();
    return new LabCatalog(r.ok() ? std::move(*r) : LabCatalog{});
  }();
  return *c;
}

// The rows of a table in testdata/: tab-separated, '#' lines and the header skipped.
std::vector<std::vector<std::string>> ReadTable(const std::string& name, size_t columns) {
  std::ifstream in(std::string(MEDCRED_SOURCE_DIR) + "/src/environment/testdata/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, '\t');) f.push_back(cell);
    while (f.size() < columns) f.emplace_back();
    if (header) {
      header = false;
      continue;
    }
    EXPECT_EQ(f.size(), columns) << name << ": " << line;
    rows.push_back(std::move(f));
  }
  return rows;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string cell; std::getline(ss, cell, sep);) {
    if (!cell.empty()) out.push_back(cell);
  }
  return out;
}

// The concept, panel or microbiology order a resolution names, "-" when none.
std::string Named(const LabCatalog& c, const Resolution& r) {
  switch (r.kind) {
    case Resolution::Kind::kLabTest:
      return c.tests()[r.index].name;
    case Resolution::Kind::kLabPanel:
      return c.panels()[r.index].name;
    case Resolution::Kind::kMicro:
      return c.micro()[r.index].name;
    default:
      return "-";
  }
}

// The itemids an order for a lab resolution answers from.
std::set<int64_t> ItemsOf(const LabCatalog& c, const Resolution& r) {
  std::set<int64_t> out;
  if (r.kind == Resolution::Kind::kLabTest)
    out.insert(c.tests()[r.index].itemids.begin(), c.tests()[r.index].itemids.end());
  if (r.kind == Resolution::Kind::kLabPanel) {
    for (size_t i : c.panels()[r.index].tests) out.insert(c.tests()[i].itemids.begin(), c.tests()[i].itemids.end());
  }
  return out;
}

// Whether a microbiology order takes rows of this test_name (an order of a whole specimen takes all).
bool TakesTest(const MicroConcept& m, const std::string& test_name) {
  return m.test_names.empty() || std::any_of(m.test_names.begin(), m.test_names.end(), [&](const std::string& t) {
           return EqualsIgnoreCase(Trim(t), Trim(test_name));
         });
}

// The catalog bound to the demo's dictionaries (and the LOINC mapping when the reference folder has it).
struct DemoWorld {
  LabCatalog catalog;
  std::vector<LabItemRecord> items;
  std::vector<MicroTestRecord> micro;
};

const DemoWorld* Demo(const std::string& demo_dir) {
  static const DemoWorld* world = [&]() -> const DemoWorld* {
    static test::TempDir tmp;
    IngestOptions o;
    o.sources = {demo_dir};
    o.store_path = tmp / "demo.db";
    o.modules = {"hosp"};
    auto ingested = Ingest(o);
    EXPECT_TRUE(ingested.ok()) << ingested.status().message();
    auto store = OpenStore(tmp / "demo.db");
    if (!ingested.ok() || !store.ok()) return nullptr;
    auto w = new DemoWorld{Catalog(), {}, {}};
    auto items = (*store)->LabItems();
    auto micro = (*store)->MicroTests();
    EXPECT_TRUE(items.ok() && micro.ok());
    if (!items.ok() || !micro.ok()) return nullptr;
    w->items = *items;
    w->micro = *micro;
    const Status loinc = w->catalog.UseLoincFrom(test::ReferenceDir());
    EXPECT_TRUE(loinc.ok()) << loinc.message();
    w->catalog.BindItems(w->items);
    w->catalog.BindMicro(w->micro);
    return w;
  }();
  return world;
}

#define MEDCRED_DEMO_CATALOG(w)                                                 \
  MEDCRED_REQUIRE_DEMO(demo_dir_);                                              \
  const DemoWorld* w = Demo(demo_dir_);                                         \
  ASSERT_NE(w, nullptr);                                                        \
  if (!w->catalog.has_loinc()) {                                                \
    if (std::getenv("MEDCRED_REQUIRE_DEMO")) FAIL() << w->catalog.loinc_note(); \
    GTEST_SKIP() << w->catalog.loinc_note();                                    \
  }

TEST(NormalizeQuery, LowercasesAndTurnsPunctuationIntoSingleSpaces) {
  EXPECT_EQ(NormalizeQuery("INR(PT)"), "inr pt");
  EXPECT_EQ(NormalizeQuery("  Potassium,  Urine "), "potassium urine");
  EXPECT_EQ(NormalizeQuery("K+"), "k+");
  EXPECT_EQ(NormalizeQuery("% Hemoglobin A1c"), "% hemoglobin a1c");
  EXPECT_EQ(NormalizeQuery("---"), "");
}

TEST(EditDistance, CountsTranspositionsAsOneEdit) {
  EXPECT_EQ(EditDistance("potassium", "potassium"), 0u);
  EXPECT_EQ(EditDistance("potasium", "potassium"), 1u);
  EXPECT_EQ(EditDistance("gluocse", "glucose"), 1u);  // adjacent swap
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

// testdata/resolver_table.tsv: the curated catalog alone.
TEST(LabCatalog, ResolverTable) {
  const LabCatalog& c = Catalog();
  const auto rows = ReadTable("resolver_table.tsv", 5);
  ASSERT_GT(rows.size(), 60u);
  for (const auto& row : rows) {
    const std::string& tool = row[0];
    const std::string& query = row[1];
    const Resolution r = tool == "lab" ? c.ResolveLab(query) : c.ResolveMicro(query);
    EXPECT_EQ(Named(c, r), row[2]) << tool << " \"" << query << "\" (" << row[4] << ")";
    if (row[3] == "ambiguous") {
      EXPECT_EQ(r.kind, Resolution::Kind::kAmbiguous) << query;
      EXPECT_GE(r.candidates.size(), 2u) << query;
    } else if (!row[3].empty()) {
      EXPECT_TRUE(r.spelling) << query;
      EXPECT_EQ(r.interpreted, row[3]) << query;
    } else if (r.resolved()) {
      EXPECT_FALSE(r.spelling) << query << " read as " << r.interpreted;
    }
  }
}

TEST(LabCatalog, PanelsExpandToTheirTests) {
  Resolution r = Catalog().ResolveLab("BMP");
  ASSERT_EQ(r.kind, Resolution::Kind::kLabPanel);
  std::vector<std::string> names;
  for (size_t i : Catalog().panels()[r.index].tests) names.push_back(Catalog().tests()[i].name);
  EXPECT_THAT(names, ::testing::IsSupersetOf(
                         {"sodium", "potassium", "chloride", "bicarbonate_serum", "bun", "creatinine", "glucose"}));
  EXPECT_EQ(Catalog().ResolveLab("BMP").rule, "panel");
}

TEST(LabCatalog, UnrecognizedNamesGetAtMostThreeSuggestions) {
  Resolution r = Catalog().ResolveLab("liver");
  EXPECT_FALSE(r.resolved());
  EXPECT_LE(r.suggestions.size(), 3u);
  EXPECT_THAT(r.suggestions, ::testing::Contains("lfts"));
  r = Catalog().ResolveLab("troponinogen assay");
  EXPECT_FALSE(r.resolved());
  EXPECT_LE(r.suggestions.size(), 3u);
  r = Catalog().ResolveLab("xyzzy quux");
  EXPECT_FALSE(r.resolved());
  EXPECT_TRUE(r.suggestions.empty());
  EXPECT_FALSE(Catalog().ResolveLab("").resolved());
  EXPECT_FALSE(Catalog().ResolveLab("???").resolved());
}

// The bug of v1: "indirect bilirubin" was 2 edits from the alias "direct bilirubin"
// and was read as it, answering with the wrong analyte.
TEST(LabCatalog, IndirectBilirubinIsNeverReadAsDirect) {
  for (const char* q : {"indirect bilirubin", "bilirubin, indirect", "unconjugated bilirubin", "indirect bili"}) {
    const Resolution r = Catalog().ResolveLab(q);
    ASSERT_EQ(r.kind, Resolution::Kind::kLabTest) << q;
    EXPECT_EQ(Catalog().tests()[r.index].name, "bilirubin_indirect") << q;
  }
  // Without an indirect concept (a catalog of direct and total only), the known word
  // "indirect" is not a misspelling of "direct": the name is unrecognized, never direct.
  const std::string text =
      "version = \"t\"\ndefault_fluid = \"Blood\"\n[fluid_words]\nUrine = [\"urine\"]\n"
      "[[test]]\nname = \"bilirubin_direct\"\nlabels = [\"Bilirubin, Direct\"]\naliases = [\"direct bilirubin\"]\n"
      "[[test]]\nname = \"indirect_marker\"\nlabels = [\"Indirect Coombs\"]\n"
      "[imaging.modalities]\nct = [\"ct\"]\n[imaging.regions]\nhead = [\"head\"]\n";
  auto c = LabCatalog::Parse(DataFile{"c.toml", "mem/c.toml", text, Sha256::Hex(text)});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_FALSE(c->ResolveLab("indirect bilirubin").resolved());
  EXPECT_TRUE(c->ResolveLab("direct bilirubn").resolved());  // an unknown word is a misspelling
}

TEST(LabCatalog, ImagingWords) {
  const LabCatalog& c = Catalog();
  EXPECT_EQ(c.ImagingModality("CT"), "ct");
  EXPECT_EQ(c.ImagingModality("CT angiogram"), "ct");  // the earliest word wins
  EXPECT_EQ(c.ImagingModality("CTA chest"), "ct");
  EXPECT_EQ(c.ImagingModality("chest x-ray"), "xray");
  EXPECT_EQ(c.ImagingModality("CXR"), "xray");
  EXPECT_EQ(c.ImagingModality("MRI"), "mri");
  EXPECT_EQ(c.ImagingModality("RUQ ultrasound"), "ultrasound");
  EXPECT_EQ(c.ImagingModality("TTE"), "echo");
  EXPECT_EQ(c.ImagingModality("a photograph"), "");
  EXPECT_EQ(c.ImagingRegion("head"), "head");
  EXPECT_EQ(c.ImagingRegion("CT HEAD W/O CONTRAST"), "head");
  EXPECT_EQ(c.ImagingRegion("abd/pelvis"), "abdomen");
  EXPECT_EQ(c.ImagingRegion("CHEST (PA AND LAT)"), "chest");
  EXPECT_EQ(c.ImagingRegion("left knee"), "lower_extremity");
  EXPECT_EQ(c.PoeModality("CT Scan"), "ct");
  EXPECT_EQ(c.PoeModality("General Xray"), "xray");
  EXPECT_EQ(c.PoeModality("ECG"), "");
}

TEST(LabCatalog, EveryCuratedOrderHasAPrice) {
  auto costs = CostTable::Load();
  ASSERT_TRUE(costs.ok()) << costs.status().message();
  const LabCatalog& c = Catalog();
  for (const auto& t : c.tests()) EXPECT_TRUE(costs->Find("lab", t.name).has_value()) << t.name;
  for (const auto& p : c.panels()) EXPECT_TRUE(costs->Find("lab", p.name).has_value()) << p.name;
  for (const auto& m : c.micro()) EXPECT_TRUE(costs->Find("micro", m.name).has_value()) << m.name;
  for (const char* m : {"xray", "ct", "mri", "ultrasound", "nuclear", "angiography", "fluoroscopy", "echo"}) {
    EXPECT_TRUE(costs->Find("imaging", m).has_value()) << m;
  }
  EXPECT_TRUE(costs->Find("ecg", "ecg").has_value());
  EXPECT_FALSE(costs->Find("lab", "no_such_test").has_value());
}

TEST(LabCatalog, VersionOneStillLoads) {
  auto v1 = LabCatalog::Load("lab-catalog-v1.toml");
  ASSERT_TRUE(v1.ok()) << v1.status().message();
  EXPECT_EQ(v1->version(), "v1");
  EXPECT_FALSE(v1->dictionary_floor());
  EXPECT_EQ(v1->tests()[v1->ResolveLab("urine potassium").index].name, "urine_potassium");
  EXPECT_EQ(Catalog().version(), "v2");
  EXPECT_TRUE(Catalog().dictionary_floor());
  EXPECT_NE(v1->sha256(), Catalog().sha256());
}

TEST(LabCatalog, BadFilesNameTheField) {
  auto parse = [](const std::string& text) {
    return LabCatalog::Parse(DataFile{"c.toml", "mem/c.toml", text, Sha256::Hex(text)});
  };
  const std::string head = "version = \"t\"\ndefault_fluid = \"Blood\"\n[fluid_words]\nUrine = [\"urine\"]\n";
  const std::string imaging = "[imaging.modalities]\nct = [\"ct\"]\n[imaging.regions]\nhead = [\"head\"]\n";
  auto r = parse(head +
                 "[[test]]\nname = \"a\"\nlabels = [\"A\"]\naliases = [\"x\"]\n[[test]]\nname = \"b\"\n"
                 "labels = [\"B\"]\naliases = [\"x\"]\n" +
                 imaging);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("mem/c.toml: test #2 (b).aliases: 'x' already names another test"));
  r = parse(head +
            "[[test]]\nname = \"a\"\nlabels = [\"A\"]\n[[panel]]\nname = \"p\"\ntitle = \"P\"\n"
            "tests = [\"a\", \"zz\"]\n" +
            imaging);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("panel #1 (p).tests: no [[test]] named 'zz'"));
  r = parse(head + "[[test]]\nname = \"a\"\n" + imaging);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("test #1 (a).labels is missing"));
  r = parse(head + "[[test]]\nname = \"a\"\nlabels = [\"A\"]\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("[imaging] is missing"));
  r = parse(head + "[[test]]\nname = \"a\"\nlabels = [\"A\"]\n[[alias]]\naliases = [\"q\"]\n" + imaging);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("alias #1 needs a label or an itemid"));
  r = parse(head + "[[test]]\nname = \"a\"\nlabels = [\"A\"]\n[[micro]]\nname = \"m\"\ntitle = \"M\"\n" + imaging);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("micro #1 (m) needs spec_types or test_names"));
  // The same alias in two fluids is fine: that is what fluids are for.
  r = parse(head +
            "[[test]]\nname = \"k\"\nlabels = [\"K\"]\n[[test]]\nname = \"uk\"\nfluid = \"Urine\"\n"
            "labels = [\"K, Urine\"]\naliases = [\"k\"]\n" +
            imaging);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->tests()[r->ResolveLab("urine k").index].name, "uk");
  EXPECT_EQ(r->tests()[r->ResolveLab("k").index].name, "k");
}

// ---- bound to the demo's dictionaries -------------------------------------------

// testdata/lab_concepts.tsv: mimic-code's measurement concepts and clinicians' names, itemid by itemid.
TEST(LabCatalogOnTheDemo, LabConceptsTable) {
  MEDCRED_DEMO_CATALOG(w);
  const LabCatalog& c = w->catalog;
  const auto rows = ReadTable("lab_concepts.tsv", 6);
  ASSERT_GT(rows.size(), 1000u);
  int agree = 0, mimic_rows = 0, mimic_agree = 0;
  for (const auto& row : rows) {
    const std::string& query = row[1];
    const Resolution r = c.ResolveLab(query);
    const std::set<int64_t> got = ItemsOf(c, r);
    bool ok = true;
    for (const std::string& id : Split(row[3], ',')) {
      const bool has = got.count(std::stoll(id)) > 0;
      EXPECT_TRUE(has) << "\"" << query << "\" -> " << Named(c, r) << " lacks " << id << " (" << row[0] << ")";
      ok &= has;
    }
    for (const std::string& id : Split(row[4], ',')) {
      const bool has = got.count(std::stoll(id)) > 0;
      EXPECT_FALSE(has) << "\"" << query << "\" -> " << Named(c, r) << " holds " << id << ", another analyte";
      ok &= !has;
    }
    agree += ok;
    if (row[0].rfind("mimic-code", 0) == 0) {
      ++mimic_rows;
      mimic_agree += ok;
    }
  }
  std::printf("lab_concepts.tsv: %d of %zu rows agree (mimic-code concepts: %d of %d)\n", agree, rows.size(),
              mimic_agree, mimic_rows);
}

// testdata/micro_orders.tsv: microbiology orders as clinicians name them.
TEST(LabCatalogOnTheDemo, MicroOrdersTable) {
  MEDCRED_DEMO_CATALOG(w);
  const LabCatalog& c = w->catalog;
  const auto rows = ReadTable("micro_orders.tsv", 5);
  ASSERT_GT(rows.size(), 250u);
  int agree = 0;
  for (const auto& row : rows) {
    const std::string& query = row[0];
    const std::vector<std::string> specs = Split(row[1], '|'), tests = Split(row[2], '|'),
                                   excluded = Split(row[3], '|');
    const Resolution r = c.ResolveMicro(query);
    if (tests.empty()) {  // not a microbiology order: whatever it resolves to, never the wrong assay
      if (r.resolved()) {
        for (const auto& x : excluded) EXPECT_FALSE(TakesTest(c.micro()[r.index], x)) << query << " takes " << x;
      }
      ++agree;
      continue;
    }
    ASSERT_EQ(r.kind, Resolution::Kind::kMicro) << "\"" << query << "\" does not resolve";
    const MicroConcept& m = c.micro()[r.index];
    bool ok = true;
    for (const auto& t : tests) {
      for (const auto& s : specs.empty() ? std::vector<std::string>{""} : specs) {
        if (specs.empty() && !m.spec_types.empty()) continue;  // the name implies no specimen: tests only
        const bool hit = m.Matches(s, t);
        EXPECT_TRUE(hit) << "\"" << query << "\" -> " << m.name << " misses " << s << " / " << t;
        ok &= hit;
      }
      if (specs.empty() && !m.spec_types.empty()) {
        const bool hit = m.Matches(m.spec_types.front(), t);
        EXPECT_TRUE(hit) << "\"" << query << "\" -> " << m.name << " misses " << t;
        ok &= hit;
      }
    }
    for (const auto& x : excluded) {
      const bool accepts = TakesTest(m, x);
      EXPECT_FALSE(accepts) << "\"" << query << "\" -> " << m.name << " also takes " << x;
      ok &= !accepts;
    }
    agree += ok;
  }
  std::printf("micro_orders.tsv: %d of %zu rows agree\n", agree, rows.size());
}

// Every spec_type_desc and test_name of the demo is orderable by its own name, and the order
// answers with the rows recorded under it.
TEST(LabCatalogOnTheDemo, EveryMicrobiologySpecimenAndTestIsOrderable) {
  MEDCRED_DEMO_CATALOG(w);
  const LabCatalog& c = w->catalog;
  std::set<std::string> specs, tests;
  for (const auto& t : w->micro) {
    if (!Trim(t.spec_type).empty()) specs.insert(t.spec_type);
    if (!Trim(t.test_name).empty()) tests.insert(t.test_name);
  }
  ASSERT_GT(specs.size(), 20u);
  for (const auto& [values, by_spec] : {std::pair{specs, true}, std::pair{tests, false}}) {
    const bool spec = by_spec;  // a structured binding cannot be captured (Clang 14)
    for (const std::string& v : values) {
      const Resolution r = c.ResolveMicro(v);
      ASSERT_EQ(r.kind, Resolution::Kind::kMicro) << "\"" << v << "\" " << r.candidates.size() << " candidates";
      const MicroConcept& m = c.micro()[r.index];
      const bool answers = std::any_of(w->micro.begin(), w->micro.end(), [&](const MicroTestRecord& t) {
        return (spec ? t.spec_type == v : t.test_name == v) && m.Matches(t.spec_type, t.test_name);
      });
      EXPECT_TRUE(answers) << v << " -> " << m.name;
    }
  }
}

// Every d_labitems item of the demo that is a test answers an order by its own label (with
// its fluid when not blood) and, with the LOINC mapping, by its LOINC long common name. An
// item without a single result, in the demo or in full MIMIC-IV, may be masked by a curated
// name of another item ("IG" is an immunoglobulin panel no one ran; "IG" means immature
// granulocytes): such items are counted, not required.
TEST(LabCatalogOnTheDemo, EveryItemAnswersToItsLabelAndItsLoincName) {
  MEDCRED_DEMO_CATALOG(w);
  const LabCatalog& c = w->catalog;
  int by_label = 0, by_loinc = 0, loinc_named = 0, tests = 0, masked = 0;
  for (const LabItemRecord& item : w->items) {
    if (c.NonTest(item.itemid) != nullptr) continue;
    ++tests;
    const std::string q = EqualsIgnoreCase(item.fluid, "Blood") ? item.label : item.fluid + " " + item.label;
    const Resolution r = c.ResolveLab(q);
    const bool hit = ItemsOf(c, r).count(item.itemid) > 0;
    const LoincEntry* full = c.loinc()->Find(item.itemid);
    const bool has_rows = item.rows.value_or(0) > 0 || (full != nullptr && full->row_count.value_or(0) > 0);
    if (has_rows) {
      EXPECT_TRUE(hit) << item.itemid << " \"" << q << "\" -> " << Named(c, r);
    }
    masked += !hit;
    by_label += hit;
    const LoincEntry* e = c.loinc()->Find(item.itemid);
    if (e == nullptr || e->name.empty()) continue;
    ++loinc_named;
    by_loinc += ItemsOf(c, c.ResolveLab(e->name)).count(item.itemid) > 0;
  }
  std::printf(
      "demo d_labitems: %d tests; %d answer to their label (%d without results do not); %d of %d with a LOINC "
      "name answer to it\n",
      tests, by_label, masked, by_loinc, loinc_named);
  EXPECT_GT(by_loinc, loinc_named * 8 / 10);
}

TEST(LabCatalogOnTheDemo, ItemsThatAreNotTestsAreAnsweredAsSuch) {
  MEDCRED_DEMO_CATALOG(w);
  const LabCatalog& c = w->catalog;
  for (const char* q : {"Green Top Hold (plasma)", "Blue Top Hold", "EDTA Hold", "Voided Specimen", "urine Uhold"}) {
    const Resolution r = c.ResolveLab(q);
    EXPECT_EQ(r.kind, Resolution::Kind::kNotATest) << q;
  }
  // The serum indices H, L and I are never reached by a bare letter.
  for (const char* q : {"H", "L", "I"}) {
    const Resolution r = c.ResolveLab(q);
    EXPECT_FALSE(r.kind == Resolution::Kind::kNotATest && c.non_tests()[r.index].label.size() == 1) << q;
  }
  ASSERT_NE(c.NonTest(50934), nullptr);  // H (hemolysis index)
  EXPECT_EQ(c.ConceptOfItem(50934), -1);
}

TEST(LabCatalogOnTheDemo, DuplicateItemidsOfOneAnalyteAreOneConcept) {
  MEDCRED_DEMO_CATALOG(w);
  const LabCatalog& c = w->catalog;
  // The same LOINC code in the same fluid: the D-dimers, the absolute lymphocyte counts.
  for (const auto& [a, b] : {std::pair{50915, 51196}, std::pair{51133, 52769}, std::pair{51244, 51245}}) {
    EXPECT_GE(c.ConceptOfItem(a), 0) << a;
    EXPECT_EQ(c.ConceptOfItem(a), c.ConceptOfItem(b)) << a << " " << b;
  }
  // The same code in another fluid stays apart: serum and CSF HIV viral load.
  EXPECT_NE(c.ConceptOfItem(51654), c.ConceptOfItem(51791));
  for (int64_t id : c.FindTest("urine_potassium")->itemids) {
    EXPECT_EQ(c.tests()[static_cast<size_t>(c.ConceptOfItem(id))].fluid, "Urine");
  }
}

TEST(LabCatalogOnTheDemo, AmbiguousSpellingsNameTheirCandidates) {
  MEDCRED_DEMO_CATALOG(w);
  const LabCatalog& c = w->catalog;
  const Resolution r = c.ResolveLab("ndirect bilirubin");
  ASSERT_EQ(r.kind, Resolution::Kind::kAmbiguous);
  std::set<std::string> names;
  for (const auto& k : r.candidates) names.insert(c.TargetName(k.kind, k.index));
  EXPECT_EQ(names.size(), r.candidates.size());
  EXPECT_GE(names.size(), 2u);
  // A bare name several fluids have, and blood has not.
  const Resolution polys = c.ResolveLab("Macrophage");
  EXPECT_EQ(polys.kind, Resolution::Kind::kAmbiguous);
}

TEST(LabCatalogOnTheDemo, WithoutTheLoincMappingLabelsStillWork) {
  MEDCRED_REQUIRE_DEMO(demo_dir_);
  const DemoWorld* w = Demo(demo_dir_);
  ASSERT_NE(w, nullptr);
  LabCatalog c = Catalog();
  ASSERT_TRUE(c.UseLoincFrom("").ok());
  EXPECT_FALSE(c.has_loinc());
  EXPECT_THAT(c.loinc_note(), HasSubstr("LOINC names are not orderable"));
  c.BindItems(w->items);
  const Resolution r = c.ResolveLab("Bilirubin, Indirect");
  ASSERT_EQ(r.kind, Resolution::Kind::kLabTest);
  EXPECT_THAT(c.tests()[r.index].itemids, ::testing::Contains(50884));
  EXPECT_EQ(c.sha256(), c.file_sha256());
}

}  // namespace
}  // namespace medcred

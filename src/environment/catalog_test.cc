#include "environment/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/sha256.h"
#include "environment/cost_table.h"
#include "ingest/ingest.h"
#include "store/store.h"
#include "testing/testing.h"

namespace medcred {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const LabCatalog& Catalog() {
  static const LabCatalog* c = [] {
    auto r = LabCatalog::Load();
    EXPECT_TRUE(r.ok()) << r.status().message();
    return new LabCatalog(r.ok() ? std::move(*r) : LabCatalog{});
  }();
  return *c;
}

// The concept (test or panel name) a lab query resolves to, "" when unrecognized.
std::string Lab(const std::string& q) {
  Resolution r = Catalog().ResolveLab(q);
  switch (r.kind) {
    case Resolution::Kind::kLabTest:
      return Catalog().tests()[r.index].name;
    case Resolution::Kind::kLabPanel:
      return Catalog().panels()[r.index].name;
    default:
      return "";
  }
}

std::string Micro(const std::string& q) {
  Resolution r = Catalog().ResolveMicro(q);
  return r.resolved() ? Catalog().micro()[r.index].name : "";
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

TEST(LabCatalog, ExactNamesAbbreviationsAndSynonyms) {
  EXPECT_EQ(Lab("potassium"), "potassium");
  EXPECT_EQ(Lab("K"), "potassium");
  EXPECT_EQ(Lab("Potassium, Whole Blood"), "potassium");  // a d_labitems label
  EXPECT_EQ(Lab("trop"), "troponin_t");
  EXPECT_EQ(Lab("lactic acid"), "lactate");
  EXPECT_EQ(Lab("BNP"), "ntprobnp");
  EXPECT_EQ(Lab("INR"), "inr");
  EXPECT_EQ(Lab("white count"), "wbc");
  EXPECT_EQ(Lab("Hgb"), "hemoglobin");
  EXPECT_EQ(Lab("sed rate"), "esr");
  EXPECT_EQ(Lab("troponin level"), "troponin_t");  // filler words
  EXPECT_EQ(Lab("LIPASE!!"), "lipase");
}

TEST(LabCatalog, PanelsExpandToTheirTests) {
  EXPECT_EQ(Lab("CBC"), "cbc");
  EXPECT_EQ(Lab("chem 7"), "bmp");
  EXPECT_EQ(Lab("BMP"), "bmp");
  EXPECT_EQ(Lab("CMP"), "cmp");
  EXPECT_EQ(Lab("LFTs"), "lfts");
  EXPECT_EQ(Lab("coags"), "coags");
  EXPECT_EQ(Lab("PT/INR"), "coags");
  EXPECT_EQ(Lab("ABG"), "abg");
  EXPECT_EQ(Lab("VBG"), "vbg");
  EXPECT_EQ(Lab("UA"), "ua");
  EXPECT_EQ(Lab("urinalysis"), "ua");
  EXPECT_EQ(Lab("lipid panel"), "lipid_panel");
  EXPECT_EQ(Lab("iron studies"), "iron_studies");
  EXPECT_EQ(Lab("cardiac enzymes"), "cardiac_enzymes");
  EXPECT_EQ(Lab("TFTs"), "thyroid_panel");
  EXPECT_EQ(Lab("tox screen"), "serum_tox");
  EXPECT_EQ(Lab("urine drug screen"), "urine_tox");
  Resolution r = Catalog().ResolveLab("BMP");
  ASSERT_EQ(r.kind, Resolution::Kind::kLabPanel);
  std::vector<std::string> names;
  for (size_t i : Catalog().panels()[r.index].tests) names.push_back(Catalog().tests()[i].name);
  EXPECT_THAT(names, ::testing::IsSupersetOf(
                         {"sodium", "potassium", "chloride", "bicarbonate", "bun", "creatinine", "glucose"}));
}

TEST(LabCatalog, FluidsAreKeptApart) {
  EXPECT_EQ(Lab("urine potassium"), "urine_potassium");
  EXPECT_EQ(Lab("Potassium, Urine"), "urine_potassium");
  EXPECT_EQ(Lab("potassium urine"), "urine_potassium");
  EXPECT_EQ(Lab("serum potassium"), "potassium");
  EXPECT_EQ(Lab("urine sodium"), "urine_sodium");
  EXPECT_EQ(Lab("urine creatinine"), "urine_creatinine");
  EXPECT_EQ(Lab("creatinine"), "creatinine");
  EXPECT_EQ(Lab("urine pH"), "urine_ph");
  EXPECT_EQ(Lab("pH"), "ph");  // bare: the blood gas
  EXPECT_EQ(Lab("CSF glucose"), "csf_glucose");
  EXPECT_EQ(Lab("glucose"), "glucose");
  EXPECT_EQ(Lab("CSF protein"), "csf_protein");
  EXPECT_EQ(Lab("pleural LDH"), "pleural_ldh");
  EXPECT_EQ(Lab("ascites albumin"), "ascites_albumin");
  // A name only urine has needs no fluid word.
  EXPECT_EQ(Lab("specific gravity"), "urine_specific_gravity");
  EXPECT_EQ(Lab("leukocyte esterase"), "urine_leukocyte_esterase");
  // A fluid with no such test is not silently served from blood.
  EXPECT_EQ(Lab("CSF troponin"), "");
}

TEST(LabCatalog, MisspellingsWithinReachAreReadAsTheAlias) {
  Resolution r = Catalog().ResolveLab("potasium");
  ASSERT_TRUE(r.resolved());
  EXPECT_EQ(Catalog().tests()[r.index].name, "potassium");
  EXPECT_EQ(r.interpreted, "potassium");
  EXPECT_EQ(Lab("tropnin"), "troponin_t");
  EXPECT_EQ(Lab("gluocse"), "glucose");
  EXPECT_EQ(Lab("hemoglobn"), "hemoglobin");
  EXPECT_EQ(Lab("creatinin"), "creatinine");
  EXPECT_EQ(Lab("urine potasium"), "urine_potassium");
  EXPECT_EQ(Lab("magnesum"), "magnesium");
  // Short names are not guessed: "kk" is not "k".
  EXPECT_EQ(Lab("kk"), "");
  EXPECT_EQ(Lab("na+k"), "");
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
  EXPECT_EQ(Lab("blood culture"), "");  // microbiology is another tool
}

TEST(LabCatalog, MicrobiologyOrders) {
  EXPECT_EQ(Micro("blood culture"), "blood_culture");
  EXPECT_EQ(Micro("blood cultures x2"), "blood_culture");
  EXPECT_EQ(Micro("BCx"), "blood_culture");
  EXPECT_EQ(Micro("urine culture"), "urine_culture");
  EXPECT_EQ(Micro("C. diff"), "c_diff");
  EXPECT_EQ(Micro("C diff toxin"), "c_diff");
  EXPECT_EQ(Micro("MRSA screen"), "mrsa_screen");
  EXPECT_EQ(Micro("sputum culture"), "sputum_culture");
  EXPECT_EQ(Micro("flu swab"), "respiratory_viral");
  EXPECT_EQ(Micro("potassium"), "");
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

TEST(LabCatalog, EveryOrderHasAPrice) {
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

TEST(LabCatalog, EveryConceptFindsItsItemsInTheDemoDictionary) {
  // d_labitems is MIMIC's dictionary (the demo carries all of it): every
  // concept's labels and fluid must name rows there, or the catalog has a typo.
  MEDCRED_REQUIRE_DEMO(demo);
  test::TempDir tmp;
  IngestOptions o;
  o.sources = {demo};
  o.store_path = tmp / "demo.db";
  o.modules = {"hosp"};
  ASSERT_TRUE(Ingest(o).ok());
  auto store = OpenStore(tmp / "demo.db");
  ASSERT_TRUE(store.ok());
  auto items = (*store)->LabItems();
  ASSERT_TRUE(items.ok());
  LabCatalog c = Catalog();
  const size_t bound = c.BindItems(*items);
  EXPECT_EQ(bound, c.tests().size());
  for (const auto& t : c.tests()) EXPECT_FALSE(t.itemids.empty()) << t.name << " binds no itemid";
  // Duplicate itemids of one test are grouped: potassium has serum and whole-blood items.
  EXPECT_GE(c.FindTest("potassium")->itemids.size(), 2u);
  for (int64_t id : c.FindTest("urine_potassium")->itemids) {
    EXPECT_EQ(c.tests()[static_cast<size_t>(c.ConceptOfItem(id))].name, "urine_potassium");
  }
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
  // The same alias in two fluids is fine: that is what fluids are for.
  r = parse(head +
            "[[test]]\nname = \"k\"\nlabels = [\"K\"]\n[[test]]\nname = \"uk\"\nfluid = \"Urine\"\n"
            "labels = [\"K, Urine\"]\naliases = [\"k\"]\n" +
            imaging);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->tests()[r->ResolveLab("urine k").index].name, "uk");
  EXPECT_EQ(r->tests()[r->ResolveLab("k").index].name, "k");
}

}  // namespace
}  // namespace medcred

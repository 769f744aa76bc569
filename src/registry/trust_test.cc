// What a verifier trusts (registry/trust.h, registry/claims.h): a registry
// re-signed with another key, a rolled-back or rewritten log, and entries that
// claim more than their counts give do not verify.
#include "registry/trust.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/sha256.h"
#include "credentials/credentials.h"
#include "credentials/paired.h"
#include "registry/claims.h"
#include "registry/keys.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The demo's release digest (data/datasets-v1.toml) and one a test makes up.
const char* kDemoDigest = "d1c5319b19305a8011c08f0143f7f3cd4592d20157814ae692886cbb35f480db";
const std::string kRealRelease(64, 'e');

KnownDatasets Known() {
  auto base = LoadDataFile("datasets-v1.toml");
  EXPECT_TRUE(base.ok());
  DataFile f = *base;
  f.text += "\n[[release]]\nname = \"mimic-iv-test\"\nversion = \"0.0\"\ndemo = false\ndigest = \"" + kRealRelease +
            "\"\nsource = \"made up by the test\"\n";
  auto k = KnownDatasets::Parse(f);
  EXPECT_TRUE(k.ok()) << k.status().message();
  return *k;
}

// An entry as `registry add` writes it, for `correct` of `n` in cardiology.
nlohmann::json Entry(int64_t n, int64_t correct, const std::string& tier, const std::string& digest, bool demo) {
  const auto m = Methodology::Load("methodology-v1.toml");  // an entry of v1: still re-checked
  const Interval ci = WilsonInterval(correct, n, 0.95);
  return {{"demo", demo},
          {"evaluation",
           {{"methodology", {{"version", "v1"}, {"sha256", m->sha256}}},
            {"confidence", 0.95},
            {"dataset", {{"release_digest", digest}, {"status", demo ? "demo" : "recognized"}}}}},
          {"results",
           {{"cardiology",
             {{"n", n},
              {"correct", correct},
              {"accuracy", static_cast<double>(correct) / static_cast<double>(n)},
              {"ci_low", std::round(ci.low * 1e6) / 1e6},
              {"ci_high", std::round(ci.high * 1e6) / 1e6},
              {"tier", tier}}}}}};
}

TEST(ClaimCheckerTest, AnHonestEntryPasses) {
  const KnownDatasets known = Known();
  ClaimChecker c(known);
  EXPECT_TRUE(c.Check(Entry(120, 98, "certified", kRealRelease, false), "entry #0").ok());
  EXPECT_TRUE(c.Check(Entry(40, 18, "not certified", kRealRelease, false), "entry #1").ok());
  EXPECT_TRUE(c.Check(Entry(2, 2, "demo", kDemoDigest, true), "entry #2").ok());
}

TEST(ClaimCheckerTest, ACertificationOnTwoDemoCasesIsRefused) {
  const KnownDatasets known = Known();
  ClaimChecker c(known);
  // The demo's files, not marked demo, claiming certified on n = 2.
  const Status s = c.Check(Entry(2, 2, "certified", kDemoDigest, false), "entry #4");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.exit_code(), 2);
  EXPECT_THAT(s.message(), HasSubstr("entry #4"));
  // A recognized release, but n = 2 earns no tier.
  EXPECT_THAT(c.Check(Entry(2, 2, "certified", kRealRelease, false), "entry #5").message(),
              HasSubstr("claims tier 'certified'"));
  // A demo entry claiming a tier.
  EXPECT_FALSE(c.Check(Entry(200, 200, "certified", kDemoDigest, true), "entry #6").ok());
  // An unknown dataset claiming to be recognized.
  EXPECT_THAT(c.Check(Entry(120, 98, "certified", std::string(64, '7'), false), "entry #7").message(),
              HasSubstr("unrecognized"));
}

TEST(ClaimCheckerTest, FiguresThatAreNotWhatTheCountsGiveAreRefused) {
  const KnownDatasets known = Known();
  ClaimChecker c(known);
  nlohmann::json e = Entry(120, 98, "certified", kRealRelease, false);
  e["results"]["cardiology"]["ci_low"] = 0.75;
  EXPECT_THAT(c.Check(e, "entry #1").message(), HasSubstr("interval"));
  e = Entry(120, 98, "certified", kRealRelease, false);
  e["evaluation"]["methodology"]["sha256"] = std::string(64, 'b');
  EXPECT_THAT(c.Check(e, "entry #1").message(), HasSubstr("not that of the published file"));
  e["evaluation"]["methodology"]["version"] = "../../etc/passwd";
  EXPECT_FALSE(c.Check(e, "entry #1").ok());
}

TEST(ClaimCheckerTest, AnEntryWithEpochsIsCheckedAtItsEffectiveSampleSize) {
  // Issue 18: 120 cases run twice; the interval is Wilson's at n_eff, the tier counts cases.
  const KnownDatasets known = Known();
  ClaimChecker c(known);
  const double accuracy = 0.85, n_eff = 180;
  const Interval ci = WilsonIntervalOf(accuracy, n_eff, 0.95);
  nlohmann::json e = Entry(120, 102, "certified", kRealRelease, false);
  auto& r = e["results"]["cardiology"];
  r["accuracy"] = accuracy;
  r["ci_low"] = std::round(ci.low * 1e6) / 1e6;
  r["ci_high"] = std::round(ci.high * 1e6) / 1e6;
  r["epochs"] = {{"k", 2}, {"episodes", 240}, {"correct_episodes", 204}, {"n_effective", n_eff}};
  EXPECT_TRUE(c.Check(e, "entry #0").ok()) << c.Check(e, "entry #0").message();
  r["epochs"]["n_effective"] = 400;  // more than the episodes
  EXPECT_THAT(c.Check(e, "entry #1").message(), HasSubstr("effective sample size"));
  r["epochs"]["n_effective"] = 130;  // not the size the interval was computed at
  EXPECT_THAT(c.Check(e, "entry #2").message(), HasSubstr("interval"));
}

// The comparison with the ED physicians is recomputed from its counts like the results: a
// statement or an interval its counts do not give is refused.
TEST(ClaimCheckerTest, AClinicianComparisonIsRecomputedFromItsCounts) {
  const KnownDatasets known = Known();
  ClaimChecker c(known);
  const auto m2 = Methodology::Load("methodology-v2.toml");
  ASSERT_TRUE(m2.ok());
  // 100 paired cases: both right 70, only the model 11, only the ED 9, neither 10.
  PairedTable t;
  t.both = 70;
  t.only_a = 11;
  t.only_b = 9;
  t.neither = 10;
  const PairedComparison pc = Compare(t, 0.95);
  ASSERT_GT(pc.difference_ci.low, -0.10);  // non-inferior under v2's margin, not superior
  ASSERT_LT(pc.difference_ci.low, 0);
  auto entry = [&](const std::string& statement, const std::string& version) {
    nlohmann::json e = Entry(120, 98, "certified", kRealRelease, false);
    const auto m = Methodology::Load("methodology-" + version + ".toml");
    e["evaluation"]["methodology"] = {{"version", version}, {"sha256", m->sha256}};
    e["clinician_comparison"] = {
        {"categories",
         {{"cardiology",
           {{"n", 100},
            {"model_correct", 81},
            {"clinician_correct", 79},
            {"only_model_correct", 11},
            {"only_clinician_correct", 9},
            {"model_accuracy", 0.81},
            {"clinician_accuracy", 0.79},
            {"difference", std::round(0.02 * 1e6) / 1e6},
            {"difference_ci",
             {std::round(pc.difference_ci.low * 1e6) / 1e6, std::round(pc.difference_ci.high * 1e6) / 1e6}},
            {"mcnemar_p", std::round(pc.mcnemar_p * 1e6) / 1e6},
            {"statement", statement}}}}}};
    return e;
  };
  EXPECT_TRUE(c.Check(entry("non-inferior", "v2"), "entry #0").ok())
      << c.Check(entry("non-inferior", "v2"), "e").message();
  EXPECT_THAT(c.Check(entry("superior", "v2"), "entry #1").message(), HasSubstr("say 'non-inferior'"));
  // Methodology v1 has no margin: no statement.
  EXPECT_TRUE(c.Check(entry("no margin", "v1"), "entry #2").ok());
  nlohmann::json e = entry("non-inferior", "v2");
  e["clinician_comparison"]["categories"]["cardiology"]["difference_ci"][0] = -0.01;
  EXPECT_THAT(c.Check(e, "entry #3").message(), HasSubstr("interval"));
  e = entry("non-inferior", "v2");
  e["clinician_comparison"]["categories"]["cardiology"]["only_model_correct"] = 90;
  EXPECT_THAT(c.Check(e, "entry #4").message(), HasSubstr("counts that cannot be"));
}

class TrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(GenerateKey(tmp_ / "key").ok());
    ASSERT_TRUE(GenerateKey(tmp_ / "other").ok());
    key_ = *LoadKey(tmp_ / "key");
    other_ = *LoadKey(tmp_ / "other");
    options_.state_dir = tmp_ / "state";
  }
  // A registry of `n` entries signed by `key` in `dir` (replacing what is there).
  Registry Make(const std::string& dir, const SigningKey& key, int n, const std::string& salt = "") {
    fs::remove_all(dir);
    EXPECT_TRUE(Registry::Init(dir, key).ok());
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(Registry::Append(dir, {{"format", "test"}, {"n", i}, {"salt", salt}}, key).ok());
    }
    auto r = Registry::Open(dir);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return *r;
  }
  test::TempDir tmp_;
  SigningKey key_, other_;
  TrustOptions options_;
};

TEST_F(TrustTest, ARegistryReSignedWithAnotherKeyDoesNotVerify) {
  const std::string dir = tmp_ / "reg";
  std::string note;
  // The same registry checked twice (made once: entries carry their creation
  // time, so a registry made again a second later is another log, which the
  // rollback check rightly refuses; making it twice made this test flaky).
  const Registry first = Make(dir, key_, 2);
  ASSERT_TRUE(CheckTrust(first, dir, options_, &note).ok());
  EXPECT_THAT(note, HasSubstr("on first use"));  // said once
  ASSERT_TRUE(CheckTrust(first, dir, options_, &note).ok());
  EXPECT_EQ(note, "");
  // The same entries, the whole registry re-signed by someone else.
  const Status resigned = CheckTrust(Make(dir, other_, 2), dir, options_, &note);
  ASSERT_FALSE(resigned.ok());
  EXPECT_EQ(resigned.exit_code(), 2);
  EXPECT_THAT(resigned.message(), HasSubstr("re-signed"));
  // With the operator's published key named, whatever the user's trust file says.
  TrustOptions named = options_;
  named.trusted_key_file = tmp_ / "key.pub";
  named.state_dir = tmp_ / "fresh-state";
  EXPECT_THAT(CheckTrust(Make(dir, other_, 2), dir, named, &note).message(), HasSubstr("does not trust"));
  EXPECT_TRUE(CheckTrust(Make(dir, key_, 2), dir, named, &note).ok());
}

TEST_F(TrustTest, ARolledBackOrRewrittenLogIsNoticed) {
  const std::string dir = tmp_ / "reg";
  std::string note;
  ASSERT_TRUE(CheckTrust(Make(dir, key_, 3), dir, options_, &note).ok());
  fs::copy(dir, tmp_ / "seen", fs::copy_options::recursive);
  // The operator truncates entries, heads and tree head consistently: a valid registry of 2.
  const Status rolled = CheckTrust(Make(dir, key_, 2), dir, options_, &note);
  ASSERT_FALSE(rolled.ok());
  EXPECT_THAT(rolled.message(), HasSubstr("rolled back"));
  // A log of 4 whose first 3 entries are not the ones seen.
  const Status rewritten = CheckTrust(Make(dir, key_, 4, "other history"), dir, options_, &note);
  ASSERT_FALSE(rewritten.ok());
  EXPECT_THAT(rewritten.message(), HasSubstr("rewritten"));
  // The log seen, grown by two entries, verifies, and becomes the head remembered.
  fs::remove_all(dir);
  fs::copy(tmp_ / "seen", dir, fs::copy_options::recursive);
  for (int i = 3; i < 5; ++i) ASSERT_TRUE(Registry::Append(dir, {{"format", "test"}, {"n", i}}, key_).ok());
  auto grown = Registry::Open(dir);
  ASSERT_TRUE(grown.ok());
  ASSERT_TRUE(CheckTrust(*grown, dir, options_, &note).ok());
  EXPECT_THAT(CheckTrust(Make(dir, key_, 4), dir, options_, &note).message(), HasSubstr("rolled back"));
}

}  // namespace
}  // namespace medcred

// The registry: keys, identity, the signed append-only log under tampering,
// concurrent writers, the site and the HTTP server (in headless Chromium too).
#include "registry/registry.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "common/sha256.h"
#include "credentials/credentials.h"
#include "registry/canonical_json.h"
#include "registry/entry.h"
#include "registry/identity.h"
#include "registry/keys.h"
#include "registry/serve.h"
#include "registry/site.h"
#include "testing/testing.h"

namespace medcred {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using ::testing::HasSubstr;

// A synthetic credentials.json as `medcred report` writes it: made-up counts
// with the interval and tier they give under methodology v1, on a dataset
// whose release digest is kFakeRelease (known only to a test's own data
// folder: test::DataDirWithRelease).
const std::string kFakeRelease(64, 'e');

nlohmann::json Category(const std::string& name, int n, int correct, int rank) {
  const Interval ci = WilsonInterval(correct, n, 0.95);
  const std::string tier = ci.low >= 0.70 && n >= 100 ? "certified"
                           : ci.low >= 0.5 && n >= 30 ? "provisional"
                                                      : "not certified";
  return {{"name", name},
          {"n", n},
          {"points", correct},
          {"correct", correct},
          {"accuracy", static_cast<double>(correct) / n},
          {"ci_low", ci.low},
          {"ci_high", ci.high},
          {"tier", tier},
          {"rank", rank},
          {"suite_sha256", std::string(64, 'd')},
          {"complete_suite", true}};
}

nlohmann::json CredentialsJson(bool demo) {
  const auto methodology = Methodology::Load("methodology-v1.toml");  // an entry of v1: still re-checked
  EXPECT_TRUE(methodology.ok());
  nlohmann::json cardiology = Category("cardiology", 120, 98, 1), neurology = Category("neurology", 40, 18, 2);
  if (demo) cardiology["tier"] = neurology["tier"] = "demo";
  return {{"format", "medcred-credentials-v1"},
          {"model", "openai:local-model@http://127.0.0.1:8080/v1"},
          {"demo", demo},
          {"dataset",
           {{"name", "mimic-iv"},
            {"version", "3.1"},
            {"checksum_digest", std::string(64, 'a')},
            {"release_digest", kFakeRelease},
            {"status", demo ? "demo" : "recognized"}}},
          {"methodology", {{"version", "v1"}, {"sha256", methodology.ok() ? methodology->sha256 : ""}}},
          {"split", "test"},
          {"confidence", 0.95},
          {"medcred_version", "0.1.0"},
          {"git_commit", "abc"},
          {"protocol_version", "v1"},
          {"hashes", {{"protocol", std::string(64, 'c')}}},
          {"settings", {{"category", "all"}, {"case_ids_given", 0}, {"seed", 0}}},
          {"categories", {cardiology, neurology}}};
}

// The same, read as medcred reads a run's credentials.json.
CredentialsFile Credentials(bool demo) {
  auto c = CredentialsFile::FromJson(CredentialsJson(demo), "credentials.json");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : CredentialsFile{};
}

ModelIdentity Model(const std::string& name) {
  ModelIdentity id;
  id.name = name;
  id.sha256 = Sha256::Hex(name);
  id.format = "gguf";
  id.files = {{name + ".gguf", 123, id.sha256}};
  return id;
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(GenerateKey(tmp_ / "key").ok());
    ASSERT_TRUE(GenerateKey(tmp_ / "other").ok());
    key_ = *LoadKey(tmp_ / "key");
    other_ = *LoadKey(tmp_ / "other");
    dir_ = tmp_ / "reg";
    ASSERT_TRUE(Registry::Init(dir_, key_).ok());
  }
  void Add(int n) {
    for (int i = 0; i < n; ++i) {
      auto body = EntryBody(Credentials(false), Model("model-" + std::to_string(i)), false);
      ASSERT_TRUE(body.ok()) << body.status().message();
      auto e = Registry::Append(dir_, *body, key_);
      ASSERT_TRUE(e.ok()) << e.status().message();
    }
  }
  Status Verify() {
    auto r = Registry::Open(dir_);
    return r.ok() ? Status::OK() : r.status();
  }
  std::vector<std::string> Files() {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.is_regular_file() && e.path().filename() != "registry.lock") out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  TempDir tmp_;
  SigningKey key_, other_;
  std::string dir_;
};

TEST_F(RegistryTest, KeysAreEd25519AndTheSecretIsPrivate) {
  struct stat st {};
  ASSERT_EQ(::stat((tmp_ / "key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(key_.public_hex.size(), 64u);
  EXPECT_EQ(test::ReadFile(tmp_ / "key.pub"), key_.public_hex + "\n");
  EXPECT_EQ(GenerateKey(tmp_ / "key").status().exit_code(), 1);  // never overwritten
  const std::string sig = SignHex(key_, "message");
  EXPECT_TRUE(VerifyHex(key_.public_hex, "message", sig));
  EXPECT_FALSE(VerifyHex(key_.public_hex, "messagE", sig));
  EXPECT_FALSE(VerifyHex(other_.public_hex, "message", sig));
  // A key file whose halves do not belong together is refused.
  auto j = nlohmann::json::parse(test::ReadFile(tmp_ / "key"));
  j["public_key"] = other_.public_hex;
  test::WriteFile(tmp_ / "mixed", j.dump());
  ::chmod((tmp_ / "mixed").c_str(), 0600);
  EXPECT_THAT(LoadKey(tmp_ / "mixed").status().message(), HasSubstr("does not belong"));
}

TEST_F(RegistryTest, EntriesChainSignAndGrowTheTree) {
  Add(5);
  auto r = Registry::Open(dir_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->entries().size(), 5u);
  EXPECT_EQ(r->parts().heads.size(), 6u);
  for (size_t i = 0; i < 5; ++i) {
    const auto& e = r->entries()[i].json;
    EXPECT_EQ(e["index"], i);
    EXPECT_EQ(e["issuer"], key_.public_hex);
    if (i > 0) {
      EXPECT_EQ(e["previous"], Sha256::Hex(r->entries()[i - 1].bytes));
    }
    EXPECT_TRUE(r->CheckInclusion(i));
    // Entries carry 6-decimal fractions only, and no model URL.
    const double low = WilsonInterval(98, 120, 0.95).low;  // 0.73799..., more places than an entry keeps
    EXPECT_EQ(e["results"]["cardiology"]["ci_low"], std::round(low * 1e6) / 1e6);
    EXPECT_NE(e["results"]["cardiology"]["ci_low"].get<double>(), low);
    EXPECT_EQ(e["evaluation"]["adapter"], "openai:local-model");
    EXPECT_EQ(r->entries()[i].bytes.find("127.0.0.1"), std::string::npos);
  }
  EXPECT_EQ(r->tree_head().json["size"], 5);
}

TEST_F(RegistryTest, AChangedByteInAnyFileFailsVerification) {
  Add(3);
  ASSERT_TRUE(Verify().ok());
  const auto files = Files();
  ASSERT_EQ(files.size(), 1u + 3u + 4u + 1u);  // registry.json, entries, heads 0..3, tree-head.json
  for (const std::string& f : files) {
    const std::string orig = test::ReadFile(f);
    for (size_t at : {orig.size() / 3, orig.size() / 2, orig.size() - 3}) {
      std::string changed = orig;
      // Change a character to another of the same kind, so the JSON stays well formed where possible.
      char& c = changed[at];
      c = std::isdigit(static_cast<unsigned char>(c))   ? (c == '9' ? '0' : c + 1)
          : std::isalpha(static_cast<unsigned char>(c)) ? (c == 'a' ? 'b' : 'a')
                                                        : 'x';
      if (changed == orig) continue;
      test::WriteFile(f, changed);
      Status s = Verify();
      EXPECT_FALSE(s.ok()) << f << " byte " << at;
      EXPECT_EQ(s.exit_code(), 2) << f << ": " << s.message();
      test::WriteFile(f, orig);
    }
  }
  EXPECT_TRUE(Verify().ok());
}

TEST_F(RegistryTest, RemovedReorderedTruncatedOrForeignEntriesFail) {
  Add(3);
  const std::string e1 = dir_ + "/entries/0000000001.json", e2 = dir_ + "/entries/0000000002.json";
  const std::string b1 = test::ReadFile(e1), b2 = test::ReadFile(e2);
  // Reordered.
  test::WriteFile(e1, b2);
  test::WriteFile(e2, b1);
  EXPECT_THAT(Verify().message(), HasSubstr("0000000001.json: index is not 1"));
  test::WriteFile(e1, b1);
  test::WriteFile(e2, b2);
  // The last entry removed.
  fs::remove(e2);
  EXPECT_THAT(Verify().message(), HasSubstr("truncated"));
  test::WriteFile(e2, b2);
  // A file cut short.
  test::WriteFile(e2, b2.substr(0, b2.size() / 2));
  EXPECT_THAT(Verify().message(), HasSubstr("not valid JSON"));
  test::WriteFile(e2, b2);
  // Malformed JSON.
  test::WriteFile(e1, "{");
  EXPECT_THAT(Verify().message(), HasSubstr("0000000001.json: not valid JSON"));
  test::WriteFile(e1, b1);
  // An entry signed by a foreign key, even with a valid signature of its own.
  auto j = nlohmann::json::parse(b2);
  j["issuer"] = other_.public_hex;
  auto foreign = SignObject(j, other_);
  ASSERT_TRUE(foreign.ok());
  test::WriteFile(e2, foreign->bytes);
  EXPECT_THAT(Verify().message(), HasSubstr("foreign key"));
  test::WriteFile(e2, b2);
  // A stray file.
  test::WriteFile(dir_ + "/entries/notes.txt", "x");
  EXPECT_THAT(Verify().message(), HasSubstr("unexpected"));
  fs::remove(dir_ + "/entries/notes.txt");
  EXPECT_TRUE(Verify().ok());
  // Appending with another key is refused before anything is written.
  auto body = EntryBody(Credentials(false), Model("x"), false);
  EXPECT_EQ(Registry::Append(dir_, *body, other_).status().exit_code(), 1);
  EXPECT_EQ(Registry::Open(dir_)->entries().size(), 3u);
}

TEST_F(RegistryTest, OversizedEntriesAndDemoRunsAreRefused) {
  auto body = EntryBody(Credentials(false), Model("big"), false);
  ASSERT_TRUE(body.ok());
  (*body)["model"]["name"] = std::string(kMaxEntryBytes + 10, 'x');
  auto r = Registry::Append(dir_, *body, key_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("more than the"));
  EXPECT_TRUE(Registry::Open(dir_)->entries().empty());
  // An oversized file put there by hand is refused before parsing.
  Add(1);
  test::WriteFile(dir_ + "/entries/0000000000.json", std::string(kMaxEntryBytes + 1, ' '));
  EXPECT_THAT(Verify().message(), HasSubstr("more than the"));

  auto demo = EntryBody(Credentials(true), Model("d"), false);
  EXPECT_EQ(demo.status().exit_code(), 1);
  EXPECT_THAT(demo.status().message(), HasSubstr("--allow-demo"));
  demo = EntryBody(Credentials(true), Model("d"), true);
  ASSERT_TRUE(demo.ok());
  EXPECT_EQ((*demo)["demo"], true);
  for (const auto& [k, v] : (*demo)["results"].items()) EXPECT_EQ(v["tier"], "demo") << k;
  EXPECT_FALSE(EntryCertifies(*demo));
  EXPECT_TRUE(EntryCertifies(*EntryBody(Credentials(false), Model("c"), false)));
}

TEST_F(RegistryTest, ConcurrentWritersAllLandInOneValidLog) {
  constexpr int kWriters = 4, kEach = 3;
  std::vector<pid_t> kids;
  for (int w = 0; w < kWriters; ++w) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < kEach; ++i) {
        auto body = EntryBody(Credentials(false), Model("w" + std::to_string(w) + "-" + std::to_string(i)), false);
        if (!body.ok() || !Registry::Append(dir_, *body, key_).ok()) _exit(1);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  auto r = Registry::Open(dir_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->entries().size(), static_cast<size_t>(kWriters * kEach));
  std::set<std::string> names;
  for (const auto& e : r->entries()) names.insert(e.json["model"]["name"]);
  EXPECT_EQ(names.size(), static_cast<size_t>(kWriters * kEach));
}

TEST_F(RegistryTest, AnInterruptedAddIsCleanedUpByTheNext) {
  Add(1);
  // An entry written without its head (the add died in between).
  auto body = EntryBody(Credentials(false), Model("half"), false);
  auto half = SignObject(*body, key_);
  test::WriteFile(dir_ + "/entries/0000000001.json", half->bytes);
  EXPECT_FALSE(Verify().ok());
  Add(1);
  auto r = Registry::Open(dir_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->entries().size(), 2u);
  EXPECT_EQ(r->entries()[1].json["model"]["name"], "model-0");
}

// --- identity ---------------------------------------------------------------

std::string Le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
std::string GgufString(const std::string& s) { return Le(s.size(), 8) + s; }

// A synthetic GGUF v3 file: two metadata keys (one an array) and two tensors.
std::string SyntheticGguf() {
  std::string g = "GGUF" + Le(3, 4) + Le(2, 8) + Le(2, 8);
  g += GgufString("general.architecture") + Le(8, 4) + GgufString("llama");
  g += GgufString("tokenizer.ggml.tokens") + Le(9, 4) + Le(8, 4) + Le(2, 8) + GgufString("a") + GgufString("b");
  g += GgufString("token_embd.weight") + Le(2, 4) + Le(4096, 8) + Le(32000, 8) + Le(0, 4) + Le(0, 8);
  g += GgufString("output_norm.weight") + Le(1, 4) + Le(4096, 8) + Le(0, 4) + Le(0, 8);
  return g + std::string(64, '\0');
}

TEST(Identity, FilesHashAsSha256sumAndHeadersAreRead) {
  TempDir tmp;
  test::WriteFile(tmp / "m.gguf", SyntheticGguf());
  auto id = HashModel(tmp / "m.gguf");
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(id->sha256, Sha256::Hex(SyntheticGguf()));
  EXPECT_EQ(id->format, "gguf");
  EXPECT_EQ(id->architecture, "llama");
  ASSERT_TRUE(id->parameters);
  EXPECT_EQ(*id->parameters, 4096u * 32000u + 4096u);
  // A damaged GGUF header is named.
  test::WriteFile(tmp / "bad.gguf", SyntheticGguf().substr(0, 60));
  EXPECT_THAT(HashModel(tmp / "bad.gguf").status().message(), HasSubstr("damaged GGUF header"));
  // safetensors: an 8-byte little-endian header size, then JSON.
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[10,20],"data_offsets":[0,400]},"b":{"dtype":"F16","shape":[5],"data_offsets":[400,410]}})";
  test::WriteFile(tmp / "dir/model.safetensors", Le(header.size(), 8) + header + std::string(410, '\0'));
  test::WriteFile(tmp / "dir/config.json", R"({"architectures": ["LlamaForCausalLM"]})");
  test::WriteFile(tmp / "dir/.git/objects/x", "ignored");
  auto d = HashModel(tmp / "dir");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->format, "safetensors");
  EXPECT_EQ(d->architecture, "LlamaForCausalLM");
  EXPECT_EQ(*d->parameters, 205u);
  ASSERT_EQ(d->files.size(), 2u);  // .git left out
  // The manifest: sorted "<sha256> <size> <path>" lines, hashed again.
  std::string manifest;
  for (const auto& f : d->files) manifest += f.sha256 + " " + std::to_string(f.size) + " " + f.path + "\n";
  EXPECT_EQ(d->sha256, Sha256::Hex(manifest));
  EXPECT_EQ(d->files[0].path, "config.json");
  // Any change to any file changes the identity; .git does not.
  test::WriteFile(tmp / "dir/.git/objects/x", "changed");
  EXPECT_EQ(HashModel(tmp / "dir")->sha256, d->sha256);
  test::WriteFile(tmp / "dir/config.json", R"({"architectures": ["MistralForCausalLM"]})");
  EXPECT_NE(HashModel(tmp / "dir")->sha256, d->sha256);
  EXPECT_EQ(HashModel(tmp / "nothing").status().exit_code(), 1);
}

// --- site and server --------------------------------------------------------

TEST_F(RegistryTest, TheServerServesTheSiteAndApiAndNothingElse) {
  Add(2);
  auto demo = EntryBody(Credentials(true), Model("demo-model"), true);
  ASSERT_TRUE(Registry::Append(dir_, *demo, key_).ok());
  test::WriteFile(tmp_ / "secret.txt", "outside the site");
  RegistryServer server(dir_);
  int port = 0;
  std::promise<int> ready;
  std::thread t([&] { EXPECT_TRUE(server.Serve("127.0.0.1", 0, [&](int p) { ready.set_value(p); }).ok()); });
  port = ready.get_future().get();
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/api/entries");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("application/json"));
  EXPECT_EQ(nlohmann::json::parse(res->body).size(), 3u);
  const std::string sha = Model("model-1").sha256;
  res = c.Get("/api/models/" + sha);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body)[0]["model"]["sha256"], sha);
  EXPECT_EQ(c.Get("/api/models/" + std::string(64, '0'))->status, 404);
  res = c.Get("/api/tree-head");
  EXPECT_EQ(nlohmann::json::parse(res->body)["size"], 3);
  res = c.Get("/api/proof/1");
  ASSERT_EQ(res->status, 200);
  auto proof = nlohmann::json::parse(res->body);
  std::vector<Hash> path;
  for (const auto& h : proof["path"]) {
    std::string b;
    ASSERT_TRUE(FromHex(h, &b));
    path.push_back(b);
  }
  std::string leaf, root;
  FromHex(proof["leaf_hash"], &leaf);
  FromHex(proof["root"], &root);
  EXPECT_TRUE(VerifyInclusion(leaf, 1, 3, path, root));
  EXPECT_EQ(c.Get("/api/proof/7")->status, 404);
  // A client that kept the head of size 1 checks the log only grew since.
  res = c.Get("/api/consistency/1");
  ASSERT_EQ(res->status, 200);
  auto cons = nlohmann::json::parse(res->body);
  std::vector<Hash> cpath;
  for (const auto& h : cons["path"]) {
    std::string b;
    ASSERT_TRUE(FromHex(h, &b));
    cpath.push_back(b);
  }
  std::string old_root, new_root;
  FromHex(nlohmann::json::parse(test::ReadFile(dir_ + "/heads/0000000001.json"))["root"], &old_root);
  FromHex(cons["root"], &new_root);
  EXPECT_EQ(cons["size"], 3);
  EXPECT_TRUE(VerifyConsistency(1, 3, old_root, new_root, cpath));
  EXPECT_FALSE(VerifyConsistency(1, 3, new_root, new_root, cpath));
  EXPECT_EQ(c.Get("/api/consistency/0")->status, 404);
  EXPECT_EQ(c.Get("/api/consistency/9")->status, 404);
  EXPECT_EQ(c.Get("/api/proof/x")->status, 400);
  res = c.Get("/");
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(res->body, HasSubstr("cardiology"));
  EXPECT_EQ(c.Get("/models/" + sha + ".html")->status, 200);
  for (const char* bad : {"/../secret.txt", "/%2e%2e/secret.txt", "/models/../../secret.txt", "/..%2fsecret.txt",
                          "/entries/0000000000.json", "/registry.lock", "//etc/passwd"}) {
    auto r = c.Get(bad);
    if (r) {
      EXPECT_NE(r->status, 200) << bad;
      EXPECT_EQ(r->body.find("outside the site"), std::string::npos) << bad;
    }
  }
  // A new entry shows without restarting the server.
  Add(1);
  EXPECT_EQ(nlohmann::json::parse(c.Get("/api/entries")->body).size(), 4u);
  // Served to `medcred verify` as a URL registry.
  const std::string model = tmp_ / "model.bin";
  test::WriteFile(model, "weights of a model that is not in the registry");
  ::setenv("MEDCRED_DATA_DIR", test::DataDirWithRelease(tmp_, kFakeRelease).c_str(), 1);
  auto v = test::RunMedcred("verify " + model + " --registry http://127.0.0.1:" + std::to_string(port), tmp_);
  ::unsetenv("MEDCRED_DATA_DIR");
  EXPECT_EQ(v.code, 5) << v.err;
  EXPECT_THAT(v.out, HasSubstr("not in the registry"));

  // The page in a real browser: it loads and the leaderboard shows the entries.
  const char* browser_present = std::getenv("MEDCRED_REQUIRE_BROWSER");
  if (!test::ChromiumPath().empty()) {
    const std::string png = tmp_ / "registry.png";
    auto page = test::RenderInChromium("http://127.0.0.1:" + std::to_string(port) + "/", png, tmp_, 1200, 1000);
    EXPECT_TRUE(page.ok) << page.error;
    EXPECT_THAT(page.dom, HasSubstr("class=\"leaderboard\""));
    EXPECT_THAT(page.dom, HasSubstr("model-1"));
    EXPECT_THAT(page.dom, HasSubstr("demo-model"));
    EXPECT_THAT(page.dom, HasSubstr("certified"));
    EXPECT_EQ(page.png_width, 1200);
    EXPECT_GT(page.png_bytes, 20000u);
    std::printf("registry site rendered by chromium: %ju-byte screenshot\n", page.png_bytes);
    if (const char* keep = std::getenv("MEDCRED_KEEP_SCREENSHOTS")) {
      fs::copy_file(png, std::string(keep) + "/registry.png", fs::copy_options::overwrite_existing);
    }
  } else if (browser_present) {
    ADD_FAILURE() << "chromium was not found";
  }
  server.Stop();
  t.join();
}

// The comparison with the ED physicians travels into the entry as aggregates only (anything else in
// credentials.json's object is dropped), and the site shows it beside the tier.
TEST_F(RegistryTest, EntriesCarryTheClinicianComparisonAsAggregatesAndTheSiteShowsIt) {
  CredentialsFile c = Credentials(false);
  c.clinician_comparison = {{"clinicians", "ed-physician"},
                            {"available", true},
                            {"confidence", 0.95},
                            {"non_inferiority_margin", 0.1},
                            {"min_cases", 30},
                            {"interval_method", "newcombe-hybrid-score-paired"},
                            {"case_ids", {"hadm-1"}},
                            {"categories",
                             {{"cardiology",
                               {{"cases", 120},
                                {"without_ed_diagnosis", 20},
                                {"n", 100},
                                {"model_accuracy", 0.81234567},
                                {"clinician_accuracy", 0.79},
                                {"difference", 0.02234567},
                                {"difference_ci", {-0.0412345678, 0.0856}},
                                {"mcnemar_p", 0.5},
                                {"statement", "non-inferior"},
                                {"disagree", {"hadm-2"}}}}}}};
  auto body = EntryBody(c, Model("vs-ed"), false);
  ASSERT_TRUE(body.ok()) << body.status().message();
  const nlohmann::json& cc = (*body)["clinician_comparison"];
  EXPECT_FALSE(cc.contains("case_ids"));
  EXPECT_FALSE(cc["categories"]["cardiology"].contains("disagree"));
  EXPECT_EQ(cc["categories"]["cardiology"]["statement"], "non-inferior");
  EXPECT_EQ(cc["categories"]["cardiology"]["n"], 100);
  EXPECT_EQ(cc["categories"]["cardiology"]["difference_ci"][0], std::round(-0.0412345678 * 1e6) / 1e6);
  EXPECT_EQ(cc["non_inferiority_margin"], 0.1);
  EXPECT_EQ(body->dump().find("hadm-"), std::string::npos);
  ASSERT_TRUE(Registry::Append(dir_, *body, key_).ok());
  auto r = Registry::Open(dir_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(WriteSite(*r, tmp_ / "site").ok());
  const std::string index = test::ReadFile(tmp_ / "site/index.html");
  EXPECT_NE(index.find("vs ED physicians"), std::string::npos);
  EXPECT_NE(index.find("non-inferior</span> <small>0.812 vs 0.790, &Delta; [-0.041, +0.086], n 100"), std::string::npos)
      << index;
  // Neurology has no comparison: a dash.
  const std::string page = test::ReadFile(tmp_ / ("site/models/" + Model("vs-ed").sha256 + ".html"));
  EXPECT_NE(page.find("<td>neurology</td><td><span class=\"not-certified\">"), std::string::npos);
  EXPECT_NE(page.find("&ndash;"), std::string::npos);
}

TEST_F(RegistryTest, PublishWritesAStaticSiteThatVerifiesFromItsOwnFiles) {
  Add(2);
  auto r = Registry::Open(dir_);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(WriteSite(*r, tmp_ / "site").ok());
  for (const char* f :
       {"index.html", "entries.json", "tree-head.json", "registry.json", "proofs/0.json", "proofs/1.json"}) {
    EXPECT_TRUE(fs::exists(tmp_ / ("site/" + std::string(f)))) << f;
  }
  EXPECT_TRUE(fs::exists(tmp_ / ("site/models/" + Model("model-0").sha256 + ".html")));
  // The published parts alone verify (what a URL registry is checked with).
  RegistryParts p;
  p.where = tmp_ / "site";
  auto reg = ParseCanonical(test::ReadFile(tmp_ / "site/registry.json"), "registry.json");
  p.registry = {test::ReadFile(tmp_ / "site/registry.json"), *reg};
  auto head = ParseCanonical(test::ReadFile(tmp_ / "site/tree-head.json"), "tree-head.json");
  p.tree_head = {test::ReadFile(tmp_ / "site/tree-head.json"), *head};
  for (const auto& e : nlohmann::json::parse(test::ReadFile(tmp_ / "site/entries.json")))
    p.entries.push_back({*CanonicalJson(e), e});
  EXPECT_TRUE(Registry::FromParts(p).ok());
  p.entries[0].json["results"]["cardiology"]["tier"] = "certified!";
  p.entries[0].bytes = *CanonicalJson(p.entries[0].json);
  EXPECT_FALSE(Registry::FromParts(p).ok());
}

}  // namespace
}  // namespace medcred

namespace medcred {
namespace {

TEST_F(RegistryTest, PublishWritesOnlyIntoNothingAnEmptyFolderOrAnEarlierSite) {
  Add(1);
  auto r = Registry::Open(dir_);
  ASSERT_TRUE(r.ok());
  test::WriteFile(tmp_ / "home/notes.txt", "mine");
  const Status home = WriteSite(*r, tmp_ / "home");
  EXPECT_EQ(home.exit_code(), 1);
  EXPECT_THAT(home.message(), HasSubstr("holds no registry site"));
  EXPECT_FALSE(fs::exists(tmp_ / "home/index.html"));
  const Status own = WriteSite(*r, dir_);
  EXPECT_THAT(own.message(), HasSubstr("the registry's own directory"));
  EXPECT_TRUE(Verify().ok());  // untouched, so still verifying
  EXPECT_FALSE(WriteSite(*r, dir_ + "/entries").ok());
  ASSERT_TRUE(WriteSite(*r, tmp_ / "site").ok());
  Add(1);
  EXPECT_TRUE(WriteSite(*Registry::Open(dir_), tmp_ / "site").ok());  // an earlier site is updated
}

TEST_F(RegistryTest, ARegistryNested50000DeepIsRefusedNotACrash) {
  Add(1);
  test::WriteFile(dir_ + "/registry.json", std::string(50000, '[') + std::string(50000, ']'));
  const Status s = Verify();
  EXPECT_EQ(s.exit_code(), 2);
  EXPECT_THAT(s.message(), HasSubstr("registry.json"));
}

TEST_F(RegistryTest, KeysAreNeverOverwrittenAndAReadableSecretKeyIsRefused) {
  test::WriteFile(tmp_ / "fresh.pub", "someone else's public key\n");
  EXPECT_EQ(GenerateKey(tmp_ / "fresh").status().exit_code(), 1);
  EXPECT_EQ(test::ReadFile(tmp_ / "fresh.pub"), "someone else's public key\n");
  ASSERT_EQ(::chmod((tmp_ / "key").c_str(), 0644), 0);
  auto k = LoadKey(tmp_ / "key");
  ASSERT_FALSE(k.ok());
  EXPECT_THAT(k.status().message(), HasSubstr("mode 644"));
}

TEST(Identity, AModelDirectoryNeverNamesOrHashesAFileOutsideIt) {
  test::TempDir tmp;
  test::WriteFile(tmp / "model/weights.bin", "weights");
  test::WriteFile(tmp / "outside.txt", "a private file");
  fs::create_symlink(tmp / "model/weights.bin", tmp / "model/alias.bin");  // inside: hashed, under its own name
  auto inside = HashModel(tmp / "model");
  ASSERT_TRUE(inside.ok()) << inside.status().message();
  ASSERT_EQ(inside->files.size(), 2u);
  for (const auto& f : inside->files) EXPECT_EQ(f.path.find(".."), std::string::npos) << f.path;
  fs::create_symlink("../outside.txt", tmp / "model/config.txt");
  auto outside = HashModel(tmp / "model");
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().exit_code(), 2);
  EXPECT_THAT(outside.status().message(), HasSubstr("outside the model directory"));
}

TEST_F(RegistryTest, TheServerRefusesOtherMethodsSendsAPolicyAndOutlastsIdleClients) {
  Add(1);
  RegistryServer server(dir_);
  std::promise<int> ready;
  std::thread t([&] { EXPECT_TRUE(server.Serve("127.0.0.1", 0, [&](int p) { ready.set_value(p); }).ok()); });
  const int port = ready.get_future().get();
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->get_header_value("Content-Security-Policy"), HasSubstr("default-src 'none'"));
  EXPECT_FALSE(res->has_header("X-Medcred-Counted"));
  res = c.Post("/api/entries", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  EXPECT_EQ(c.Delete("/index.html")->status, 405);
  // More idle connections than the server has threads: they are dropped after
  // the read timeout, and a real client is served.
  std::vector<int> idle;
  for (int i = 0; i < 80; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    if (i % 2 == 0) {
      ASSERT_EQ(::write(fd, "GET / HTTP/1.1\r\n", 16), 16);  // a request that never ends
    }
    idle.push_back(fd);
  }
  httplib::Client late("127.0.0.1", port);
  late.set_read_timeout(30, 0);
  auto served = late.Get("/api/tree-head");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  for (int fd : idle) ::close(fd);
  server.Stop();
  t.join();
}

}  // namespace
}  // namespace medcred

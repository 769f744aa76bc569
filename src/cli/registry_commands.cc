// The public side (docs/cli.md, docs/registry.md): `hash`, `keygen`, `registry init|add|verify|
// show|publish`, `serve` and `verify`.
#include <curl/curl.h>
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "common/json_util.h"
#include "credentials/regrade.h"
#include "registry/canonical_json.h"
#include "registry/claims.h"
#include "registry/entry.h"
#include "registry/identity.h"
#include "registry/keys.h"
#include "registry/registry.h"
#include "registry/serve.h"
#include "registry/site.h"
#include "registry/trust.h"
#include "store/datasets.h"

namespace medcred::cli {
namespace fs = std::filesystem;
namespace {

std::string Params(const ModelIdentity& id) {
  if (!id.parameters) return "?";
  char b[32];
  const double p = static_cast<double>(*id.parameters);
  if (p >= 1e9) {
    std::snprintf(b, sizeof b, "%.2fB", p / 1e9);
  } else if (p >= 1e6) {
    std::snprintf(b, sizeof b, "%.1fM", p / 1e6);
  } else {
    std::snprintf(b, sizeof b, "%.0f", p);
  }
  return b;
}

size_t Collect(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// GET a URL's body (libcurl); a non-200 answer is an external failure.
Result<std::string> Fetch(const std::string& url) {
  CURL* h = curl_easy_init();
  if (h == nullptr) return Status::External("libcurl cannot start");
  std::string body;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(512) << 20);
  const CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) return Status::External(url + ": " + curl_easy_strerror(rc));
  if (status != 200) return Status::External(url + ": HTTP " + std::to_string(status));
  return body;
}

// A registry from a directory, or from a published site / `serve` URL.
Result<Registry> LoadRegistry(const std::string& where) {
  if (where.rfind("http://", 0) != 0 && where.rfind("https://", 0) != 0) return Registry::Open(where);
  std::string base = where;
  while (!base.empty() && base.back() == '/') base.pop_back();
  RegistryParts p;
  p.where = base;
  auto signed_file = [&](const std::string& name) -> Result<SignedFile> {
    MEDCRED_ASSIGN_OR_RETURN(std::string bytes, Fetch(base + "/" + name));
    MEDCRED_ASSIGN_OR_RETURN(nlohmann::json j, ParseCanonical(bytes, base + "/" + name, kMaxEntryBytes));
    return SignedFile{bytes, j};
  };
  MEDCRED_ASSIGN_OR_RETURN(p.registry, signed_file("registry.json"));
  MEDCRED_ASSIGN_OR_RETURN(p.tree_head, signed_file("tree-head.json"));
  MEDCRED_ASSIGN_OR_RETURN(std::string entries, Fetch(base + "/entries.json"));
  nlohmann::json list = ParseJson(entries, base + "/entries.json").value_or(nlohmann::json());
  if (!list.is_array()) return Status::BadInput(base + "/entries.json: not a JSON array");
  for (size_t i = 0; i < list.size(); ++i) {
    MEDCRED_ASSIGN_OR_RETURN(std::string bytes, CanonicalJson(list[i]));
    if (bytes.size() > kMaxEntryBytes)
      return Status::BadInput(base + "/entries.json: entry " + std::to_string(i) + " is oversized");
    p.entries.push_back({bytes, list[i]});
  }
  return Registry::FromParts(std::move(p));
}

// What a verifier checks beyond the log's own structure: the key it trusts,
// no rollback from the head seen before, and every entry's claims recomputed.
Status CheckRegistry(const Registry& r, const std::string& where, const TrustOptions& trust) {
  std::string note;
  MEDCRED_RETURN_IF_ERROR(CheckTrust(r, where, trust, &note));
  if (!note.empty()) std::fprintf(stderr, "medcred: %s\n", note.c_str());
  MEDCRED_ASSIGN_OR_RETURN(KnownDatasets known, KnownDatasets::Load());
  ClaimChecker claims(known);
  for (const auto& e : r.entries()) {
    MEDCRED_RETURN_IF_ERROR(claims.Check(e.json, where + ": entry #" + e.json["index"].dump()));
  }
  return Status::OK();
}

void PrintEntry(const nlohmann::json& e) {
  std::printf(
      "entry #%s%s  model %s  sha256 %s\n  issued %s  medcred %s  methodology %s  dataset %s %s\n",
      e["index"].dump().c_str(), e.value("demo", false) ? " (demo)" : "", e["model"].value("name", "").c_str(),
      e["model"].value("sha256", "").c_str(), e.value("issued_at", "").c_str(),
      e["evaluation"].value("medcred_version", "").c_str(), e["evaluation"]["methodology"].value("version", "").c_str(),
      e["evaluation"]["dataset"].value("name", "").c_str(), e["evaluation"]["dataset"].value("version", "").c_str());
  for (const auto& [cat, r] : e["results"].items()) {
    std::printf("  %-20s %-14s accuracy %.3f [%.3f, %.3f] n %s\n", cat.c_str(), r.value("tier", "").c_str(),
                r.value("accuracy", 0.0), r.value("ci_low", 0.0), r.value("ci_high", 1.0), r["n"].dump().c_str());
  }
}

}  // namespace

Command AddHash(CLI::App& root) {
  struct Opts {
    std::vector<std::string> paths;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app =
      root.add_subcommand("hash", "Model identity: SHA-256 of a model file, or of a model directory's manifest");
  app->add_option("paths", o->paths, "Model files or directories")->required();
  app->add_flag("--json", o->json, "Print the identities as JSON (one object per line)");
  return {app, [o]() -> Status {
            for (const std::string& p : o->paths) {
              MEDCRED_ASSIGN_OR_RETURN(ModelIdentity id, HashModel(p));
              if (o->json) {
                std::printf("%s\n", SafeDump(id.ToJson()).c_str());
              } else {
                std::printf("%s  %s  (%s, %s, %s parameters, %zu file%s)\n", id.sha256.c_str(), p.c_str(),
                            id.format.c_str(),
                            id.architecture.empty() ? "architecture unknown" : id.architecture.c_str(),
                            Params(id).c_str(), id.files.size(), id.files.size() == 1 ? "" : "s");
              }
            }
            return Status::OK();
          }};
}

Command AddKeygen(CLI::App& root) {
  auto file = std::make_shared<std::string>();
  CLI::App* app =
      root.add_subcommand("keygen", "Write a new Ed25519 key pair (the secret part mode 0600, KEYFILE.pub public)");
  app->add_option("keyfile", *file, "Key file to create")->required();
  return {app, [file]() -> Status {
            MEDCRED_ASSIGN_OR_RETURN(std::string pub, GenerateKey(*file));
            std::printf("public key %s\nsecret key in %s (mode 0600; keep it safe), public key in %s.pub\n",
                        pub.c_str(), file->c_str(), file->c_str());
            return Status::OK();
          }};
}

namespace {

struct RegistryOpts {
  std::string dir, key, run, model_path, model_sha256, model_name, model_filter, out, reference, store;
  TrustOptions trust;
  bool allow_demo = false, json = false;
};

Status RegistryInit(const RegistryOpts& o) {
  MEDCRED_ASSIGN_OR_RETURN(SigningKey key, LoadKey(o.key));
  MEDCRED_RETURN_IF_ERROR(Registry::Init(o.dir, key));
  std::printf("registry %s created; key %s\n", o.dir.c_str(), key.public_hex.c_str());
  return Status::OK();
}

// The model an entry is for: hashed from its files, or as given.
Result<ModelIdentity> IdentityOf(const RegistryOpts& o) {
  if (o.model_path.empty() && o.model_sha256.empty()) return Status::Usage("give --model-path or --model-sha256");
  ModelIdentity id;
  if (!o.model_path.empty()) {
    MEDCRED_ASSIGN_OR_RETURN(id, HashModel(o.model_path));
  } else {
    std::string raw;
    if (o.model_sha256.size() != 64 || !FromHex(o.model_sha256, &raw)) {
      return Status::Usage("--model-sha256 must be 64 lower-case hex digits");
    }
    id.sha256 = o.model_sha256;
    id.format = "other";
    id.name = o.model_sha256.substr(0, 12);
  }
  if (!o.model_name.empty()) id.name = o.model_name;
  return id;
}

Status RegistryAdd(const RegistryOpts& o) {
  MEDCRED_ASSIGN_OR_RETURN(const ModelIdentity id, IdentityOf(o));
  MEDCRED_ASSIGN_OR_RETURN(SigningKey key, LoadKey(o.key));
  // Re-grade the run first, so the entry is what its episodes say under these files.
  MEDCRED_ASSIGN_OR_RETURN(RunOutputs out, RegradeRun(o.run, RegradeOptions{o.reference, o.store, {}}));
  MEDCRED_ASSIGN_OR_RETURN(nlohmann::json body, EntryBody(out.credentials_file, id, o.allow_demo));
  MEDCRED_ASSIGN_OR_RETURN(SignedFile entry, Registry::Append(o.dir, std::move(body), key));
  std::printf("entry #%s added for %s (%s)%s\n", entry.json["index"].dump().c_str(), id.name.c_str(), id.sha256.c_str(),
              entry.json.value("demo", false) ? ", a demo entry" : "");
  return Status::OK();
}

Status RegistryVerify(const RegistryOpts& o) {
  MEDCRED_ASSIGN_OR_RETURN(Registry r, Registry::Open(o.dir));
  MEDCRED_RETURN_IF_ERROR(CheckRegistry(r, o.dir, o.trust));
  std::printf(
      "%s verifies: %zu entries, every signature by the trusted key %s, hash chain intact, %zu signed "
      "tree heads each matching its prefix of the log, no rollback from the head seen before, every "
      "entry's tiers recomputed from its counts, root %s\n",
      o.dir.c_str(), r.entries().size(), r.public_key().c_str(), r.parts().heads.size(),
      r.tree_head().json.value("root", "").c_str());
  return Status::OK();
}

Status RegistryShow(const RegistryOpts& o) {
  MEDCRED_ASSIGN_OR_RETURN(Registry r, LoadRegistry(o.dir));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : r.entries()) {
    if (!o.model_filter.empty() && e.json["model"].value("sha256", "") != o.model_filter) continue;
    if (o.json) {
      list.push_back(e.json);
    } else {
      PrintEntry(e.json);
    }
  }
  if (o.json) std::printf("%s\n", SafeDump(list, 2).c_str());
  return Status::OK();
}

Status RegistryPublish(const RegistryOpts& o) {
  MEDCRED_ASSIGN_OR_RETURN(Registry r, Registry::Open(o.dir));
  MEDCRED_RETURN_IF_ERROR(WriteSite(r, o.out));
  std::printf("site for %zu entries written to %s (open %s/index.html, or serve it from any static host)\n",
              r.entries().size(), o.out.c_str(), o.out.c_str());
  return Status::OK();
}

}  // namespace

Command AddRegistry(CLI::App& root) {
  auto o = std::make_shared<RegistryOpts>();
  CLI::App* app = root.add_subcommand("registry", "The signed, append-only registry of credentials");
  app->require_subcommand(1);
  CLI::App* init = app->add_subcommand("init", "Create an empty registry owned by a key");
  init->add_option("dir", o->dir, "Registry directory")->required();
  init->add_option("--key", o->key, "Key file (medcred keygen)")->required();
  CLI::App* add = app->add_subcommand("add", "Sign a run's credentials into the registry");
  add->add_option("dir", o->dir, "Registry directory")->required();
  add->add_option("--run", o->run, "Run directory")->required();
  auto* mp = add->add_option("--model-path", o->model_path, "The model file or directory (hashed)");
  auto* ms = add->add_option("--model-sha256", o->model_sha256, "The model's SHA-256, when the files are not here");
  mp->excludes(ms);
  add->add_option("--model-name", o->model_name, "Name shown for the model (default: the file or directory name)");
  add->add_option("--key", o->key, "The registry's key file")->required();
  add->add_flag("--allow-demo", o->allow_demo, "Record a demo run, marked and shown as a demo (it certifies nothing)");
  add->add_option("--reference", o->reference, "Folder with the CMS ICD-10-CM order file and GEMs");
  add->add_option("--store", o->store, "The store the run was made on (default: the one its run.json names)");
  CLI::App* verify =
      app->add_subcommand("verify", "Recompute and check every signature, hash, chain link and tree head");
  verify->add_option("dir", o->dir, "Registry directory")->required();
  verify->add_option("--trusted-key", o->trust.trusted_key_file,
                     "The operator's public key (a file of hex keys, e.g. KEYFILE.pub); default: your trust file, "
                     "trust on first use");
  CLI::App* show = app->add_subcommand("show", "Print the entries");
  show->add_option("dir", o->dir, "Registry directory or URL")->required();
  show->add_option("--model", o->model_filter, "Only this model's entries (SHA-256)");
  show->add_flag("--json", o->json, "JSON on stdout");
  CLI::App* publish = app->add_subcommand("publish", "Write the static site");
  publish->add_option("dir", o->dir, "Registry directory")->required();
  publish->add_option("--out", o->out, "Site directory")->required();
  return {app, [o, init, add, verify, show, publish]() -> Status {
            if (init->parsed()) return RegistryInit(*o);
            if (add->parsed()) return RegistryAdd(*o);
            if (verify->parsed()) return RegistryVerify(*o);
            if (show->parsed()) return RegistryShow(*o);
            if (publish->parsed()) return RegistryPublish(*o);
            return Status::Usage("registry: choose init, add, verify, show or publish");
          }};
}

Command AddServe(CLI::App& root) {
  struct Opts {
    std::string registry, host = "127.0.0.1";
    int port = 8080;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* app = root.add_subcommand("serve", "Serve the registry's site and JSON API (loopback by default)");
  app->add_option("--registry", o->registry, "Registry directory")->required();
  app->add_option("--host", o->host, "Address to listen on (default 127.0.0.1)");
  app->add_option("--port", o->port, "Port (default 8080; 0 = any free port)")->check(CLI::Range(0, 65535));
  return {app, [o]() -> Status {
            static RegistryServer* server = nullptr;
            RegistryServer s(o->registry);
            server = &s;
            signal(SIGINT, [](int) {
              if (server) server->Stop();
            });
            signal(SIGTERM, [](int) {
              if (server) server->Stop();
            });
            return s.Serve(o->host, o->port, [&](int port) {
              std::printf(
                  "serving %s on http://%s:%d/ (API: /api/entries, /api/models/SHA256, /api/tree-head, /api/proof/N)\n",
                  o->registry.c_str(), o->host.c_str(), port);
              std::fflush(stdout);
            });
          }};
}

Command AddVerify(CLI::App& root) {
  struct Opts {
    std::string path, registry;
    TrustOptions trust;
  };
  auto o = std::make_shared<Opts>();
  auto code = std::make_shared<int>(0);
  CLI::App* app = root.add_subcommand(
      "verify",
      "Is this model certified, and for what? Exit 0 certified, 4 listed but not certified, 5 not in the registry");
  app->add_option("path", o->path, "Model file or directory")->required();
  app->add_option("--registry", o->registry, "Registry directory or URL")->required();
  app->add_option("--trusted-key", o->trust.trusted_key_file,
                  "The operator's public key (a file of hex keys, e.g. KEYFILE.pub); default: your trust file, "
                  "trust on first use");
  return {
      app,
      [o, code]() -> Status {
        MEDCRED_ASSIGN_OR_RETURN(ModelIdentity id, HashModel(o->path));
        MEDCRED_ASSIGN_OR_RETURN(Registry r, LoadRegistry(o->registry));
        MEDCRED_RETURN_IF_ERROR(CheckRegistry(r, o->registry, o->trust));
        std::printf("%s  %s\n", id.sha256.c_str(), o->path.c_str());
        int found = 0;
        bool certified = false;
        for (const auto& e : r.entries()) {
          if (e.json["model"].value("sha256", "") != id.sha256) continue;
          ++found;
          const bool included = r.CheckInclusion(e.json["index"].get<uint64_t>());
          std::printf("\n");
          PrintEntry(e.json);
          std::printf("  verifies: %s\n",
                      included ? ("signature by the registry key; inclusion proof checked against the signed "
                                  "tree head of size " +
                                  r.tree_head().json["size"].dump())
                                     .c_str()
                               : "NO: the inclusion proof does not check");
          certified = certified || EntryCertifies(e.json);
        }
        if (found == 0) {
          std::printf("not in the registry %s (%zu entries, all verified)\n", o->registry.c_str(), r.entries().size());
          *code = 5;
        } else {
          std::printf("\n%s\n", certified ? "CERTIFIED in at least one category" : "listed, but certified for nothing");
          *code = certified ? 0 : 4;
        }
        return Status::OK();
      },
      code};
}

}  // namespace medcred::cli

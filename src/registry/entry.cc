#include "registry/entry.h"

#include "registry/canonical_json.h"

namespace medcred {
namespace {

// The adapter part of a model spec: a URL or a command line may name a
// person's machine or home folder, and says nothing about the model.
std::string Adapter(const std::string& spec) {
  if (spec.rfind("baseline:", 0) == 0) return spec;
  const size_t colon = spec.find(':');
  if (spec.rfind("openai:", 0) == 0) {
    const size_t at = spec.find('@');
    return "openai:" + spec.substr(colon + 1, at == std::string::npos ? std::string::npos : at - colon - 1);
  }
  return spec.substr(0, colon);
}

}  // namespace

Result<nlohmann::json> EntryBody(const nlohmann::json& c, const ModelIdentity& model, bool allow_demo) {
  if (c.value("format", "") != "medcred-credentials-v1") {
    return Status::BadInput("credentials.json: format is not medcred-credentials-v1 (rebuild it with medcred report)");
  }
  const bool demo = c.value("demo", false);
  if (demo && !allow_demo) {
    return Status::Usage(
        "this run is on the demo dataset, which never certifies; pass --allow-demo to record it as a demo entry");
  }
  nlohmann::json results = nlohmann::json::object(), suites = nlohmann::json::object();
  for (const auto& cat : c.value("categories", nlohmann::json::array())) {
    const std::string name = cat.value("name", "");
    if (name.empty()) return Status::BadInput("credentials.json: a category without a name");
    results[name] = {{"n", cat.value("n", 0)},
                     {"points", RoundForEntry(cat.value("points", 0.0))},
                     {"correct", cat.value("correct", 0)},
                     {"accuracy", RoundForEntry(cat.value("accuracy", 0.0))},
                     {"ci_low", RoundForEntry(cat.value("ci_low", 0.0))},
                     {"ci_high", RoundForEntry(cat.value("ci_high", 1.0))},
                     {"tier", demo ? "demo" : cat.value("tier", "")},
                     {"rank", cat.value("rank", 0)}};
    suites[name] = {{"sha256", cat.value("suite_sha256", "")}, {"complete", cat.value("complete_suite", false)}};
  }
  nlohmann::json files = nlohmann::json::array();
  for (const ModelFile& f : model.files) files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  nlohmann::json settings = c.value("settings", nlohmann::json::object());
  settings.erase("case_ids");  // never published (credentials.json already drops them)
  const nlohmann::json methodology = c.value("methodology", nlohmann::json::object());
  return nlohmann::json{
      {"format", "medcred-entry-v1"},
      {"demo", demo},
      {"model",
       {{"name", model.name},
        {"sha256", model.sha256},
        {"format", model.format},
        {"architecture", model.architecture.empty() ? nlohmann::json(nullptr) : nlohmann::json(model.architecture)},
        {"parameters", model.parameters ? nlohmann::json(*model.parameters) : nlohmann::json(nullptr)},
        {"files", files}}},
      {"evaluation",
       {{"medcred_version", c.value("medcred_version", "")},
        {"git_commit", c.value("git_commit", "")},
        {"protocol_version", c.value("protocol_version", "")},
        {"methodology", methodology},
        {"hashes", c.value("hashes", nlohmann::json::object())},
        {"dataset", c.value("dataset", nlohmann::json::object())},
        {"split", c.value("split", "test")},
        {"confidence", c.value("confidence", 0.95)},
        {"suites", suites},
        {"settings", settings},
        {"adapter", Adapter(c.value("model", ""))}}},
      {"results", results}};
}

bool EntryCertifies(const nlohmann::json& entry) {
  if (entry.value("demo", false)) return false;
  const nlohmann::json results = entry.value("results", nlohmann::json::object());
  for (const auto& [name, r] : results.items()) {
    if (r.value("tier", "") == "certified") return true;
  }
  return false;
}

}  // namespace medcred

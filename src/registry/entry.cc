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

// The comparison with the ED physicians as an entry carries it: the aggregates of credentials.json's
// clinician_comparison (counts, rates rounded as the results are, the statement), nothing else.
nlohmann::json ClinicianForEntry(const nlohmann::json& cc) {
  nlohmann::json cats = nlohmann::json::object();
  if (cc.contains("categories") && cc["categories"].is_object()) {
    for (const auto& [name, c] : cc["categories"].items()) {
      if (!c.is_object()) continue;
      nlohmann::json e = nlohmann::json::object();
      for (const char* k : {"cases", "without_ed_diagnosis", "n", "model_correct", "clinician_correct",
                            "only_model_correct", "only_clinician_correct"}) {
        if (c.contains(k) && c[k].is_number_integer()) e[k] = c[k];
      }
      for (const char* k : {"model_accuracy", "clinician_accuracy", "difference", "mcnemar_p"}) {
        if (c.contains(k) && c[k].is_number()) e[k] = RoundForEntry(c[k].get<double>());
      }
      if (c.contains("difference_ci") && c["difference_ci"].is_array() && c["difference_ci"].size() == 2 &&
          c["difference_ci"][0].is_number() && c["difference_ci"][1].is_number()) {
        e["difference_ci"] = {RoundForEntry(c["difference_ci"][0].get<double>()),
                              RoundForEntry(c["difference_ci"][1].get<double>())};
      }
      if (c.contains("statement") && c["statement"].is_string()) e["statement"] = c["statement"];
      cats[name] = e;
    }
  }
  nlohmann::json out = {{"categories", cats}};
  for (const char* k : {"clinicians", "interval_method", "test_method"}) {
    if (cc.contains(k) && cc[k].is_string()) out[k] = cc[k];
  }
  for (const char* k : {"available"}) {
    if (cc.contains(k) && cc[k].is_boolean()) out[k] = cc[k];
  }
  for (const char* k : {"confidence", "non_inferiority_margin", "min_cases"}) {
    if (cc.contains(k) && cc[k].is_number()) out[k] = cc[k];
  }
  return out;
}

}  // namespace

Result<nlohmann::json> EntryBody(const CredentialsFile& c, const ModelIdentity& model, bool allow_demo) {
  if (c.format != kCredentialsFormat && c.format != kCredentialsFormatV2) {
    return Status::BadInput(
        "credentials.json: format is not medcred-credentials-v1 or -v2 (rebuild it with medcred report)");
  }
  if (c.demo && !allow_demo) {
    return Status::Usage(
        "this run is on the demo dataset, which never certifies; pass --allow-demo to record it as a demo entry");
  }
  if (c.dataset.status != "recognized" && !c.demo) {
    return Status::Usage("this run's dataset is " + c.dataset.status +
                         " (its release digest is not in data/datasets-v1.toml), so it earns no tier and cannot be "
                         "entered in the registry; see docs/security.md on adding a release");
  }
  nlohmann::json results = nlohmann::json::object(), suites = nlohmann::json::object();
  for (const CredentialCategory& cat : c.categories) {
    if (cat.name.empty()) return Status::BadInput("credentials.json: a category without a name");
    results[cat.name] = {{"n", cat.n},
                         {"points", RoundForEntry(cat.points)},
                         {"correct", cat.correct},
                         {"accuracy", RoundForEntry(cat.accuracy)},
                         {"ci_low", RoundForEntry(cat.ci_low)},
                         {"ci_high", RoundForEntry(cat.ci_high)},
                         {"tier", c.dataset.status == "recognized" ? cat.tier : c.dataset.status},
                         {"rank", cat.rank}};
    suites[cat.name] = {{"sha256", cat.suite_sha256}, {"complete", cat.complete_suite}};
    // Issue 18: whether the category's standard exam was run whole, and the epochs' statistics.
    if (cat.complete_exam) suites[cat.name]["complete_exam"] = *cat.complete_exam;
    if (!cat.epochs.is_null()) {
      results[cat.name]["epochs"] = {{"k", cat.epochs.value("k", 0)},
                                     {"episodes", cat.epochs.value("episodes", 0)},
                                     {"correct_episodes", cat.epochs.value("correct_episodes", 0)},
                                     {"n_effective", RoundForEntry(cat.epochs.value("n_effective", 0.0))},
                                     {"interval", cat.epochs.value("interval", "")}};
    }
  }
  nlohmann::json files = nlohmann::json::array();
  for (const ModelFile& f : model.files) files.push_back({{"path", f.path}, {"size", f.size}, {"sha256", f.sha256}});
  nlohmann::json settings = c.settings;
  settings.erase("case_ids");  // never published (credentials.json already drops them)
  nlohmann::json body = nlohmann::json{
      {"format", "medcred-entry-v1"},
      {"demo", c.demo},
      {"model",
       {{"name", model.name},
        {"sha256", model.sha256},
        {"format", model.format},
        {"architecture", model.architecture.empty() ? nlohmann::json(nullptr) : nlohmann::json(model.architecture)},
        {"parameters", model.parameters ? nlohmann::json(*model.parameters) : nlohmann::json(nullptr)},
        {"files", files}}},
      {"evaluation",
       {{"medcred_version", c.medcred_version},
        {"git_commit", c.git_commit},
        {"protocol_version", c.protocol_version},
        {"methodology", {{"version", c.methodology_version}, {"sha256", c.methodology_sha256}}},
        {"hashes", c.hashes},
        {"dataset", c.dataset.ToJson()},
        {"split", c.split},
        {"confidence", c.confidence},
        {"suites", suites},
        {"settings", settings},
        {"adapter", Adapter(c.model)}}},
      {"results", results}};
  if (!c.exam.is_null()) body["evaluation"]["exam"] = c.exam;  // issue 18: an exam run's version and size
  if (!c.clinician_comparison.is_null()) body["clinician_comparison"] = ClinicianForEntry(c.clinician_comparison);
  return body;
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

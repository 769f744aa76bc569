#include "registry/claims.h"

#include <cmath>

#include "common/json_util.h"
#include "credentials/clinician.h"
#include "credentials/credentials.h"

namespace medcred {
namespace {

bool Near(double a, double b) { return std::fabs(a - b) <= 2e-6; }  // entries round to 6 places

}  // namespace

Result<const Methodology*> ClaimChecker::MethodologyOf(const std::string& version, const std::string& sha256,
                                                       const std::string& what) {
  auto it = methodologies_.find(version);
  if (it == methodologies_.end()) {
    const bool safe =
        !version.empty() && version.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
    if (!safe) return Status::BadInput(what + ": methodology version '" + version + "' is not a version name");
    auto m = Methodology::Load("methodology-" + version + ".toml");
    if (!m.ok()) {
      return Status::BadInput(what + ": names methodology " + version + ", which this medcred does not have (" +
                              m.status().message() + ")");
    }
    it = methodologies_.emplace(version, std::move(*m)).first;
  }
  if (it->second.sha256 != sha256) {
    return Status::BadInput(what + ": its methodology " + version + " has SHA-256 " + sha256 +
                            ", not that of the published file (" + it->second.sha256 + ")");
  }
  return &it->second;
}

namespace {

// The comparison with the ED physicians, recomputed from its own counts: both accuracies, the
// difference, its interval, the McNemar p-value and the statement under the methodology's
// [clinician] section and the dataset's status. An entry without one passes.
Status CheckClinicianComparison(const nlohmann::json& entry, const Methodology& m, DatasetStatus status,
                                const std::string& what) {
  if (!entry.contains("clinician_comparison")) return Status::OK();
  JsonFields cc(entry["clinician_comparison"], what + ": clinician_comparison");
  const nlohmann::json& cats = cc.Obj("categories");
  MEDCRED_RETURN_IF_ERROR(cc.status());
  MEDCRED_ASSIGN_OR_RETURN(const ClinicianMethodology section, LoadClinicianMethodology(m));
  for (const auto& [name, c] : cats.items()) {
    const std::string where = what + ": clinician_comparison.categories." + name;
    JsonFields f(c, where);
    const int64_t n = f.Int("n"), model = f.Int("model_correct"), ed = f.Int("clinician_correct");
    const int64_t only_model = f.Int("only_model_correct"), only_ed = f.Int("only_clinician_correct");
    const double model_acc = f.Num("model_accuracy"), ed_acc = f.Num("clinician_accuracy");
    const double difference = f.Num("difference"), p = f.Num("mcnemar_p");
    const nlohmann::json& ci = f.Arr("difference_ci");
    const std::string statement = f.Str("statement");
    MEDCRED_RETURN_IF_ERROR(f.status());
    PairedTable t;
    t.both = model - only_model;
    t.only_a = only_model;
    t.only_b = only_ed;
    t.neither = n - t.both - only_model - only_ed;
    if (t.both < 0 || t.both != ed - only_ed || only_model < 0 || only_ed < 0 || t.neither < 0) {
      return Status::BadInput(where + ": counts that cannot be");
    }
    const PairedComparison want = Compare(t, m.confidence);
    if (ci.size() != 2 || !ci[0].is_number() || !ci[1].is_number() || !Near(model_acc, t.accuracy_a()) ||
        !Near(ed_acc, t.accuracy_b()) || !Near(difference, t.difference()) ||
        !Near(ci[0].get<double>(), want.difference_ci.low) || !Near(ci[1].get<double>(), want.difference_ci.high) ||
        !Near(p, want.mcnemar_p)) {
      return Status::BadInput(where + ": accuracies, difference, interval or p-value are not what its counts give");
    }
    const std::string want_statement =
        status == DatasetStatus::kRecognized ? ClinicianStatement(want, section) : DatasetStatusName(status);
    if (statement != want_statement) {
      return Status::BadInput(where + ": claims '" + statement + "', but its counts under methodology " + m.version +
                              " on a " + DatasetStatusName(status) + " dataset say '" + want_statement + "'");
    }
  }
  return Status::OK();
}

}  // namespace

Status ClaimChecker::Check(const nlohmann::json& entry, const std::string& what) {
  JsonFields e(entry, what);
  JsonFields ev(e.Obj("evaluation"), what + ": evaluation");
  JsonFields meth(ev.Obj("methodology"), what + ": evaluation.methodology");
  JsonFields ds(ev.Obj("dataset"), what + ": evaluation.dataset");
  const bool demo = e.BoolOr("demo", false);
  const std::string version = meth.Str("version"), sha = meth.Str("sha256");
  const std::string digest = ds.StrOr("release_digest", ""), claimed_status = ds.StrOr("status", "");
  const double confidence = ev.NumOr("confidence", 0.95);
  for (JsonFields* f : {&e, &ev, &meth, &ds}) MEDCRED_RETURN_IF_ERROR(f->status());
  MEDCRED_ASSIGN_OR_RETURN(const Methodology* m, MethodologyOf(version, sha, what));
  if (confidence != m->confidence) {
    return Status::BadInput(what + ": confidence " + std::to_string(confidence) + " is not methodology " + version +
                            "'s");
  }
  // The dataset's status now, from its digest; a demo entry is a demo whatever its digest says.
  DatasetStatus status = known_.StatusOf(digest);
  if (demo) status = DatasetStatus::kDemo;
  if (!claimed_status.empty() && claimed_status != DatasetStatusName(status) && !demo) {
    return Status::BadInput(what + ": claims a " + claimed_status + " dataset, but its release digest is " +
                            DatasetStatusName(status) + " under the known datasets");
  }
  if (status == DatasetStatus::kDemo && !demo)
    return Status::BadInput(what + ": a demo dataset in an entry not marked demo");
  MEDCRED_RETURN_IF_ERROR(CheckClinicianComparison(entry, *m, status, what));
  for (const auto& [name, r] : e.Obj("results").items()) {
    const std::string where = what + ": results." + name;
    JsonFields f(r, where);
    const int64_t n = f.Int("n"), correct = f.Int("correct");
    const double accuracy = f.Num("accuracy"), low = f.Num("ci_low"), high = f.Num("ci_high");
    const std::string tier = f.Str("tier");
    MEDCRED_RETURN_IF_ERROR(f.status());
    if (n < 0 || correct < 0 || correct > n) return Status::BadInput(where + ": counts that cannot be");
    if (f.Has("epochs")) {
      // Issue 18: n cases run K times; the interval is Wilson's at the published effective sample size.
      JsonFields ep(f.Obj("epochs"), where + ": epochs");
      const double n_eff = ep.Num("n_effective");
      const int64_t episodes = ep.Int("episodes");
      MEDCRED_RETURN_IF_ERROR(ep.status());
      if (n_eff < static_cast<double>(n) - 1e-6 || n_eff > static_cast<double>(episodes) + 1e-6 || episodes < n) {
        return Status::BadInput(where + ": an effective sample size outside [cases, episodes]");
      }
      const Interval eci = WilsonIntervalOf(accuracy, n_eff, m->confidence);
      if (!Near(low, eci.low) || !Near(high, eci.high)) {
        return Status::BadInput(where + ": the interval is not what accuracy " + std::to_string(accuracy) +
                                " at an effective sample size of " + std::to_string(n_eff) + " gives");
      }
      const std::string want = TierOfBound(n, eci.low, *m, status);
      if (tier != want) {
        return Status::BadInput(where + ": claims tier '" + tier + "', but its cases and interval earn '" + want + "'");
      }
      continue;
    }
    const Interval ci = WilsonInterval(correct, n, m->confidence);
    const double acc = n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0;
    if (!Near(accuracy, acc) || !Near(low, ci.low) || !Near(high, ci.high)) {
      return Status::BadInput(where + ": accuracy or interval are not what " + std::to_string(correct) + " of " +
                              std::to_string(n) + " give");
    }
    const std::string want = TierOf(correct, n, *m, status);
    if (tier != want) {
      return Status::BadInput(where + ": claims tier '" + tier + "', but " + std::to_string(correct) + " of " +
                              std::to_string(n) + " on a " + DatasetStatusName(status) + " dataset under methodology " +
                              version + " earn '" + want + "'");
    }
  }
  return Status::OK();
}

}  // namespace medcred

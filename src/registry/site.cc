#include "registry/site.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "common/file_util.h"
#include "common/text.h"
#include "registry/entry.h"

namespace medcred {
namespace fs = std::filesystem;
namespace {

std::string Esc(const std::string& s) { return HtmlEscape(s); }

std::string F3(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", v);
  return b;
}

int TierOrder(const std::string& t) {
  if (t == "certified") return 0;
  if (t == "provisional") return 1;
  if (t == "demo") return 3;
  return 2;
}

const char* kStyle =
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2rem "
    "auto;max-width:1100px;color:#1b1f24;padding:0 1rem}"
    "h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}"
    "table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}th,td{padding:.3rem .6rem;border-bottom:1px solid "
    "#eaeef2;"
    "text-align:left;white-space:nowrap}th{background:#f6f8fa}code{font-size:.8rem}.muted{color:#57606a;font-size:."
    "85rem}"
    ".certified{color:#1a7f37;font-weight:bold}.provisional{color:#9a6700;font-weight:bold}.not-certified{color:#"
    "cf222e}"
    ".demo{color:#6e7781;font-style:italic}.badge{background:#fff8c5;border:1px solid "
    "#d4a72c;border-radius:4px;padding:0 .3rem;"
    "font-size:.75rem}";

std::string Page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\"><title>" +
         Esc(title) + "</title><style>" + kStyle + "</style></head><body>\n" + body + "\n</body></html>\n";
}

// The entry's comparison with the ED physicians in a category, beside its tier: the statement, both
// accuracies, the paired difference's interval and the paired cases; "&ndash;" when the entry has none.
std::string ClinicianCell(const nlohmann::json& entry, const std::string& cat) {
  const nlohmann::json* cc = entry.contains("clinician_comparison") ? &entry["clinician_comparison"] : nullptr;
  if (cc == nullptr || !cc->is_object() || !cc->contains("categories") || !(*cc)["categories"].is_object() ||
      !(*cc)["categories"].contains(cat)) {
    return "&ndash;";
  }
  const nlohmann::json& c = (*cc)["categories"][cat];
  auto num = [&](const char* k) { return c.contains(k) && c[k].is_number() ? c[k].get<double>() : 0.0; };
  const std::string statement =
      c.contains("statement") && c["statement"].is_string() ? c["statement"].get<std::string>() : "";
  const bool ci = c.contains("difference_ci") && c["difference_ci"].is_array() && c["difference_ci"].size() == 2 &&
                  c["difference_ci"][0].is_number() && c["difference_ci"][1].is_number();
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.3f vs %.3f, &Delta; [%+.3f, %+.3f], n %.0f", num("model_accuracy"),
                num("clinician_accuracy"), ci ? c["difference_ci"][0].get<double>() : -1.0,
                ci ? c["difference_ci"][1].get<double>() : 1.0, num("n"));
  return "<span class=\"vs-ed\">" + Esc(statement) + "</span> <small>" + buf + "</small>";
}

std::string TierCell(const std::string& tier) {
  std::string cls = tier;
  std::replace(cls.begin(), cls.end(), ' ', '-');
  return "<span class=\"" + Esc(cls) + "\">" + Esc(tier) + "</span>";
}

std::string ModelLink(const nlohmann::json& e, const std::string& prefix) {
  const std::string sha = e["model"].value("sha256", "");
  std::string s = "<a href=\"" + prefix + "models/" + Esc(sha) + ".html\">" + Esc(e["model"].value("name", "")) +
                  "</a> <code>" + Esc(sha.substr(0, 12)) + "</code>";
  if (e.value("demo", false)) s += " <span class=\"badge\">demo</span>";
  return s;
}

std::string Footer(const Registry& r) {
  const auto& h = r.tree_head().json;
  return "<p class=\"muted\">Append-only log of " + std::to_string(r.entries().size()) +
         " signed entries. Tree head: size " + h["size"].dump() + ", RFC 6962 root <code>" + Esc(h.value("root", "")) +
         "</code>, signed " + Esc(h.value("timestamp", "")) + " by <code>" + Esc(r.public_key()) +
         "</code>. Check a model file with <code>medcred verify MODEL --registry URL</code>. Files: "
         "<a href=\"entries.json\">entries.json</a>, <a href=\"tree-head.json\">tree-head.json</a>, "
         "<a href=\"registry.json\">registry.json</a>. No MIMIC data is in this site: only hashes, settings, counts "
         "and rates.</p>";
}

}  // namespace

std::map<std::string, SiteFile> BuildSite(const Registry& r) {
  std::map<std::string, SiteFile> site;
  const std::string json = "application/json; charset=utf-8", html = "text/html; charset=utf-8";
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : r.entries()) entries.push_back(e.json);
  site["entries.json"] = {entries.dump(), json};
  site["tree-head.json"] = {r.tree_head().bytes, json};
  site["registry.json"] = {r.parts().registry.bytes, json};
  for (uint64_t i = 0; i < r.entries().size(); ++i) {
    auto proof = r.InclusionProofJson(i);
    if (proof.ok()) site["proofs/" + std::to_string(i) + ".json"] = {proof->dump(), json};
  }

  // Leaderboards: per category, every entry's result, best tier then lower bound.
  std::map<std::string, std::vector<std::pair<const nlohmann::json*, const nlohmann::json*>>> boards;
  std::map<std::string, std::vector<const nlohmann::json*>> by_model;
  for (const auto& e : r.entries()) {
    by_model[e.json["model"].value("sha256", "")].push_back(&e.json);
    if (!e.json.contains("results") || !e.json["results"].is_object()) continue;
    for (const auto& [cat, res] : e.json["results"].items()) boards[cat].push_back({&e.json, &res});
  }
  std::string body =
      "<h1>medcred registry</h1>\n<p>Clinical AI models credentialed on real hospital admissions "
      "(MIMIC-IV), per medical category. A model is <b>certified</b> in a category with at least 100 test "
      "cases and a 95% Wilson lower bound of at least 0.70 (methodology v1); demo entries never certify. "
      "<i>vs ED physicians</i> is a second statement beside the tier: the model's accuracy against the ED "
      "physicians' first-listed diagnosis on the same cases, with the paired difference's 95% interval "
      "(non-inferior: its lower bound above the methodology's margin).</p>\n";
  if (boards.empty()) body += "<p id=\"empty\">No entries yet.</p>\n";
  for (auto& [cat, rows] : boards) {
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      const int ta = TierOrder(a.second->value("tier", "")), tb = TierOrder(b.second->value("tier", ""));
      if (ta != tb) return ta < tb;
      return a.second->value("ci_low", 0.0) > b.second->value("ci_low", 0.0);
    });
    body += "<h2 id=\"" + Esc(cat) + "\">" + Esc(cat) +
            "</h2>\n<table class=\"leaderboard\"><thead><tr><th>#</th><th>model</th>"
            "<th>tier</th><th>vs ED physicians</th><th>accuracy</th><th>95% "
            "interval</th><th>n</th><th>points</th><th>entry</th><th>issued</th></tr></thead><tbody>\n";
    int i = 0;
    for (const auto& [e, res] : rows) {
      body += "<tr><td>" + std::to_string(++i) + "</td><td>" + ModelLink(*e, "") + "</td><td>" +
              TierCell(res->value("tier", "")) + "</td><td>" + ClinicianCell(*e, cat) + "</td><td>" +
              F3(res->value("accuracy", 0.0)) + "</td><td>[" + F3(res->value("ci_low", 0.0)) + ", " +
              F3(res->value("ci_high", 1.0)) + "]</td><td>" + res->value("n", nlohmann::json(0)).dump() + "</td><td>" +
              res->value("points", nlohmann::json(0)).dump() + "</td><td><a href=\"proofs/" + (*e)["index"].dump() +
              ".json\">#" + (*e)["index"].dump() + "</a></td><td>" + Esc(e->value("issued_at", "")) + "</td></tr>\n";
    }
    body += "</tbody></table>\n";
  }
  body += Footer(r);
  site["index.html"] = {Page("medcred registry", body), html};

  for (const auto& [sha, list] : by_model) {
    const nlohmann::json& m = (*list.front())["model"];
    std::string b = "<p><a href=\"../index.html\">&larr; registry</a></p><h1>" + Esc(m.value("name", "")) + "</h1>\n";
    b += "<table><tbody><tr><th>SHA-256</th><td><code>" + Esc(sha) + "</code></td></tr><tr><th>format</th><td>" +
         Esc(m.value("format", "")) + "</td></tr><tr><th>architecture</th><td>" +
         Esc(m["architecture"].is_string() ? m["architecture"].get<std::string>() : "") +
         "</td></tr><tr><th>parameters</th><td>" + (m["parameters"].is_number() ? m["parameters"].dump() : "") +
         "</td></tr><tr><th>files</th><td>" + std::to_string(m.value("files", nlohmann::json::array()).size()) +
         "</td></tr></tbody></table>\n";
    for (const nlohmann::json* e : list) {
      const nlohmann::json& ev = (*e)["evaluation"];
      b += "<h2>Entry #" + (*e)["index"].dump() +
           (e->value("demo", false) ? " <span class=\"badge\">demo</span>" : "") + "</h2>\n";
      b += "<p class=\"muted\">issued " + Esc(e->value("issued_at", "")) + " &middot; medcred " +
           Esc(ev.value("medcred_version", "")) + " &middot; methodology " +
           Esc(ev["methodology"].value("version", "")) + " &middot; dataset " + Esc(ev["dataset"].value("name", "")) +
           " " + Esc(ev["dataset"].value("version", "")) + " &middot; " + Esc(ev.value("adapter", "")) +
           "</p>\n<table><thead><tr><th>category</th><th>tier</th><th>vs ED physicians</th><th>accuracy</th>"
           "<th>95% interval</th><th>n</th><th>correct</th><th>points</th></tr></thead><tbody>\n";
      for (const auto& [cat, x] : (*e)["results"].items()) {
        b += "<tr><td>" + Esc(cat) + "</td><td>" + TierCell(x.value("tier", "")) + "</td><td>" +
             ClinicianCell(*e, cat) + "</td><td>" + F3(x.value("accuracy", 0.0)) + "</td><td>[" +
             F3(x.value("ci_low", 0.0)) + ", " + F3(x.value("ci_high", 1.0)) + "]</td><td>" + x["n"].dump() +
             "</td><td>" + x["correct"].dump() + "</td><td>" + x["points"].dump() + "</td></tr>\n";
      }
      b += "</tbody></table>\n";
    }
    b += Footer(r);
    site["models/" + sha + ".html"] = {Page(m.value("name", "") + " · medcred registry", b), html};
  }
  return site;
}

Status WriteSite(const Registry& r, const std::string& out_dir) {
  std::error_code ec;
  // Only into nothing, an empty folder, or an earlier site (which it updates);
  // never into the registry itself, which would then fail to verify.
  const fs::path out = fs::weakly_canonical(fs::absolute(out_dir), ec);
  const fs::path reg = fs::weakly_canonical(fs::absolute(r.parts().where), ec);
  const auto [mismatch, rest] = std::mismatch(reg.begin(), reg.end(), out.begin(), out.end());
  if (mismatch == reg.end()) {
    return Status::Usage(out_dir + " is the registry's own directory (or inside it): publish the site elsewhere");
  }
  const fs::file_status st = fs::symlink_status(out_dir, ec);
  if (st.type() != fs::file_type::not_found) {
    if (st.type() != fs::file_type::directory) return Status::Usage(out_dir + " exists and is not a directory");
    const bool site =
        fs::exists(fs::path(out_dir) / "entries.json", ec) && fs::exists(fs::path(out_dir) / "index.html", ec);
    if (!fs::is_empty(out_dir, ec) && !site) {
      return Status::Usage(out_dir + " is not empty and holds no registry site: choose an empty or new --out");
    }
  }
  for (const auto& [path, f] : BuildSite(r)) {
    const fs::path p = fs::path(out_dir) / path;
    fs::create_directories(p.parent_path(), ec);
    if (ec) return Status::External(p.parent_path().string() + ": cannot create: " + ec.message());
    MEDCRED_RETURN_IF_ERROR(WriteFileAtomically(p.string(), f.content, 0644));
  }
  return Status::OK();
}

}  // namespace medcred

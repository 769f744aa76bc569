// report.html: one self-contained page (inline CSS and SVG, no script, no
// font or image fetched), so it opens from the run directory on any machine.
// The charts are written by hand as SVG: a chart library would mean either a
// script from the network or a vendored copy of one, and four simple charts do
// not justify either.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "common/text.h"
#include "common/version.h"
#include "credentials/report.h"

namespace medcred {
namespace {

std::string Esc(const std::string& s) { return HtmlEscape(s); }

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string Pct(const std::optional<double>& v) { return v ? Fmt("%.1f%%", 100 * *v) : "&ndash;"; }

std::string TierClass(const std::string& tier) {
  std::string c;
  for (char ch : tier) c += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '-';
  return "tier-" + c;
}

// The comparison with the ED physicians (credentials/clinician.h): a second statement beside the tiers.
std::string ClinicianSection(const nlohmann::json& cc) {
  if (!cc.is_object() || !cc.contains("categories")) return "";
  std::string h =
      "<h2>Compared with the ED physicians</h2>\n<p class=\"muted\">A second statement, beside the tiers (which "
      "stand on their own): on the cases the model ran that came through the emergency department, the ED "
      "physicians' first-listed diagnosis at ED disposition (MIMIC-IV-ED), graded by the same grader. Paired "
      "difference model &minus; ED with Newcombe's hybrid score interval, exact McNemar test.</p>\n";
  if (!cc.value("available", false)) {
    return h + "<p id=\"clinician-none\">" + Esc(cc.value("note", std::string("no ED diagnoses"))) + "</p>\n";
  }
  h += "<table id=\"clinician\"><thead><tr><th class=\"l\">category</th><th>cases</th><th>with an ED "
       "diagnosis</th><th>model</th><th>ED physicians</th><th>difference</th><th>95% interval</th><th>McNemar "
       "p</th><th class=\"l\">statement</th></tr></thead><tbody>\n";
  for (const auto& [name, c] : cc["categories"].items()) {
    h += "<tr><td class=\"l\">" + Esc(name) + "</td><td>" + c.value("cases", nlohmann::json(0)).dump() + "</td><td>" +
         c.value("n", nlohmann::json(0)).dump() + "</td><td>" + Fmt("%.3f", c.value("model_accuracy", 0.0)) +
         "</td><td>" + Fmt("%.3f", c.value("clinician_accuracy", 0.0)) + "</td><td>" +
         Fmt("%+.3f", c.value("difference", 0.0)) + "</td><td>[" + Fmt("%+.3f", c["difference_ci"][0].get<double>()) +
         ", " + Fmt("%+.3f", c["difference_ci"][1].get<double>()) + "]</td><td>" +
         Fmt("%.3g", c.value("mcnemar_p", 1.0)) + "</td><td class=\"l\">" + Esc(c.value("statement", std::string())) +
         "</td></tr>\n";
  }
  h += "</tbody></table>\n";
  if (cc["non_inferiority_margin"].is_number()) {
    h += "<p class=\"muted\">Non-inferior: the interval's lower bound above &minus;" +
         Fmt("%.2f", cc["non_inferiority_margin"].get<double>()) + " with at least " +
         cc.value("min_cases", nlohmann::json(0)).dump() +
         " paired cases; superior: above 0; inferior: the upper bound below 0.</p>\n";
  } else {
    h += "<p class=\"muted\">This methodology sets no non-inferiority margin: no statement is made.</p>\n";
  }
  return h;
}

// Accuracy and its interval per category, with the tiers' lower-bound lines.
std::string IntervalChart(const Credentials& cr, const Methodology& m) {
  const int row = 26, left = 170, width = 520, top = 28;
  const int height = top + row * static_cast<int>(cr.categories.size()) + 30;
  auto x = [&](double v) { return left + v * width; };
  std::string s = "<svg role=\"img\" aria-label=\"Accuracy with its " + Fmt("%.0f", 100 * m.confidence) +
                  "% Wilson interval per category\" width=\"" + std::to_string(left + width + 30) + "\" height=\"" +
                  std::to_string(height) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
  for (int i = 0; i <= 10; ++i) {
    const double v = i / 10.0;
    s += "<line x1=\"" + Fmt("%.1f", x(v)) + "\" x2=\"" + Fmt("%.1f", x(v)) + "\" y1=\"" + std::to_string(top - 6) +
         "\" y2=\"" + std::to_string(height - 24) + "\" class=\"grid\"/>";
    s += "<text x=\"" + Fmt("%.1f", x(v)) + "\" y=\"" + std::to_string(height - 8) +
         "\" class=\"axis\" text-anchor=\"middle\">" + Fmt("%.1f", v) + "</text>";
  }
  for (const Tier& t : m.tiers) {
    s += "<line x1=\"" + Fmt("%.1f", x(t.min_lower_bound)) + "\" x2=\"" + Fmt("%.1f", x(t.min_lower_bound)) +
         "\" y1=\"" + std::to_string(top - 14) + "\" y2=\"" + std::to_string(height - 24) + "\" class=\"threshold\"/>";
    s += "<text x=\"" + Fmt("%.1f", x(t.min_lower_bound) + 3) + "\" y=\"" + std::to_string(top - 16) +
         "\" class=\"axis\">" + Esc(t.name) + " &#8805; " + Fmt("%.2f", t.min_lower_bound) + "</text>";
  }
  int i = 0;
  for (const CategoryResult& c : cr.categories) {
    const int y = top + row * i++ + row / 2;
    s += "<text x=\"" + std::to_string(left - 8) + "\" y=\"" + std::to_string(y + 4) + "\" text-anchor=\"end\">" +
         Esc(c.name) + "</text>";
    s += "<line x1=\"" + Fmt("%.1f", x(c.ci.low)) + "\" x2=\"" + Fmt("%.1f", x(c.ci.high)) + "\" y1=\"" +
         std::to_string(y) + "\" y2=\"" + std::to_string(y) + "\" class=\"ci\"/>";
    s += "<circle cx=\"" + Fmt("%.1f", x(c.accuracy)) + "\" cy=\"" + std::to_string(y) + "\" r=\"5\" class=\"dot " +
         TierClass(c.tier) + "\"><title>" + Esc(c.name) + ": " + Fmt("%.3f", c.accuracy) + " [" +
         Fmt("%.3f", c.ci.low) + ", " + Fmt("%.3f", c.ci.high) + "], n = " + std::to_string(c.n) + "</title></circle>";
  }
  return s + "</svg>";
}

// Mean cost per case against accuracy, one point per category.
std::string CostChart(const Credentials& cr) {
  const int left = 60, top = 16, width = 520, height = 260;
  double max_cost = 1;
  for (const CategoryResult& c : cr.categories) max_cost = std::max(max_cost, c.mean_cost);
  max_cost = std::ceil(max_cost / 50) * 50;
  auto x = [&](double cost) { return left + cost / max_cost * width; };
  auto y = [&](double acc) { return top + (1 - acc) * height; };
  std::string s = "<svg role=\"img\" aria-label=\"Mean cost per case against accuracy\" width=\"" +
                  std::to_string(left + width + 120) + "\" height=\"" + std::to_string(top + height + 40) +
                  "\" xmlns=\"http://www.w3.org/2000/svg\">";
  for (int i = 0; i <= 5; ++i) {
    const double a = i / 5.0, cost = max_cost * i / 5;
    s += "<line x1=\"" + std::to_string(left) + "\" x2=\"" + std::to_string(left + width) + "\" y1=\"" +
         Fmt("%.1f", y(a)) + "\" y2=\"" + Fmt("%.1f", y(a)) + "\" class=\"grid\"/>";
    s += "<text x=\"" + std::to_string(left - 6) + "\" y=\"" + Fmt("%.1f", y(a) + 4) +
         "\" class=\"axis\" text-anchor=\"end\">" + Fmt("%.1f", a) + "</text>";
    s += "<text x=\"" + Fmt("%.1f", x(cost)) + "\" y=\"" + std::to_string(top + height + 18) +
         "\" class=\"axis\" text-anchor=\"middle\">$" + Fmt("%.0f", cost) + "</text>";
  }
  s += "<text x=\"" + std::to_string(left + width / 2) + "\" y=\"" + std::to_string(top + height + 36) +
       "\" class=\"axis\" text-anchor=\"middle\">mean cost per case (cost table, USD)</text>";
  for (const CategoryResult& c : cr.categories) {
    s += "<circle cx=\"" + Fmt("%.1f", x(c.mean_cost)) + "\" cy=\"" + Fmt("%.1f", y(c.accuracy)) +
         "\" r=\"4\" class=\"dot " + TierClass(c.tier) + "\"><title>" + Esc(c.name) + "</title></circle>";
    s += "<text x=\"" + Fmt("%.1f", x(c.mean_cost) + 7) + "\" y=\"" + Fmt("%.1f", y(c.accuracy) + 4) +
         "\" class=\"label\">" + Esc(c.name) + "</text>";
  }
  return s + "</svg>";
}

// Horizontal bars of counts with their labels.
std::string BarChart(const std::string& label, const std::vector<std::pair<std::string, int64_t>>& bars) {
  const int row = 24, left = 120, width = 420;
  int64_t max = 1;
  for (const auto& [k, v] : bars) max = std::max(max, v);
  std::string s = "<svg role=\"img\" aria-label=\"" + Esc(label) + "\" width=\"" + std::to_string(left + width + 60) +
                  "\" height=\"" + std::to_string(row * static_cast<int>(bars.size()) + 8) +
                  "\" xmlns=\"http://www.w3.org/2000/svg\">";
  int i = 0;
  for (const auto& [k, v] : bars) {
    const int y = 4 + row * i++;
    const double w = static_cast<double>(v) / static_cast<double>(max) * width;
    s += "<text x=\"" + std::to_string(left - 8) + "\" y=\"" + std::to_string(y + 15) + "\" text-anchor=\"end\">" +
         Esc(k) + "</text>";
    s += "<rect x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"" + Fmt("%.1f", w) +
         "\" height=\"" + std::to_string(row - 6) + "\" class=\"bar\"/>";
    s += "<text x=\"" + Fmt("%.1f", left + w + 6) + "\" y=\"" + std::to_string(y + 15) + "\" class=\"axis\">" +
         std::to_string(v) + "</text>";
  }
  return s + "</svg>";
}

// Issue 16: top-3 accuracy and calibration per category, beside accuracy (never in tiers), and a
// reliability plot of the categories whose answers carry a confidence.
std::string BeyondAccuracy(const Credentials& cr, const Methodology& m) {
  std::string h =
      "<table id=\"beyond-accuracy\"><thead><tr><th class=\"l\">category</th><th>n</th><th>accuracy</th>"
      "<th>top-" +
      std::to_string(m.top_k) +
      " accuracy</th><th>answers with a confidence</th>"
      "<th>Brier score</th></tr></thead><tbody>\n";
  bool any = false;
  for (const CategoryResult& c : cr.categories) {
    h += "<tr><td class=\"l\">" + Esc(c.name) + "</td><td>" + std::to_string(c.n) + "</td><td>" +
         Fmt("%.3f", c.accuracy) + "</td><td>" + (c.top3_accuracy ? Fmt("%.3f", *c.top3_accuracy) : "&ndash;") +
         "</td><td>" + std::to_string(c.calibrated_n) + "</td><td>" + (c.brier ? Fmt("%.3f", *c.brier) : "&ndash;") +
         "</td></tr>\n";
    any = any || !c.reliability.empty();
  }
  h += "</tbody></table>\n<p class=\"muted\">Top-" + std::to_string(m.top_k) +
       " accuracy: the principal diagnosis matched at full credit by the diagnosis or one of the first " +
       std::to_string(m.top_k - 1) +
       " entries of the differential. Brier score: the mean of (confidence &minus; correct)&sup2; over the answers "
       "that state a confidence (0 is perfect; always saying 0.5 scores 0.25). Reported beside accuracy; neither "
       "changes a tier or a rank.</p>\n";
  if (!any) return h + "<p id=\"reliability-none\">No answer stated a confidence: no reliability plot.</p>\n";
  // One reliability plot: per category, accuracy against mean confidence in each bin (a dot sized by answers).
  const int size = 260, pad = 36;
  auto px = [&](double v) { return pad + v * (size - 2 * pad); };
  auto py = [&](double v) { return size - pad - v * (size - 2 * pad); };
  std::string s =
      "<svg id=\"reliability\" role=\"img\" aria-label=\"Reliability: accuracy against stated confidence\" "
      "width=\"" +
      std::to_string(size + 200) + "\" height=\"" + std::to_string(size) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
  s += "<line x1=\"" + Fmt("%.1f", px(0)) + "\" y1=\"" + Fmt("%.1f", py(0)) + "\" x2=\"" + Fmt("%.1f", px(1)) +
       "\" y2=\"" + Fmt("%.1f", py(1)) + "\" class=\"threshold\"/>";
  for (int i = 0; i <= 4; ++i) {
    const double v = i / 4.0;
    s += "<text x=\"" + Fmt("%.1f", px(v)) + "\" y=\"" + std::to_string(size - pad + 14) +
         "\" class=\"axis\" text-anchor=\"middle\">" + Fmt("%.2f", v) + "</text>";
    s += "<text x=\"" + std::to_string(pad - 4) + "\" y=\"" + Fmt("%.1f", py(v) + 4) +
         "\" class=\"axis\" text-anchor=\"end\">" + Fmt("%.2f", v) + "</text>";
  }
  s += "<text x=\"" + std::to_string(size / 2) + "\" y=\"" + std::to_string(size - 4) +
       "\" class=\"axis\" text-anchor=\"middle\">stated confidence</text>";
  static const char* kColors[] = {"#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#57606a"};
  int k = 0, legend = 0;
  for (const CategoryResult& c : cr.categories) {
    if (c.reliability.empty()) continue;
    const std::string color = kColors[k++ % 7];
    std::string points;
    for (const auto& b : c.reliability) {
      points += Fmt("%.1f", px(b.mean_confidence)) + "," + Fmt("%.1f", py(b.accuracy)) + " ";
      s += "<circle cx=\"" + Fmt("%.1f", px(b.mean_confidence)) + "\" cy=\"" + Fmt("%.1f", py(b.accuracy)) + "\" r=\"" +
           Fmt("%.1f", 2.5 + std::min(6.0, static_cast<double>(b.n) / 5.0)) + "\" fill=\"" + color + "\"><title>" +
           Esc(c.name) + ": " + std::to_string(b.n) + " answers, confidence " + Fmt("%.2f", b.mean_confidence) +
           ", accuracy " + Fmt("%.2f", b.accuracy) + "</title></circle>";
    }
    s += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + color + "\"/>";
    s += "<text x=\"" + std::to_string(size + 10) + "\" y=\"" + std::to_string(pad + 16 * legend++) + "\" fill=\"" +
         color + "\">" + Esc(c.name) + "</text>";
  }
  return h + s + "</svg>\n";
}

}  // namespace

std::string ReportHtml(const RunOutputs& o) {
  const Credentials& cr = o.credentials;
  const SummaryFile& sum = o.summary;
  const CredentialsFile& cj = o.credentials_file;
  const std::string model = sum.model;
  const DatasetRecord& dataset = sum.dataset;
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>medcred report: " + Esc(model) + "</title>\n<style>\n";
  h += "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2rem "
       "auto;max-width:1160px;color:#1b1f24;padding:0 1rem}"
       "h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}"
       "table{border-collapse:collapse;font-size:.8rem}th,td{padding:.25rem "
       ".45rem;white-space:nowrap;border-bottom:1px solid #eaeef2;text-align:right}"
       "th{background:#f6f8fa}td.l,th.l{text-align:left}.demo{background:#fff8c5;border:1px solid "
       "#d4a72c;padding:.6rem 1rem;margin:1rem 0}"
       ".muted{color:#57606a;font-size:.85rem}code{font-size:.8rem;word-break:break-all}"
       "svg{font-size:12px;display:block;margin:.5rem "
       "0}.grid{stroke:#eaeef2}.threshold{stroke:#8250df;stroke-dasharray:4 3}"
       ".ci{stroke:#57606a;stroke-width:2}.dot{fill:#0969da}.bar{fill:#0969da}.axis{fill:#57606a;font-size:11px}.label{"
       "font-size:11px}"
       ".tier-certified{fill:#1a7f37}.tier-provisional{fill:#bf8700}.tier-not-certified{fill:#cf222e}.tier-demo,.tier-"
       "unrecognized{fill:#"
       "6e7781}"
       "span.tier-certified,span.tier-provisional,span.tier-not-certified,span.tier-demo,span.tier-unrecognized{fill:"
       "none;font-weight:bold}"
       "span.tier-certified{color:#1a7f37}span.tier-provisional{color:#9a6700}span.tier-not-certified{color:#cf222e}"
       "span.tier-demo,span.tier-unrecognized{color:#6e7781}\n";
  h += "</style></head><body>\n";
  h += "<h1>medcred report</h1>\n<p class=\"muted\">Model <b>" + Esc(model) + "</b> &middot; dataset " +
       Esc(dataset.name) + " " + Esc(dataset.version) + " &middot; methodology " + Esc(o.methodology.version) +
       " &middot; split " + Esc(cr.split) + " &middot; " + std::to_string(cr.episodes) + " episodes &middot; medcred " +
       Esc(kVersion) + " &middot; generated " + Esc(cj.generated) + "</p>\n";
  if (cr.dataset == DatasetStatus::kUnrecognized) {
    h += "<div class=\"demo\" id=\"unrecognized-banner\"><b>Unrecognized dataset.</b> The store's files are not a "
         "release medcred knows (data/datasets-v1.toml): a copy, a scaled or edited dataset, or a release not yet "
         "listed. Its results are shown, but no tier is earned; tiers below read <i>unrecognized</i>.</div>\n";
  }
  if (cr.demo()) {
    h += "<div class=\"demo\" id=\"demo-banner\"><b>Demo run.</b> This run used the open MIMIC-IV demo (100 patients). "
         "It is labelled <i>demo</i> everywhere and never certifies anything; tiers below read <i>demo</i>.</div>\n";
  }
  h += "<h2>Credentials per category</h2>\n<table id=\"credentials\"><thead><tr><th>rank</th><th "
       "class=\"l\">category</th>"
       "<th class=\"l\">kind</th><th>n</th><th>points</th><th>correct</th><th>accuracy</th><th>" +
       Fmt("%.0f", 100 * o.methodology.confidence) +
       "% interval</th><th class=\"l\">tier</th><th>mean cost</th><th>mean turns</th><th>test precision</th><th>test "
       "recall</th>"
       "<th>invalid orders</th><th>protocol errors</th><th>tokens in</th><th>tokens out</th></tr></thead><tbody>\n";
  for (const CategoryResult& c : cr.categories) {
    h += "<tr><td>" + std::to_string(c.rank) + "</td><td class=\"l\" title=\"" + Esc(c.title) + "\">" + Esc(c.name) +
         "</td><td class=\"l\">" + Esc(c.kind) + "</td><td>" + std::to_string(c.n) + "</td><td>" +
         Fmt("%.1f", c.points) + "</td><td>" + std::to_string(c.correct) + "</td><td>" + Fmt("%.3f", c.accuracy) +
         "</td><td>[" + Fmt("%.3f", c.ci.low) + ", " + Fmt("%.3f", c.ci.high) + "]</td><td class=\"l\"><span class=\"" +
         TierClass(c.tier) + "\">" + Esc(c.tier) + "</span></td><td>$" + Fmt("%.2f", c.mean_cost) + "</td><td>" +
         Fmt("%.1f", c.mean_turns) + "</td><td>" + Pct(c.test_precision) + "</td><td>" + Pct(c.test_recall) +
         "</td><td>" + std::to_string(c.invalid_orders) + "</td><td>" + std::to_string(c.protocol_errors) +
         "</td><td>" + std::to_string(c.tokens.prompt) + "</td><td>" + std::to_string(c.tokens.completion) +
         "</td></tr>\n";
  }
  h += "</tbody></table>\n";
  std::string tiers;
  for (const Tier& t : o.methodology.tiers) {
    tiers += (tiers.empty() ? "" : "; ") + Esc(t.name) + ": n &#8805; " + std::to_string(t.min_cases) +
             " and lower bound &#8805; " + Fmt("%.2f", t.min_lower_bound);
  }
  h += "<p class=\"muted\">Tiers (methodology " + Esc(o.methodology.version) + "): " + tiers + "; otherwise " +
       Esc(o.methodology.not_certified) +
       ". Ranked by the interval's lower bound, then points. A case is correct when its credit is at least " +
       Fmt("%.2f", o.methodology.correct_at) +
       ". Test precision and recall compare the lab tests ordered with those the "
       "clinicians ran in the window.</p>\n";
  std::string modes;
  for (const auto& [mode, n] : cr.tool_modes)
    modes += (modes.empty() ? "" : ", ") + Esc(mode) + " " + std::to_string(n);
  h += "<p id=\"tool-modes\">Tool calls: " + (modes.empty() ? std::string("none") : modes) +
       " episodes (native: the server's tool calling; text: tools described in the prompt, calls read from the "
       "text). Tokens over all " +
       std::to_string(cr.episodes) + " episodes, as the server counted them: " + std::to_string(cr.tokens.prompt) +
       " in, " + std::to_string(cr.tokens.completion) + " out.</p>\n";
  if (cr.judged > 0) {
    h += "<p id=\"judge\">LLM judge: " + std::to_string(cr.judged) +
         " answers judged; agreement with the deterministic grade " + Pct(cr.judge_agreement) +
         ". The judge is reported beside the grade and never replaces it.</p>\n";
  }
  h += ClinicianSection(o.summary.clinician_comparison);
  h += "<h2>Accuracy and its interval</h2>\n" + IntervalChart(cr, o.methodology) + "\n";
  h += "<h2>Beyond accuracy: top-" + std::to_string(o.methodology.top_k) + " and calibration</h2>\n" +
       BeyondAccuracy(cr, o.methodology);
  h += "<h2>Cost against accuracy</h2>\n" + CostChart(cr) + "\n";
  std::vector<std::pair<std::string, int64_t>> levels, outcomes;
  for (const std::string& l : o.methodology.levels) levels.emplace_back(l, cr.levels.count(l) ? cr.levels.at(l) : 0);
  for (const char* l : {"diagnosed", "no_diagnosis", "limit", "error"})
    outcomes.emplace_back(l, cr.outcomes.count(l) ? cr.outcomes.at(l) : 0);
  h += "<h2>Grade levels (" + Esc(cr.split) + " split)</h2>\n" + BarChart("Grade levels", levels) + "\n";
  h += "<h2>Outcomes (all episodes)</h2>\n" + BarChart("Outcomes", outcomes) + "\n";
  h += "<h2>What produced these results</h2>\n<table id=\"provenance\"><tbody>\n";
  auto row = [&](const std::string& k, const std::string& v) {
    h += "<tr><th class=\"l\">" + Esc(k) + "</th><td class=\"l\"><code>" + Esc(v) + "</code></td></tr>\n";
  };
  row("model", model);
  row("medcred version (run)", cj.medcred_version);
  row("git commit (run)", cj.git_commit);
  row("protocol version", cj.protocol_version);
  row("methodology", o.methodology.version + " " + o.methodology.sha256);
  for (const auto& [k, v] : sum.hashes) row(k + " sha256", v);
  const nlohmann::json& settings = cj.settings;
  row("settings", settings.dump());
  for (const CategoryResult& c : cr.categories) row("suite " + c.name, c.suite_sha256);
  h +=
      "</tbody></table>\n<p class=\"muted\">This page holds counts, rates and hashes only: no case, patient or value "
      "from the "
      "data. The run directory's episodes.jsonl holds the transcripts and stays on this machine.</p>\n</body></html>\n";
  return h;
}

}  // namespace medcred

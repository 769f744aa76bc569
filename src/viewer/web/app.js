// medcred view: the page of the local run viewer (docs/viewer.md).
//
// Plain JavaScript, no dependency and no build step. Three views, chosen by the
// URL's fragment:
//   #/                               the runs: settings, outcomes, credentials
//   #/episodes?run=0&with=1&...      the episodes table, filtered and sorted by the server
//   #/episode/RUN/CASE_ID            one episode: presentation, conversation, answer, grade
//
// Everything shown comes from the JSON API and is untrusted text (a transcript
// is whatever a model wrote): it is only ever put into the page as text nodes
// and attribute values through el() below, never parsed as HTML.
"use strict";

// --- building the page ------------------------------------------------------

// el("td", {class: "num"}, "text", otherNode, ...): an element whose string
// children become text nodes. Attributes are set with setAttribute; `href`
// is only ever an internal "#/..." link or "/api/..." built by this file.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "on") {
        for (const [event, fn] of Object.entries(value)) node.addEventListener(event, fn);
      } else if (key === "href" && !/^(#\/|\/api\/)/.test(String(value))) {
        throw new Error("refusing a link that is not internal");
      } else {
        node.setAttribute(key, value === true ? "" : String(value));
      }
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes.flat().filter((n) => n));
}

function fail(message) {
  show(el("p", {class: "error"}, message));
}

async function api(path) {
  const res = await fetch(path, {headers: {Accept: "application/json"}});
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    throw new Error(path + ": the server's answer is not JSON (HTTP " + res.status + ")");
  }
  if (!res.ok) throw new Error((body && body.error) || path + ": HTTP " + res.status);
  return body;
}

// --- formatting -------------------------------------------------------------

const fmt = {
  money: (v) => (typeof v === "number" ? "$" + v.toFixed(2) : ""),
  credit: (v) => (typeof v === "number" ? v.toFixed(1) : ""),
  pct: (v) => (typeof v === "number" ? (100 * v).toFixed(1) + "%" : ""),
  hours: (h) => (typeof h === "number" ? (h >= 0 ? "+" : "") + h.toFixed(1) + " h" : ""),
  num: (v) => (typeof v === "number" ? String(v) : ""),
};

function levelBadge(level, correct) {
  return el("span", {class: "badge lvl-" + String(level).replace(/[^a-z]/g, ""), title: correct ? "correct" : "wrong"},
            level);
}

function codeWithTitle(code, title) {
  if (!code) return el("span", {class: "muted"}, "—");
  return el("span", null, el("span", {class: "code"}, code), title ? [" ", el("span", {class: "title"}, title)] : null);
}

function episodeHref(run, caseId) {
  return "#/episode/" + run + "/" + encodeURIComponent(caseId);
}

// --- state ------------------------------------------------------------------

let runsInfo = null;  // GET /api/runs, loaded once

async function loadRuns() {
  if (!runsInfo) runsInfo = await api("/api/runs");
  return runsInfo;
}

function runLabel(run) {
  return "#" + run.index + " " + run.model + " (" + run.name + ")";
}

// --- the runs ---------------------------------------------------------------

function renderRuns(info) {
  const cards = info.runs.map((r) => {
    const facts = [
      ["model", r.model],
      ["dataset", r.dataset.name + " " + r.dataset.version],
      ["split / category", r.split + " / " + (r.category || "all")],
      ["episodes", r.episodes + " of " + r.selected_cases + " selected (" + r.correct + " correct)"],
      ["protocol", r.protocol_version],
      ["taxonomy", r.taxonomy_version],
      ["methodology", r.methodology_version + " (correct at credit ≥ " + r.correct_at + ")"],
      ["medcred", r.medcred_version + " (" + r.git_commit + ")"],
      ["created", r.created],
      ["limits", Object.entries(r.limits).map(([k, v]) => k + " " + v).join(", ")],
      ["directory", r.path],
    ];
    const credentials = r.credentials
      ? el("table", {class: "credentials"},
           el("thead", null, el("tr", null, ["rank", "category", "n", "correct", "points", "accuracy", "95% interval", "tier"]
                                              .map((h) => el("th", null, h)))),
           el("tbody", null, r.credentials.map((c) => el("tr", null,
             el("td", {class: "num"}, c.rank),
             el("td", null, el("a", {href: "#/episodes?run=" + r.index + "&category=" + encodeURIComponent(c.name)}, c.name)),
             el("td", {class: "num"}, c.n), el("td", {class: "num"}, c.correct),
             el("td", {class: "num"}, fmt.credit(c.points)), el("td", {class: "num"}, c.accuracy.toFixed(3)),
             el("td", {class: "num"}, "[" + c.ci_low.toFixed(3) + ", " + c.ci_high.toFixed(3) + "]"),
             el("td", null, el("span", {class: "badge" + (c.tier === "demo" ? " demo" : "")}, c.tier))))))
      : el("p", {class: "muted"}, "No credential table yet.");
    const others = info.runs.filter((o) => o.index !== r.index);
    return el("section", {class: "run", "data-run": r.index},
      el("h2", null, runLabel(r), r.demo ? [" ", el("span", {class: "badge demo"}, "demo")] : null),
      r.notes.map((n) => el("p", {class: "note"}, n)),
      el("dl", {class: "facts"}, facts.map(([k, v]) => [el("dt", null, k), el("dd", null, v)])),
      el("h3", null, "Outcomes"),
      el("p", {class: "counts"}, Object.entries(r.outcomes).map(([k, v]) =>
        el("span", null, el("a", {href: "#/episodes?run=" + r.index + "&outcome=" + encodeURIComponent(k)}, k), " " + v))),
      el("h3", null, "Grades"),
      el("p", {class: "counts"}, r.level_order.filter((l) => r.levels[l]).map((l) =>
        el("span", null, el("a", {href: "#/episodes?run=" + r.index + "&level=" + encodeURIComponent(l)}, l), " " + r.levels[l]))),
      el("h3", null, "Credentials"),
      credentials,
      el("p", null,
         el("a", {href: "#/episodes?run=" + r.index}, "All episodes"), " · ",
         el("a", {href: "#/episodes?run=" + r.index + "&wrong=1"}, "wrong only"),
         others.map((o) => [" · ", el("a", {href: "#/episodes?run=" + r.index + "&with=" + o.index + "&differs=1"},
                                      "differs from #" + o.index)])));
  });
  show(el("h1", null, info.runs.length === 1 ? "1 run" : info.runs.length + " runs"),
       info.titles ? null : el("p", {class: "note"}, "No ICD-10-CM titles: " + info.titles_note),
       el("div", {class: "runs"}, cards));
}

// --- the episodes table -----------------------------------------------------

const FILTER_KEYS = ["category", "level", "outcome", "split", "q", "wrong", "differs", "sort", "order", "offset", "limit"];

// Table columns of one run's cells: [key, header, sort field or null, render(row)]
const RUN_COLUMNS = [
  ["outcome", "outcome", "outcome", (c) => c.outcome],
  ["level", "grade", "level", (c) => levelBadge(c.level, c.correct)],
  ["credit", "credit", "credit", (c) => fmt.credit(c.credit), "num"],
  ["answer", "answer", "answer", (c) => [c.answer || el("span", {class: "muted"}, "no answer"),
                                        c.answer_code ? [" ", el("span", {class: "code"}, "[" + c.answer_code + "]")] : null]],
  ["turns", "turns", "turns", (c) => fmt.num(c.turns), "num"],
  ["cost", "cost", "cost", (c) => fmt.money(c.cost), "num"],
  ["invalid_orders", "invalid", "invalid_orders", (c) => fmt.num(c.invalid_orders), "num"],
  ["protocol_errors", "protocol errors", "protocol_errors", (c) => fmt.num(c.protocol_errors), "num"],
];

function parseHashQuery(hash) {
  const q = hash.indexOf("?");
  return new URLSearchParams(q < 0 ? "" : hash.slice(q + 1));
}

function episodesHash(params) {
  const clean = new URLSearchParams();
  for (const [k, v] of params) if (v !== "" && v !== null) clean.append(k, v);
  return "#/episodes?" + clean.toString();
}

async function renderEpisodes(params) {
  const info = await loadRuns();
  const run = Number(params.get("run") || 0);
  const r = info.runs[run];
  if (!r) return fail("There is no run #" + run + ".");
  const withRuns = (params.get("with") || "").split(",").filter((s) => s !== "").map(Number)
    .filter((w) => w !== run && info.runs[w]);
  const query = new URLSearchParams();
  for (const k of FILTER_KEYS) if (params.get(k)) query.set(k, params.get(k));
  if (withRuns.length) query.set("with", withRuns.join(","));
  else query.delete("differs");
  if (!query.get("limit")) query.set("limit", "100");

  const started = performance.now();
  let data;
  try {
    data = await api("/api/runs/" + run + "/episodes?" + query.toString());
  } catch (e) {
    return fail(e.message);
  }

  const go = (changes) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === "" || v === null || v === false) next.delete(k);
      else next.set(k, v === true ? "1" : v);
    }
    if (!("offset" in changes)) next.delete("offset");
    location.hash = episodesHash(next);
  };

  // Filters.
  const select = (id, key, label, values, all) => el("label", null, label + " ",
    el("select", {id, on: {change: (e) => go({[key]: e.target.value})}},
       el("option", {value: ""}, all),
       values.map((v) => el("option", {value: v, selected: params.get(key) === v}, v))));
  const check = (id, key, label, disabled) => el("label", null,
    el("input", {type: "checkbox", id, checked: params.get(key) === "1", disabled,
                 on: {change: (e) => go({[key]: e.target.checked})}}), " " + label);
  const search = el("input", {type: "search", id: "filter-q", placeholder: "case, answer or code", value: params.get("q") || ""});
  const filters = el("form", {class: "filters", on: {submit: (e) => { e.preventDefault(); go({q: search.value}); }}},
    el("label", null, "run ", el("select", {id: "filter-run", on: {change: (e) => go({run: e.target.value, with: ""})}},
       info.runs.map((o) => el("option", {value: o.index, selected: o.index === run}, runLabel(o))))),
    info.runs.length > 1 ? el("span", null, "compare with ", info.runs.filter((o) => o.index !== run).map((o) =>
      el("label", null, el("input", {type: "checkbox", class: "filter-with", value: o.index, checked: withRuns.includes(o.index),
        on: {change: (e) => {
          const next = new Set(withRuns);
          if (e.target.checked) next.add(o.index); else next.delete(o.index);
          go({with: [...next].join(",")});
        }}}), " #" + o.index + " "))) : null,
    select("filter-category", "category", "category", r.categories.slice().sort(), "all"),
    select("filter-level", "level", "grade", r.level_order, "all"),
    select("filter-outcome", "outcome", "outcome", r.outcome_names, "all"),
    r.splits.length > 1 ? select("filter-split", "split", "split", r.splits, "all") : null,
    check("filter-wrong", "wrong", "wrong only"),
    info.runs.length > 1 ? check("filter-differs", "differs", "differs between runs", withRuns.length === 0) : null,
    search, el("button", {type: "submit"}, "search"),
    el("a", {href: "#/episodes?run=" + run}, "clear"));

  // Header: common columns, then a group of columns per run.
  const sort = data.sort, desc = data.order === "desc";
  const sortHeader = (label, field, cls) => {
    if (!field) return el("th", {class: cls}, label);
    const active = sort === field;
    return el("th", {class: ["sortable", active ? "sorted" : "", active && desc ? "desc" : "", cls || ""].join(" ").trim(),
                     "data-sort": field,
                     on: {click: () => go({sort: field, order: active && !desc ? "desc" : "asc"})}}, label);
  };
  const groups = [run, ...withRuns];
  const thead = el("thead", null,
    groups.length > 1 ? el("tr", null, el("th", {colspan: 3}),
      groups.map((g) => el("th", {class: "run-group", colspan: RUN_COLUMNS.length}, runLabel(info.runs[g])))) : null,
    el("tr", null,
      sortHeader("case", "case_id"), sortHeader("categories", "categories"), sortHeader("truth", "truth"),
      groups.map((g, gi) => RUN_COLUMNS.map(([, label, field, , cls], ci) =>
        gi === 0 ? sortHeader(label, field, [cls, ci === 0 && groups.length > 1 ? "first-of-run" : ""].join(" ").trim())
                 : el("th", {class: [cls, ci === 0 ? "first-of-run" : ""].join(" ").trim()}, label)))));

  const cellsOf = (cells, runIndex, caseId) => {
    if (cells && cells.present === false) {
      return [el("td", {class: "first-of-run muted", colspan: RUN_COLUMNS.length}, "not in this run")];
    }
    return RUN_COLUMNS.map(([key, , , render, cls], ci) => {
      let content = render(cells);
      if (key === "answer") content = el("a", {href: episodeHref(runIndex, caseId)}, content);
      return el("td", {class: [cls, key, ci === 0 && groups.length > 1 ? "first-of-run" : ""].join(" ").trim()}, content);
    });
  };
  const tbody = el("tbody", null, data.rows.map((row) => {
    const differs = (row.others || []).some((o) => !o.present || o.level !== row.level || o.correct !== row.correct);
    return el("tr", {class: "episode" + (differs ? " differs" : ""), "data-case": row.case_id},
      el("td", null, el("a", {class: "case-link", href: episodeHref(run, row.case_id)}, row.case_id)),
      el("td", null, row.categories.join(", ")),
      el("td", {class: "truth"}, row.truth.map((t, i) => [i ? el("br") : null, codeWithTitle(t.code, t.title)])),
      cellsOf(row, run, row.case_id),
      (row.others || []).map((o) => cellsOf(o, o.run, row.case_id)));
  }));

  const offset = data.offset, limit = data.limit;
  const pager = el("div", {class: "pager"},
    el("button", {type: "button", id: "page-prev", disabled: offset === 0,
                  on: {click: () => go({offset: String(Math.max(0, offset - limit))})}}, "← previous"),
    el("span", {id: "episode-count"}, data.total === 0 ? "no episode matches" :
       "episodes " + (offset + 1) + "–" + Math.min(offset + limit, data.total) + " of " + data.total +
       (data.total !== data.episodes ? " matching (" + data.episodes + " in the run)" : "")),
    el("button", {type: "button", id: "page-next", disabled: offset + limit >= data.total,
                  on: {click: () => go({offset: String(offset + limit)})}}, "next →"),
    el("span", {class: "muted", id: "timing"}));

  show(el("h1", null, "Episodes of ", runLabel(r)), filters, pager,
       el("table", {class: "episodes", id: "episodes-table"}, thead, tbody));
  document.getElementById("timing").textContent = "(" + Math.round(performance.now() - started) + " ms)";
}

// --- one episode --------------------------------------------------------------

// The environment's text, line by line, with abnormal results, tests not
// performed and unrecognized names marked.
function answerText(text) {
  const pre = el("pre", {class: "answer-text"});
  const lines = String(text).split("\n");
  lines.forEach((line, i) => {
    let cls = null;
    if (/\bABNORMAL\b|\b(HIGH|LOW|CRITICAL)\b|\bDELTA\b/.test(line)) cls = "abnormal";
    else if (/not performed/i.test(line)) cls = "notperf";
    else if (/unrecognized/i.test(line)) cls = "unrec";
    pre.appendChild(cls ? el("span", {class: cls}, line) : document.createTextNode(line));
    if (i + 1 < lines.length) pre.appendChild(document.createTextNode("\n"));
  });
  return pre;
}

function resultRow(label, r) {
  if (!r || !r.performed) {
    return el("tr", {class: "notperf"}, el("td", null, label), el("td", {colspan: 3}, el("span", {class: "badge notperf"}, "not performed")));
  }
  const abnormal = r.flag && r.flag !== "";
  return el("tr", {class: abnormal ? "abnormal" : null},
    el("td", null, label, r.label && r.label !== label ? el("span", {class: "muted"}, " (" + r.label + ")") : null),
    el("td", {class: "value"}, (r.value || fmt.num(r.valuenum)) + (r.unit ? " " + r.unit : "")),
    el("td", null, abnormal ? el("span", {class: "badge abnormal"}, String(r.flag).toUpperCase()) : ""),
    el("td", {class: "muted"}, fmt.hours(r.hours)));
}

// The structured record of a call (the episode's `orders`), by tool.
function renderRecord(record) {
  if (!record) return null;
  const tool = record.tool;
  if (tool === "order_labs" || tool === "order_microbiology") {
    const rows = [];
    for (const o of record.orders || []) {
      if (o.status === "unrecognized") {
        rows.push(el("tr", {class: "unrec"}, el("td", null, o.query),
          el("td", {colspan: 3}, el("span", {class: "badge unrec"}, "unrecognized"),
             o.suggestions && o.suggestions.length ? " did you mean: " + o.suggestions.join(", ") : "")));
        continue;
      }
      const name = o.query + (o.concept && o.concept !== o.query ? " → " + o.concept : "");
      if (tool === "order_microbiology") {
        rows.push(o.performed
          ? el("tr", null, el("td", null, name), el("td", {colspan: 2}, "performed"), el("td", {class: "muted"}, fmt.hours(o.hours)))
          : resultRow(name, null));
      } else if (o.results) {
        rows.push(el("tr", null, el("th", {colspan: 4}, name)));
        for (const r of o.results) rows.push(resultRow(r.concept, r));
      } else {
        rows.push(resultRow(name, o.result));
      }
    }
    return el("table", {class: "results"}, el("tbody", null, rows));
  }
  if (tool === "order_imaging") {
    if (record.status === "unrecognized") return el("p", null, el("span", {class: "badge unrec"}, "unrecognized modality"));
    if (!record.performed) return el("p", null, el("span", {class: "badge notperf"}, "not performed"));
    return null;
  }
  if (tool === "order_ecg" && !record.performed) return el("p", null, el("span", {class: "badge notperf"}, "not performed"));
  return null;
}

function prettyArguments(text) {
  try {
    const value = JSON.parse(text);
    const flat = JSON.stringify(value);
    return flat.length <= 100 ? flat : JSON.stringify(value, null, 2);
  } catch (e) {
    return String(text);
  }
}

function renderCall(call) {
  let answer;
  if (call.answer === null) {
    answer = el("p", {class: "muted"}, "not answered: the episode ended first");
  } else if (call.protocol_error) {
    answer = [el("span", {class: "badge proto"}, "protocol error"), answerText(call.answer)];
  } else {
    const structured = renderRecord(call.record);
    answer = structured
      ? [structured, el("details", null, el("summary", null, "as the model read it"), answerText(call.answer))]
      : answerText(call.answer);
  }
  return el("div", {class: "call", "data-tool": call.name},
    el("div", null, "→ ", el("span", {class: "name"}, call.name),
       call.record && typeof call.record.cost === "number" && call.record.cost > 0
         ? el("span", {class: "muted"}, " " + fmt.money(call.record.cost)) : null),
    el("pre", {class: "arguments"}, prettyArguments(call.arguments)),
    answer);
}

function renderStep(step) {
  if (step.kind === "assistant") {
    return el("div", {class: "step assistant"},
      el("div", {class: "who"}, "model, turn " + step.turn),
      step.text ? el("pre", {class: "model-text"}, step.text) : null,
      step.calls.length ? step.calls.map(renderCall) : el("p", {class: "muted"}, "(no tool call)"));
  }
  if (step.kind === "user") {
    return el("div", {class: "step user"}, el("div", {class: "who"}, "medcred"), el("pre", null, step.text));
  }
  return el("div", {class: "step"}, el("div", {class: "who"}, "tool"), answerText(step.text));
}

async function renderEpisode(run, caseId) {
  const info = await loadRuns();
  let e;
  try {
    e = await api("/api/runs/" + run + "/episodes/" + encodeURIComponent(caseId));
  } catch (err) {
    return fail(err.message);
  }
  const r = info.runs[run];
  const t = e.transcript;
  const a = e.answer;
  const answerBox = el("div", {class: "answer-box", id: "answer"},
    a ? [el("p", null, el("strong", null, "Diagnosis: "), el("span", {class: "diagnosis"}, a.diagnosis),
            a.icd10 ? [" ", el("span", {class: "code"}, "[" + a.icd10 + "]")] : null),
         a.differential && a.differential.length
           ? el("div", null, el("strong", null, "Differential:"), el("ol", {class: "differential"}, a.differential.map((d) => el("li", null, d))))
           : el("p", {class: "muted"}, "no differential"),
         el("p", null, el("strong", null, "Confidence: "), typeof a.confidence === "number" ? fmt.pct(a.confidence) : el("span", {class: "muted"}, "not given"))]
      : el("p", {class: "muted"}, "No diagnosis was submitted (outcome: " + e.outcome + ")" + (e.error ? ": " + e.error : ".")));
  const g = e.grade;
  const gradeBox = el("div", {class: "grade-box", id: "grade"},
    el("p", null, levelBadge(g.level, g.correct), " ",
       el("span", {class: "badge " + (g.correct ? "correct" : "wrong")}, g.correct ? "correct" : "wrong"),
       " credit " + fmt.credit(g.credit)),
    el("p", null, el("strong", null, "Read as: "), codeWithTitle(g.mapped_code, g.mapped_title)),
    el("p", {class: "explanation"}, el("strong", null, "Why: "), g.explanation),
    el("p", null, el("strong", null, "Truth (principal): "),
       e.truth.principal.map((c, i) => [i ? "; " : "", codeWithTitle(c.code, c.title)])),
    e.truth.secondary.length
      ? el("details", null, el("summary", null, "other discharge diagnoses (" + e.truth.secondary.length + ")"),
           el("ul", null, e.truth.secondary.map((c) => el("li", null, codeWithTitle(c.code, c.title)))))
      : null,
    e.judge ? el("p", null, el("strong", null, "Judge (" + e.judge.model + "): "),
                 e.judge.error ? e.judge.error : (e.judge.correct ? "correct" : "wrong") + ": " + e.judge.reason) : null);
  const others = e.others.filter((o) => o.present);
  show(
    el("p", null, el("a", {href: "#/episodes?run=" + run}, "← episodes of " + runLabel(r))),
    el("div", {class: "episode-head"},
       el("h1", null, e.case_id),
       el("span", null, e.categories.join(", ")),
       el("span", {class: "muted"}, e.split + " split · " + e.outcome + " · " + e.turns + " turns · " + e.tool_calls +
          " tool calls · " + fmt.money(e.cost) + " · " + e.invalid_orders + " invalid orders · " +
          e.protocol_errors + " protocol errors")),
    others.length ? el("p", null, "Same case in: ", others.map((o, i) => [i ? " · " : "",
      el("a", {href: episodeHref(o.run, e.case_id)}, runLabel(info.runs[o.run])), " ", levelBadge(o.level, o.correct)])) : null,
    el("h2", null, "Presentation at arrival"),
    el("pre", {id: "presentation"}, t.presentation || ""),
    el("details", null, el("summary", null, "system prompt"), el("pre", null, t.system)),
    el("h2", null, "Conversation"),
    el("div", {id: "transcript"}, t.steps.map(renderStep)),
    el("h2", null, "Submitted diagnosis"), answerBox,
    el("h2", null, "Grade"), gradeBox,
    el("h2", null, "Tests"),
    el("h3", null, "Run by the clinicians in the window, not ordered by the model (" + e.tests_not_ordered.length + ")"),
    e.tests_not_ordered.length ? el("ul", {class: "tests", id: "tests-not-ordered"}, e.tests_not_ordered.map((x) => el("li", null, x)))
                               : el("p", {class: "muted", id: "tests-not-ordered"}, "none"),
    el("h3", null, "Ordered by the model (" + e.tests_ordered.length + ")"),
    el("ul", {class: "tests"}, e.tests_ordered.map((x) => el("li", null, x))));
  window.scrollTo(0, 0);
}

// --- routing ----------------------------------------------------------------

async function route() {
  const hash = location.hash || "#/";
  try {
    if (hash.startsWith("#/episodes")) {
      await renderEpisodes(parseHashQuery(hash));
    } else if (hash.startsWith("#/episode/")) {
      const rest = hash.slice("#/episode/".length);
      const slash = rest.indexOf("/");
      await renderEpisode(Number(rest.slice(0, slash)), decodeURIComponent(rest.slice(slash + 1)));
    } else {
      renderRuns(await loadRuns());
    }
  } catch (e) {
    fail(e.message);
  }
}

window.addEventListener("hashchange", route);
route();

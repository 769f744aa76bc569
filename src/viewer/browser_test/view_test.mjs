// The viewer in a real browser (Debian's Chromium driven by playwright-core;
// no browser is downloaded). Run by src/viewer/viewer_browser_test.cc:
//
//   node view_test.mjs BASE_URL OUT_DIR [XSS_RUN XSS_CASE]
//
// BASE_URL serves runs 0 and 1 of the same cases (and maybe more). The script opens the
// episodes table with both runs side by side, filters to "wrong only", checks
// every row shown is wrong in run 0, then "differs between runs", opens an
// episode and checks its transcript and grade against the JSON API; with
// XSS_RUN/XSS_CASE, opens an episode whose text is markup and checks it shows
// as text and runs nothing. Screenshots go to OUT_DIR. Exit 0 when every check
// passed; otherwise the failures are printed and the exit code is 1.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [base, outDir, xssRun, xssCase] = process.argv.slice(2);
if (!base || !outDir) {
  console.error("usage: node view_test.mjs BASE_URL OUT_DIR [XSS_RUN XSS_CASE]");
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const failures = [];
const check = (ok, what) => {
  console.log((ok ? "ok   " : "FAIL ") + what);
  if (!ok) failures.push(what);
};
const api = async (p) => {
  const res = await fetch(base + p);
  return res.json();
};

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "medcred-chromium-"));
// A fresh, empty profile (--user-data-dir) for every run.
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.MEDCRED_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  viewport: { width: 1500, height: 1100 },
});
try {
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push("page error: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") problems.push("console error: " + m.text()); });

  // The runs page.
  await page.goto(base + "/");
  await page.waitForSelector("section.run");
  const runs = (await api("/api/runs")).runs;
  check((await page.locator("section.run").count()) === runs.length, `the runs page shows every run (${runs.length})`);
  check((await page.locator("table.credentials").count()) === runs.filter((r) => r.credentials).length,
        "each run with a credentials.json has its credential table");

  // Both runs side by side.
  await page.goto(base + "/#/episodes?run=0&with=1");
  await page.waitForSelector("#episodes-table tr.episode");
  check((await page.locator("th.run-group").count()) === 2, "a column group per run");
  const all = await api("/api/runs/0/episodes?with=1&limit=1");

  // Wrong only. Each filter is waited for by its own count ("of N matching"),
  // not by the number of rows: a page of 100 rows of the previous filter
  // would otherwise pass for the new one on a slow machine.
  const wrong = await api("/api/runs/0/episodes?wrong=1&with=1&limit=1");
  await page.check("#filter-wrong");
  await page.waitForFunction((n) => location.hash.includes("wrong=1") &&
                                    document.getElementById("episode-count")?.textContent.includes("of " + n + " matching"),
                             wrong.total);
  const countText = await page.textContent("#episode-count");
  check(countText.includes("of " + wrong.total + " matching"), `the count says ${wrong.total} wrong (${countText})`);
  check(wrong.total > 0 && wrong.total < all.total, `wrong (${wrong.total}) is a part of all (${all.total})`);
  const grades = await page.$$eval("#episodes-table tr.episode",
                                   (rows) => rows.map((r) => r.querySelector("td.level .badge").getAttribute("title")));
  check(grades.length > 0 && grades.every((g) => g === "wrong"), "every row shown is wrong in run 0");
  await page.screenshot({ path: path.join(outDir, "viewer-episodes-wrong.png"), fullPage: false });

  // Differs between runs.
  const differs = await api("/api/runs/0/episodes?wrong=1&with=1&differs=1&limit=1000");
  check(differs.total !== wrong.total, `"differs" (${differs.total}) is told from "wrong only" by its count`);
  await page.check("#filter-differs");
  await page.waitForFunction((n) => location.hash.includes("differs=1") &&
                                    document.getElementById("episode-count")?.textContent.includes("of " + n + " matching") &&
                                    document.querySelectorAll("#episodes-table tr.episode").length === Math.min(n, 100),
                             differs.total);
  const rowsDiffer = await page.$$eval("#episodes-table tr.episode", (rows) => rows.every((r) => r.classList.contains("differs")));
  check(rowsDiffer, `every row of "differs between runs" is marked (${differs.total} rows)`);
  await page.uncheck("#filter-differs");
  await page.waitForFunction(() => !location.hash.includes("differs=1"));
  await page.waitForSelector("#episodes-table tr.episode a.case-link");

  // Open an episode.
  const first = page.locator("#episodes-table tr.episode a.case-link").first();
  const caseId = await first.textContent();
  await first.click();
  await page.waitForSelector("#transcript");
  const record = await api("/api/runs/0/episodes/" + encodeURIComponent(caseId));
  check((await page.textContent("h1")) === caseId, "the episode page is of the case clicked");
  const presentation = await page.textContent("#presentation");
  check(presentation.length > 0 && presentation === record.transcript.presentation,
        "the presentation at arrival is the first user message");
  const calls = record.transcript.steps.flatMap((s) => s.calls || []);
  const shownCalls = await page.$$eval("#transcript .call .name", (n) => n.map((x) => x.textContent));
  check(calls.length > 0 && JSON.stringify(shownCalls) === JSON.stringify(calls.map((c) => c.name)),
        "every tool call is shown, in order: " + shownCalls.join(", "));
  const labRecords = calls.filter((c) => c.record && c.record.tool === "order_labs");
  if (labRecords.length) {
    const abnormal = labRecords.flatMap((c) => c.record.orders).flatMap((o) => o.results || (o.result ? [o.result] : []))
      .filter((r) => r.performed && r.flag).length;
    const shown = await page.locator("#transcript table.results tr.abnormal").count();
    check(shown === abnormal, `abnormal results highlighted (${shown} of ${abnormal})`);
  }
  const gradeText = await page.textContent("#grade");
  check(gradeText.includes(record.grade.explanation), "the grade's explanation is shown");
  check(gradeText.includes(record.grade.level), "the grade level is shown");
  check(gradeText.includes("wrong"), "the episode opened from \"wrong only\" is graded wrong");
  if (record.answer) check((await page.textContent("#answer .diagnosis")) === record.answer.diagnosis, "the submitted diagnosis is shown");
  const missed = await page.locator("#tests-not-ordered li").count();
  check(missed === record.tests_not_ordered.length, `tests performed but not ordered listed (${missed})`);
  await page.screenshot({ path: path.join(outDir, "viewer-episode.png"), fullPage: true });

  // Untrusted text stays text.
  if (xssRun !== undefined) {
    await page.goto(base + "/#/episode/" + xssRun + "/" + encodeURIComponent(xssCase));
    await page.waitForSelector("#transcript");
    await page.waitForTimeout(300);
    const ran = await page.evaluate(() => window.__medcred_xss === true);
    check(!ran, "markup in a transcript runs nothing");
    check((await page.locator("#transcript img, #transcript script, #answer img, #grade img").count()) === 0,
          "markup in a transcript makes no element");
    check((await page.textContent("#transcript")).includes("<img src=x onerror="), "markup in a transcript shows as text");
    await page.screenshot({ path: path.join(outDir, "viewer-xss.png"), fullPage: true });
  }
  check(problems.length === 0, "no page error: " + problems.join(" | "));
} catch (e) {
  failures.push("exception: " + e.message);
  console.log("FAIL " + e.stack);
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(failures.length === 0 ? "all checks passed" : failures.length + " checks failed");
process.exit(failures.length === 0 ? 0 : 1);

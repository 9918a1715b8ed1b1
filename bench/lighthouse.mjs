// cargo xtask bench's Lighthouse measure (issue 7): Lighthouse 12 with its default config
// (mobile, simulated throttling), performance only, on the course home and the measured
// lesson, BENCH_RUNS times each, a fresh Chromium per run. Writes one JSON object to
// BENCH_OUT: per page the median score (0-100), FCP, LCP, TBT and CLS, the run scores, and
// for the median run what Lighthouse says costs time (opportunities and failing
// diagnostics), so a missed score can be explained. Progress goes to stderr.
//
// Environment: BENCH_URL (base URL ending in "/"), BENCH_LESSON, BENCH_RUNS (default 5),
// BENCH_OUT, CHROME_PATH.

import { mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { BASE, CHROME, CHROMIUM_FLAGS, LESSON, RUNS, describeError, finish, requireEnvironment, run } from "./common.mjs";

const FINDINGS = 10;

const log = (...parts) => console.error("lighthouse.mjs:", ...parts);
const round = (value, digits = 1) => {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};
function median(values, digits = 1) {
  const sorted = values.filter((value) => typeof value === "number" && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2, digits);
}

// One Lighthouse run in a fresh Chromium (its own profile, removed afterwards); the lhr.
async function runOnce(url) {
  const profile = mkdtempSync(join(tmpdir(), "specialist-lighthouse-"));
  let chrome;
  try {
    chrome = await chromeLauncher.launch({ chromePath: CHROME, chromeFlags: CHROMIUM_FLAGS, userDataDir: profile, logLevel: "silent" });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  try {
    const result = await lighthouse(url, { port: chrome.port, output: "json", logLevel: "error", onlyCategories: ["performance"] });
    if (!result || !result.lhr) throw new Error("Lighthouse returned no result");
    const { runtimeError, categories } = result.lhr;
    if (runtimeError) throw new Error(`${runtimeError.code}: ${runtimeError.message}`);
    if (!categories.performance || typeof categories.performance.score !== "number") throw new Error("Lighthouse gave no performance score");
    return result.lhr;
  } finally {
    // chrome-launcher kills Chromium (SIGKILL), which leaves its singleton socket folder in
    // the temporary directory: find it through the profile's link and remove it too.
    let singleton = null;
    try {
      singleton = dirname(readlinkSync(join(profile, "SingletonSocket")));
    } catch (error) {
      singleton = null;
    }
    await chrome.kill();
    if (singleton && basename(singleton).startsWith("org.chromium.Chromium.")) rmSync(singleton, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  }
}

function metrics(lhr) {
  const value = (id) => {
    const audit = lhr.audits[id];
    return audit && typeof audit.numericValue === "number" ? audit.numericValue : null;
  };
  const score = lhr.categories.performance && lhr.categories.performance.score;
  return {
    score: typeof score === "number" ? Math.round(score * 100) : null,
    fcp: value("first-contentful-paint"),
    lcp: value("largest-contentful-paint"),
    tbt: value("total-blocking-time"),
    cls: value("cumulative-layout-shift"),
    si: value("speed-index"),
  };
}

// What Lighthouse lists against the page: first what did not pass or estimates savings
// (opportunities by estimated savings), then, to fill the list, the passing diagnostics that
// carry a figure (main-thread work, JS execution, request chains, byte weight), which show
// where the time goes even when nothing fails.
function findings(lhr) {
  const references = (lhr.categories.performance && lhr.categories.performance.auditRefs) || [];
  const flagged = [];
  const informative = [];
  for (const reference of references) {
    if (reference.group === "metrics") continue;
    const audit = lhr.audits[reference.id];
    if (!audit || audit.scoreDisplayMode === "error" || audit.scoreDisplayMode === "notApplicable") continue;
    const details = audit.details || {};
    const savingsMs = typeof details.overallSavingsMs === "number" ? details.overallSavingsMs : null;
    const failing = typeof audit.score === "number" && audit.score < 0.9;
    const lcpElement = reference.id === "largest-contentful-paint-element";
    const row = {
      id: reference.id,
      title: audit.title,
      displayValue: audit.displayValue || "",
      score: audit.score,
      kind: details.type === "opportunity" ? "opportunity" : "diagnostic",
      passed: !failing && !(savingsMs > 0),
    };
    if (savingsMs !== null) row.savings_ms = Math.round(savingsMs);
    if (typeof details.overallSavingsBytes === "number") row.savings_bytes = Math.round(details.overallSavingsBytes);
    if (audit.metricSavings) row.metric_savings = audit.metricSavings;
    if (lcpElement) row.detail = lcpDetail(details);
    if (!row.passed || lcpElement) flagged.push(row);
    else if (row.displayValue) informative.push(row);
  }
  const weight = (row) => (row.savings_ms || 0) + Object.values(row.metric_savings || {}).reduce((sum, saving) => sum + (saving || 0), 0);
  flagged.sort((a, b) => weight(b) - weight(a) || (a.score ?? 1) - (b.score ?? 1));
  informative.sort((a, b) => weight(b) - weight(a));
  return [...flagged, ...informative].slice(0, FINDINGS);
}

// Audits Lighthouse could not compute (e.g. its trace engine against a newer Chromium's trace).
function erroredAudits(lhr) {
  const references = (lhr.categories.performance && lhr.categories.performance.auditRefs) || [];
  return references
    .map((reference) => lhr.audits[reference.id])
    .filter((audit) => audit && audit.scoreDisplayMode === "error")
    .map((audit) => ({ id: audit.id, error: String(audit.errorMessage || "").split("\n")[0].slice(0, 200) }))
    .slice(0, FINDINGS);
}

// The LCP element's selector and Lighthouse's LCP phases (TTFB, load delay, load time, render delay).
function lcpDetail(details) {
  const parts = [];
  for (const item of details.items || []) {
    for (const row of item.items || []) {
      if (row.node && row.node.selector) parts.push(`element ${row.node.selector}`);
      if (row.phase && typeof row.timing === "number") parts.push(`${row.phase} ${Math.round(row.timing)} ms`);
    }
  }
  return parts.join("; ");
}

async function measurePage(name, url) {
  const runs = [];
  const errors = [];
  for (let run = 0; run < RUNS; run++) {
    const began = Date.now();
    try {
      const lhr = await runOnce(url);
      const values = metrics(lhr);
      runs.push({ lhr, values });
      const warnings = (lhr.runWarnings || []).length ? ` (${lhr.runWarnings.length} warning(s): ${lhr.runWarnings[0].split("\n")[0]})` : "";
      log(`${name} run ${run + 1}/${RUNS}: score ${values.score}, FCP ${Math.round(values.fcp)} ms, LCP ${Math.round(values.lcp)} ms, TBT ${Math.round(values.tbt)} ms, CLS ${round(values.cls, 3)} in ${((Date.now() - began) / 1000).toFixed(1)} s${warnings}`);
    } catch (error) {
      errors.push(describeError(error));
      log(`${name} run ${run + 1}/${RUNS} failed: ${describeError(error)}`);
    }
  }
  if (!runs.length) throw new Error(errors[0] || "no run finished");
  const pick = (key) => runs.map((run) => run.values[key]);
  const scoreMedian = median(pick("score"), 0);
  const lcpMedian = median(pick("lcp"));
  // The median run: the score nearest the median, then the LCP nearest the median.
  const medianRun = [...runs].sort(
    (a, b) =>
      Math.abs(a.values.score - scoreMedian) - Math.abs(b.values.score - scoreMedian) ||
      Math.abs(a.values.lcp - lcpMedian) - Math.abs(b.values.lcp - lcpMedian),
  )[0];
  const result = {
    score: scoreMedian,
    fcp_ms: median(pick("fcp")),
    lcp_ms: lcpMedian,
    tbt_ms: median(pick("tbt")),
    cls: median(pick("cls"), 4),
    speed_index_ms: median(pick("si")),
    runs: pick("score"),
    median_run: {
      score: medianRun.values.score,
      fcp_ms: round(medianRun.values.fcp),
      lcp_ms: round(medianRun.values.lcp),
      tbt_ms: round(medianRun.values.tbt),
      cls: round(medianRun.values.cls, 4),
      final_url: medianRun.lhr.finalDisplayedUrl || medianRun.lhr.finalUrl || url,
      benchmark_index: medianRun.lhr.environment ? medianRun.lhr.environment.benchmarkIndex : null,
      warnings: medianRun.lhr.runWarnings || [],
    },
    opportunities: findings(medianRun.lhr),
    errored_audits: erroredAudits(medianRun.lhr),
  };
  if (errors.length) result.failed_runs = errors;
  return result;
}

async function main() {
  requireEnvironment();
  const started = Date.now();
  const report = {};
  let measured = 0;
  for (const [name, url] of [
    ["home", BASE],
    ["lesson", `${BASE}#/lessons/${LESSON}`],
  ]) {
    log(`${name}: ${url}, ${RUNS} runs…`);
    try {
      report[name] = await measurePage(name, url);
      measured += 1;
      log(`${name}: median score ${report[name].score}, FCP ${report[name].fcp_ms} ms, LCP ${report[name].lcp_ms} ms, TBT ${report[name].tbt_ms} ms, CLS ${report[name].cls}`);
    } catch (error) {
      report[name] = { error: describeError(error) };
      log(`${name} failed: ${describeError(error)}`);
    }
  }
  finish(report, started, measured, log);
}

run(main, log);

// What cargo xtask bench's browser scripts share: the environment xtask passes them, the
// Chromium flags this machine needs, and how a run ends (one JSON object in BENCH_OUT, even
// when the run fails, so xtask always has something to report).

import { writeFileSync } from "node:fs";

export const BASE = process.env.BENCH_URL;
export const LESSON = process.env.BENCH_LESSON;
export const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS || "5", 10) || 5);
export const OUT = process.env.BENCH_OUT;
export const CHROME = process.env.CHROME_PATH || "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const describeError = (error) => String((error && error.message) || error).split("\n")[0];

// Throws unless xtask passed everything a run needs.
export function requireEnvironment() {
  for (const [name, value] of [
    ["BENCH_URL", BASE],
    ["BENCH_LESSON", LESSON],
    ["BENCH_OUT", OUT],
  ]) {
    if (!value) throw new Error(`${name} is not set`);
  }
}

// Writes the report; the exit status says whether anything at all was measured.
export function finish(report, started, measured, log) {
  report.seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${OUT} in ${report.seconds} s`);
  if (measured === 0) process.exitCode = 1;
}

// Runs `main`; a failure that escapes it still leaves its reason in BENCH_OUT.
export function run(main, log) {
  main().catch((error) => {
    log(`failed: ${error && error.stack ? error.stack : error}`);
    if (OUT) {
      try {
        writeFileSync(OUT, `${JSON.stringify({ error: describeError(error) })}\n`);
      } catch (writeError) {
        log(`cannot write ${OUT}: ${describeError(writeError)}`);
      }
    }
    process.exitCode = 1;
  });
}

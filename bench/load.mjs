// The server bench's load: posts signed certificates to specialist-server with autocannon,
// every request a certificate never posted before, in two phases bounded in count and time.
//
//   1. Throughput: BENCH_THROUGHPUT_CONNECTIONS connections post as fast as the server
//      answers, at most BENCH_THROUGHPUT_AMOUNT certificates and BENCH_THROUGHPUT_MAX_SECONDS.
//   2. Fixed rate: half the measured throughput, capped at BENCH_FIXED_RATE_CAP per second,
//      for BENCH_FIXED_RATE_SECONDS; latency percentiles of the accepted posts.
//
// Run by `cargo xtask bench-server` (xtask/src/bench_server.rs), which builds the certificates
// (BENCH_BODIES, one JSON document a line), starts the server and reads BENCH_OUT.
// Latencies are each request's own time from write to full response, computed here from
// every response rather than from autocannon's whole-millisecond histogram. autocannon
// meters a rate per second (each second's quota is sent at once, one post after another on
// each connection), so at a fixed rate up to BENCH_FIXED_RATE_CONNECTIONS posts overlap.

import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import autocannon from "autocannon";

function setting(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; cargo xtask bench-server sets it`);
  return value;
}

function count(name) {
  const value = Number(setting(name));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0`);
  return value;
}

const target = setting("BENCH_TARGET");
const bodies = readFileSync(setting("BENCH_BODIES"), "utf8")
  .split("\n")
  .filter((line) => line.length > 0);
const generator = JSON.parse(
  readFileSync(new URL("./node_modules/autocannon/package.json", import.meta.url), "utf8"),
);

// A certificate is taken once and never again: a repeat would be answered from storage,
// skipping the verification, re-grading and insert this bench measures.
let taken = 0;
function nextBody() {
  if (taken >= bodies.length) {
    throw new Error(`all ${bodies.length} certificates are used; xtask generates too few for the phases`);
  }
  return bodies[taken++];
}

// A few refusals, kept whole so a failing run says why.
const sampleProblems = [];

const round = (value) => Math.round(value * 100) / 100;

// The value at percentile `p` of sorted `values` (nearest rank).
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return round(sorted[Math.min(sorted.length, Math.max(rank, 1)) - 1]);
}

// One autocannon run posting fresh certificates; stopped after `maxSeconds` if `amount` is
// not reached by then.
async function phase({ connections, amount, maxSeconds, overallRate }) {
  const takenBefore = taken;
  const acceptedLatencies = [];
  let responses = 0;
  let refused = 0;
  let errors = 0;
  let lastResponseAt = null;
  const startedAt = performance.now();
  const instance = autocannon({
    url: target,
    connections,
    amount,
    // Latencies come from the responses below; at a fixed rate autocannon's own histogram
    // would also hold made-up samples (its correction assumes a 1 ms interval).
    ...(overallRate ? { overallRate, ignoreCoordinatedOmission: true } : {}),
    timeout: 30,
    requests: [
      {
        method: "POST",
        // The type the app's keepalive post sends (no CORS preflight); the server accepts it.
        headers: { "content-type": "text/plain;charset=UTF-8" },
        setupRequest: (request) => ({ ...request, body: nextBody() }),
        onResponse: (status, body) => {
          if (status !== 201 && sampleProblems.length < 5) {
            sampleProblems.push({ status, body: String(body).slice(0, 2000) });
          }
        },
      },
    ],
  });
  instance.on("response", (_client, statusCode, _bytes, milliseconds) => {
    responses += 1;
    lastResponseAt = performance.now();
    if (statusCode === 201) {
      acceptedLatencies.push(milliseconds);
    } else {
      refused += 1;
    }
  });
  instance.on("reqError", () => {
    errors += 1;
  });
  const timer = setTimeout(() => instance.stop(), maxSeconds * 1000);
  await instance;
  clearTimeout(timer);
  const seconds = ((lastResponseAt ?? performance.now()) - startedAt) / 1000;
  const sent = taken - takenBefore;
  acceptedLatencies.sort((a, b) => a - b);
  return {
    accepted: acceptedLatencies.length,
    failed: refused + errors,
    refused,
    errors,
    // Posts still in flight when the time bound stopped the phase: the server may have
    // stored them without the answer arriving.
    unanswered: Math.max(0, sent - responses - errors),
    sent,
    connections,
    seconds: round(seconds),
    latencies: acceptedLatencies,
  };
}

const throughputRun = await phase({
  connections: count("BENCH_THROUGHPUT_CONNECTIONS"),
  amount: count("BENCH_THROUGHPUT_AMOUNT"),
  maxSeconds: count("BENCH_THROUGHPUT_MAX_SECONDS"),
});
const perSecond = throughputRun.seconds > 0 ? throughputRun.accepted / throughputRun.seconds : 0;
console.log(
  `load.mjs: throughput ${perSecond.toFixed(1)} certificates/s ` +
    `(${throughputRun.accepted} accepted, ${throughputRun.failed} failed in ${throughputRun.seconds} s)`,
);

// Half the throughput leaves the server headroom, so the latencies are those of a server
// under steady load rather than of a queue; the cap keeps runs on fast machines comparable.
const rate = Math.max(1, Math.min(count("BENCH_FIXED_RATE_CAP"), Math.floor(perSecond / 2)));
const fixedSeconds = count("BENCH_FIXED_RATE_SECONDS");
const fixedRun = await phase({
  connections: Math.min(count("BENCH_FIXED_RATE_CONNECTIONS"), rate),
  amount: rate * fixedSeconds,
  // autocannon meters the rate per second, so `amount` posts take `fixedSeconds`; the
  // bound only matters if the server falls behind.
  maxSeconds: fixedSeconds * 2,
  overallRate: rate,
});
const latencies = fixedRun.latencies;
console.log(
  `load.mjs: at ${rate}/s p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms ` +
    `(${fixedRun.accepted} accepted, ${fixedRun.failed} failed in ${fixedRun.seconds} s)`,
);

const { latencies: _throughputLatencies, ...throughput } = throughputRun;
const { latencies: _fixedLatencies, ...fixed } = fixedRun;
const report = {
  load_generator: `autocannon ${generator.version}`,
  throughput: { ...throughput, certificates_per_second: Math.round(perSecond) },
  fixed_rate: {
    ...fixed,
    rate_per_second: rate,
    p50_ms: percentile(latencies, 50),
    p90_ms: percentile(latencies, 90),
    p99_ms: percentile(latencies, 99),
    max_ms: latencies.length > 0 ? round(latencies[latencies.length - 1]) : null,
  },
  certificates_posted: taken,
};
if (sampleProblems.length > 0) report.sample_problems = sampleProblems;
writeFileSync(setting("BENCH_OUT"), `${JSON.stringify(report, null, 2)}\n`);

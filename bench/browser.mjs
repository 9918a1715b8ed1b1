// cargo xtask bench's browser measures (issue 7), in Debian Chromium through playwright-core
// and CDP: cold first-lesson time against the static-page floor (with the app's network
// waterfall), repeat and offline visits through the service worker, interaction timings
// (knowledge-check answer, next lesson, search per keystroke) at 4x and 1x CPU, and memory
// after walking every lesson. Writes one JSON object to BENCH_OUT; progress goes to stderr.
//
// Environment: BENCH_URL (base URL ending in "/"), BENCH_LESSON (the measured lesson's id),
// BENCH_RUNS (runs per median, default 5), BENCH_OUT (the JSON file), CHROME_PATH.
//
// Every time is measured inside the page by one probe (an init script): "the lesson's text
// visible" is the first moment a `p`/`h2`/`h3` of `article.lesson-body` that was not there
// before has text, followed by the next frame (requestAnimationFrame, then a 0-ms
// MessageChannel task, i.e. after that frame's style, layout and paint). The app and the
// floor page use the same detection. Times are milliseconds since navigation start
// (performance.timeOrigin) or since the triggering event's timeStamp.

import { chromium } from "playwright-core";
import { BASE, CHROME, CHROMIUM_FLAGS, LESSON, RUNS, describeError, finish, requireEnvironment, run } from "./common.mjs";

// A phone-sized window, like Lighthouse's mobile profile (412 x 823 CSS pixels).
const VIEWPORT = { width: 412, height: 823 };
// Lighthouse's "slow 4G" as applied throttling: 150 ms RTT x 3.75, 1.6 Mbps and 750 kbps x 0.9.
const SLOW_NETWORK = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1.6e6 * 0.9) / 8,
  uploadThroughput: (750e3 * 0.9) / 8,
};
const SLOW_CPU = 4;
const ANSWER_CLICKS = Math.max(10, RUNS * 2);
const NEXT_LESSON_RUNS = Math.max(5, RUNS);
// A phrase the course contains (the search matches the query as one substring).
const SEARCH_QUERY = process.env.BENCH_SEARCH_QUERY || "embodied emissions";

const log = (...parts) => console.error("browser.mjs:", ...parts);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (value) => (typeof value === "number" && Number.isFinite(value) ? Math.round(value * 10) / 10 : null);
function median(values) {
  const sorted = values.filter((value) => typeof value === "number" && Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return round(sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2);
}
const max = (values) => {
  const numbers = values.filter((value) => typeof value === "number" && Number.isFinite(value));
  return numbers.length ? round(Math.max(...numbers)) : null;
};
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms / 1000} s`)), ms);
    }),
  ]);
}

// ---------------------------------------------------------------------------------------
// The probe, run in every document before its own scripts (context.addInitScript).

function probe() {
  if (window.__bench) return;
  const now = () => performance.now();
  const B = (window.__bench = {
    storage: { count: 0, lastAt: null },
    wasm: null,
    startedAt: null,
    lesson: null,
    answer: null,
    key: null,
    keys: [],
    searchIndexAt: null,
    lastClick: null,
  });

  // The end of the next frame: rAF callbacks run just before style, layout and paint; a
  // message posted from there is handled after that rendering step.
  B.nextPaint = () =>
    new Promise((resolve) => {
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve(now());
        };
        channel.port2.postMessage(0);
      });
    });

  // localStorage writes (wasm-bindgen's glue calls `storage.setItem(...)`, found on the prototype).
  try {
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) {
      const result = setItem.call(this, key, value);
      let local = false;
      try {
        local = this === window.localStorage;
      } catch (error) {
        local = false;
      }
      if (local) {
        const at = now();
        B.storage.count += 1;
        B.storage.lastAt = at;
        if (B.answer && B.answer.open && B.answer.firstWriteAt === null) B.answer.firstWriteAt = at;
      }
      return result;
    };
  } catch (error) {
    B.storageWrapError = String(error);
  }

  // The wasm instance: the loader dispatches TrunkApplicationStarted with {detail: {wasm}}.
  addEventListener("TrunkApplicationStarted", (event) => {
    B.startedAt = now();
    B.wasm = (event.detail && event.detail.wasm) || null;
  });

  // When the search index has been read (the app reads JSON with Response.json()).
  try {
    const json = Response.prototype.json;
    Response.prototype.json = function () {
      const url = this.url || "";
      const promise = json.call(this);
      if (/\/course\/search-[^/]*\.json/.test(url)) {
        promise.then(
          () => {
            B.searchIndexAt = now();
          },
          () => {
            B.searchIndexError = now();
          },
        );
      }
      return promise;
    };
  } catch (error) {
    B.jsonWrapError = String(error);
  }

  // "The lesson's text visible": a text element of the lesson body that was not there when
  // armed, connected and with text, then the next frame.
  const TEXT = "article.lesson-body p, article.lesson-body h2, article.lesson-body h3";
  // "The app has taken over": the app's own lesson body (in #main, not index.html's early
  // paint of the lesson) has text, so its knowledge checks can be answered.
  B.appReadyAt = null;
  function checkApp() {
    if (B.appReadyAt !== null) return;
    const text = document.querySelector("#main article.lesson-body p");
    if (text && text.textContent.trim() !== "") B.appReadyAt = now();
  }
  function checkLesson() {
    checkApp();
    const lesson = B.lesson;
    if (!lesson || lesson.textAt !== null) return;
    for (const element of document.querySelectorAll(TEXT)) {
      if (!lesson.old.has(element) && element.isConnected && element.textContent.trim() !== "") {
        lesson.textAt = now();
        lesson.text = element.textContent.trim().slice(0, 80);
        B.nextPaint().then((at) => {
          lesson.paintedAt = at;
          lesson.resolve(at);
        });
        return;
      }
    }
  }
  B.armLesson = () => {
    let resolve;
    const done = new Promise((settle) => {
      resolve = settle;
    });
    B.lesson = { armedAt: now(), old: new WeakSet(document.querySelectorAll(TEXT)), textAt: null, paintedAt: null, text: null, done, resolve };
    checkLesson();
    return true;
  };
  B.armLesson();
  B.lesson.armedAt = 0;
  B.lessonResult = () => {
    const lesson = B.lesson;
    return lesson && { textAt: lesson.textAt, paintedAt: lesson.paintedAt, text: lesson.text };
  };

  // A DOM change that belongs to the measured interaction: the paint after the last one.
  function noteChange(entry) {
    const at = now();
    if (entry.firstMutationAt === null) entry.firstMutationAt = at;
    entry.lastMutationAt = at;
    entry.mutations += 1;
    const sequence = ++entry.sequence;
    B.nextPaint().then((painted) => {
      if (entry.sequence === sequence) entry.paintedAt = painted;
    });
  }
  function elementOf(node) {
    return node && (node.nodeType === 1 ? node : node.parentElement);
  }
  const observer = new MutationObserver((records) => {
    checkLesson();
    const answer = B.answer && B.answer.open ? B.answer : null;
    const key = B.key && B.key.open ? B.key : null;
    if (!answer && !key) return;
    let answerChanged = false;
    let keyChanged = false;
    for (const record of records) {
      const element = elementOf(record.target);
      if (!element || !element.closest) continue;
      if (answer && element.closest("form.knowledge-check")) answerChanged = true;
      if (key && element.closest("#main") && !element.closest("form.search-form")) keyChanged = true;
    }
    if (answerChanged) noteChange(answer);
    if (keyChanged) noteChange(key);
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });

  const entry = (timeStamp) => ({
    ts: timeStamp,
    open: true,
    mutations: 0,
    sequence: 0,
    firstMutationAt: null,
    lastMutationAt: null,
    paintedAt: null,
    handlerPaintAt: null,
    firstWriteAt: null,
  });
  addEventListener(
    "click",
    (event) => {
      B.lastClick = event.timeStamp;
      const target = event.target;
      if (target && target.closest && target.closest("form.knowledge-check button[type=submit]")) {
        B.answer = entry(event.timeStamp);
        B.nextPaint().then((at) => {
          if (B.answer) B.answer.handlerPaintAt = at;
        });
      }
    },
    true,
  );
  addEventListener(
    "input",
    (event) => {
      if (!event.target || event.target.id !== "search-input") return;
      const key = entry(event.timeStamp);
      key.value = event.target.value;
      if (B.key) B.key.open = false;
      B.key = key;
      B.keys.push(key);
      // Registered before the app's own listener runs, so it fires on the frame after it.
      B.nextPaint().then((at) => {
        key.handlerPaintAt = at;
      });
    },
    true,
  );
}

// ---------------------------------------------------------------------------------------
// Helpers on the Node side.

async function newContext(browser) {
  const context = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: "allow" });
  await context.addInitScript(probe);
  return context;
}

async function throttle(cdp, { network = null, cpu = 1 } = {}) {
  await cdp.send("Network.enable");
  if (network) await cdp.send("Network.emulateNetworkConditions", network);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: cpu });
}

// Waits for the armed lesson's text to be painted and returns the probe's record.
async function lessonPainted(page, ms = 90000) {
  await withTimeout(
    page.evaluate(() => window.__bench.lesson.done),
    ms,
    "waiting for the lesson's text",
  );
  return page.evaluate(() => window.__bench.lessonResult());
}

// In-app navigation (no reload) to a hash route, waiting for the new lesson's text when `lesson`.
async function goHash(page, hash, lesson = true) {
  const here = await page.evaluate((hash) => decodeURIComponent(location.hash) === decodeURIComponent(hash), hash);
  if (here) return null;
  if (lesson) await page.evaluate(() => window.__bench.armLesson());
  await page.evaluate((hash) => {
    location.hash = hash;
  }, hash);
  if (lesson) return lessonPainted(page, 30000);
  return null;
}

async function fetchManifest() {
  const response = await fetch(new URL("course/manifest.json", BASE));
  if (!response.ok) throw new Error(`course/manifest.json: HTTP ${response.status}`);
  return response.json();
}

// ---------------------------------------------------------------------------------------
// 1. Cold load against the floor.

async function coldRun(browser, url, waterfall) {
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const requests = new Map();
    if (waterfall) {
      cdp.on("Network.requestWillBeSent", (event) => {
        if (!requests.has(event.requestId)) {
          requests.set(event.requestId, { url: event.request.url, type: event.type, start: event.timestamp, end: null, bytes: null, status: null });
        }
      });
      cdp.on("Network.responseReceived", (event) => {
        const request = requests.get(event.requestId);
        if (request) request.status = event.response.status;
      });
      cdp.on("Network.loadingFinished", (event) => {
        const request = requests.get(event.requestId);
        if (request) {
          request.end = event.timestamp;
          request.bytes = event.encodedDataLength;
        }
      });
      cdp.on("Network.loadingFailed", (event) => {
        const request = requests.get(event.requestId);
        if (request) {
          request.end = event.timestamp;
          request.failed = event.errorText || "failed";
        }
      });
    }
    await throttle(cdp, { network: SLOW_NETWORK, cpu: SLOW_CPU });
    await page.goto(url, { waitUntil: "commit", timeout: 120000 });
    const result = await lessonPainted(page, 120000);
    const appReady = await page
      .waitForFunction(() => window.__bench.appReadyAt, null, { timeout: 120000, polling: 50 })
      .then((handle) => handle.jsonValue());
    let rows = null;
    if (waterfall) {
      // Let the requests the page started settle (bounded), then place them on the page's clock:
      // the document request's CDP timestamp is the navigation entry's fetchStart.
      for (let waited = 0; waited < 8000; waited += 250) {
        if ([...requests.values()].every((request) => request.end !== null)) break;
        await sleep(250);
      }
      const fetchStart = await page.evaluate(() => {
        const navigation = performance.getEntriesByType("navigation")[0];
        return navigation ? navigation.fetchStart : 0;
      });
      const all = [...requests.values()];
      const documentRequest = all.find((request) => request.type === "Document") || all[0];
      const anchor = documentRequest ? documentRequest.start : 0;
      const at = (timestamp) => (timestamp === null ? null : round((timestamp - anchor) * 1000 + fetchStart));
      rows = all
        .filter((request) => !request.url.startsWith("data:"))
        .sort((a, b) => a.start - b.start)
        .map((request) => {
          let path = request.url;
          try {
            const address = new URL(request.url);
            path = address.pathname + address.search;
          } catch (error) {
            // keep the URL as it is
          }
          const row = { path, start_ms: at(request.start), end_ms: at(request.end), bytes: request.bytes === null ? null : Math.round(request.bytes), type: request.type, status: request.status };
          if (request.failed) row.failed = request.failed;
          return row;
        });
    }
    return { ms: result.paintedAt, textMs: result.textAt, appReadyMs: appReady, waterfall: rows };
  } finally {
    await context.close().catch(() => {});
  }
}

async function measureCold(browser) {
  const app = [];
  const appReady = [];
  const floor = [];
  let waterfall = null;
  const appUrl = `${BASE}#/lessons/${LESSON}`;
  const floorUrl = `${BASE}bench-floor.html`;
  for (let run = 0; run < RUNS; run++) {
    const appRun = await coldRun(browser, appUrl, run === 0);
    if (run === 0) waterfall = appRun.waterfall;
    app.push(round(appRun.ms));
    appReady.push(round(appRun.appReadyMs));
    const floorRun = await coldRun(browser, floorUrl, false);
    floor.push(round(floorRun.ms));
    log(`cold run ${run + 1}/${RUNS}: app ${round(appRun.ms)} ms, floor ${round(floorRun.ms)} ms`);
  }
  const appMedian = median(app);
  const floorMedian = median(floor);
  return {
    cold: {
      app_ms: app,
      floor_ms: floor,
      app_median_ms: appMedian,
      app_ready_ms: appReady,
      app_ready_median_ms: median(appReady),
      floor_median_ms: floorMedian,
      ratio: appMedian && floorMedian ? Math.round((appMedian / floorMedian) * 100) / 100 : null,
    },
    waterfall,
  };
}

// ---------------------------------------------------------------------------------------
// 2. Repeat and offline visits through the service worker.

async function waitForController(page, ms) {
  return page.evaluate(async (ms) => {
    if (!("serviceWorker" in navigator)) return { ok: false, reason: "the browser has no service worker API here" };
    const deadline = performance.now() + ms;
    while (performance.now() < deadline) {
      if (navigator.serviceWorker.controller) return { ok: true };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const registration = await navigator.serviceWorker.getRegistration();
    if (!registration) return { ok: false, reason: "no service worker registered (the bundle has no sw.js, or the app did not register it)" };
    return { ok: false, registered: true, reason: `a service worker is registered (${registration.active ? "active" : registration.installing ? "installing" : "waiting"}) but does not control the page` };
  }, ms);
}

// The service worker's own requests (config.json is network-first through it; files it does
// not list pass through it) are not slowed by the page's emulation: Chromium throttles per
// target. So the worker gets the same conditions through a session of its own, attached
// from the browser session (not flattened, the messages tunnel through Target.*).
class WorkerThrottle {
  constructor(browserSession) {
    this.session = browserSession;
    this.targetId = null;
    this.sessionId = null;
    this.next = 0;
    this.pending = new Map();
    browserSession.on("Target.receivedMessageFromTarget", (event) => {
      let message;
      try {
        message = JSON.parse(event.message);
      } catch (error) {
        return;
      }
      const settle = this.pending.get(message.id);
      if (settle) {
        this.pending.delete(message.id);
        settle(message);
      }
    });
  }

  send(method, params) {
    const id = ++this.next;
    const answer = new Promise((resolve) => this.pending.set(id, resolve));
    return this.session
      .send("Target.sendMessageToTarget", { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
      .then(() => withTimeout(answer, 5000, method))
      .then((message) => {
        if (message.error) throw new Error(`${method}: ${message.error.message}`);
        return message.result;
      });
  }

  // Applies `network` to the worker serving BASE; false when there is none.
  async apply(network) {
    const { targetInfos } = await this.session.send("Target.getTargets");
    const worker = targetInfos.find((target) => target.type === "service_worker" && target.url.startsWith(BASE));
    if (!worker) return false;
    if (worker.targetId !== this.targetId) {
      const { sessionId } = await this.session.send("Target.attachToTarget", { targetId: worker.targetId, flatten: false });
      this.targetId = worker.targetId;
      this.sessionId = sessionId;
      await this.send("Network.enable", {});
    }
    await this.send("Network.emulateNetworkConditions", network);
    return true;
  }
}

async function repeatRun(context, url, offline, workerThrottle) {
  const page = await context.newPage();
  try {
    const cdp = await context.newCDPSession(page);
    await throttle(cdp, { network: { ...SLOW_NETWORK, offline }, cpu: SLOW_CPU });
    let workerThrottled = false;
    try {
      workerThrottled = await workerThrottle.apply({ ...SLOW_NETWORK, offline });
    } catch (error) {
      log(`cannot throttle the service worker: ${describeError(error)}`);
    }
    await page.goto(url, { waitUntil: "commit", timeout: 60000 });
    const result = await lessonPainted(page, 60000);
    const controlled = await page.evaluate(() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller));
    const config = await page.evaluate(() => {
      const entry = performance.getEntriesByType("resource").find((item) => /\/config\.json$/.test(item.name));
      return entry ? entry.responseEnd - entry.startTime : null;
    });
    return { ms: result.paintedAt, controlled, configMs: config, workerThrottled };
  } finally {
    await page.close().catch(() => {});
  }
}

async function measureRepeat(browser) {
  const url = `${BASE}#/lessons/${LESSON}`;
  const context = await newContext(browser);
  try {
    const first = await context.newPage();
    const started = Date.now();
    await first.goto(url, { waitUntil: "commit", timeout: 60000 });
    await lessonPainted(first, 60000);
    let state = await waitForController(first, 20000 - (Date.now() - started) - 1000);
    if (!state.ok && state.registered) {
      log("repeat: reloading once so the service worker controls the page");
      await first.reload({ waitUntil: "commit" });
      state = await waitForController(first, Math.max(1000, 20000 - (Date.now() - started)));
    }
    if (!state.ok) {
      return { online_median_ms: null, offline_median_ms: null, note: `no repeat measure: ${state.reason} within 20 s` };
    }
    const controlledAfter = Date.now() - started;
    log(`repeat: the service worker controls the page after ${controlledAfter} ms`);
    await first.close();

    const workerThrottle = new WorkerThrottle(await browser.newBrowserCDPSession());
    const online = [];
    const offline = [];
    const configMs = [];
    let uncontrolled = 0;
    let workerUnthrottled = 0;
    for (let run = 0; run < RUNS; run++) {
      const result = await repeatRun(context, url, false, workerThrottle);
      online.push(round(result.ms));
      if (result.configMs !== null) configMs.push(result.configMs);
      if (!result.controlled) uncontrolled += 1;
      if (!result.workerThrottled) workerUnthrottled += 1;
      log(`repeat run ${run + 1}/${RUNS}: ${round(result.ms)} ms`);
    }
    await context.setOffline(true);
    let offlineError = null;
    for (let run = 0; run < RUNS; run++) {
      try {
        const result = await repeatRun(context, url, true, workerThrottle);
        offline.push(round(result.ms));
        if (!result.controlled) uncontrolled += 1;
        if (!result.workerThrottled) workerUnthrottled += 1;
        log(`offline run ${run + 1}/${RUNS}: ${round(result.ms)} ms`);
      } catch (error) {
        offlineError = describeError(error);
        log(`offline run ${run + 1}/${RUNS} failed: ${offlineError}`);
        break;
      }
    }
    const notes = [
      `service worker controlled the page ${controlledAfter} ms after the first (unthrottled) visit began`,
      `then ${RUNS} fresh pages in that context online and ${RUNS} offline, page and worker throttled like the cold runs (the worker answers the bundle from its cache; config.json goes network-first through the worker: median ${median(configMs)} ms online as the page saw it)`,
    ];
    if (uncontrolled) notes.push(`${uncontrolled} page(s) were not controlled by the worker`);
    if (workerUnthrottled) notes.push(`${workerUnthrottled} run(s) could not throttle the worker's own requests`);
    if (offlineError) notes.push(`offline failed: ${offlineError}`);
    return {
      online_median_ms: median(online),
      offline_median_ms: offline.length ? median(offline) : null,
      online_ms: online,
      offline_ms: offline,
      note: notes.join("; "),
    };
  } finally {
    await context.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
// 3. Interaction on a warm page.

// Polls the page, sparingly: every poll is a task on the page's main thread, so the first
// waits until a measured frame has most likely happened.
async function waitFor(page, predicate, argument, ms, what) {
  const deadline = Date.now() + ms;
  await sleep(100);
  for (;;) {
    const value = await page.evaluate(predicate, argument);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${ms / 1000} s`);
    await sleep(50);
  }
}

// A knowledge check's answer: choose an option, then "Check answer" (the form's submit
// button; the lesson page grades on submit). Measured from the submit click to the frame
// after the form's last DOM change.
async function measureAnswer(page, checkLesson) {
  await goHash(page, `#/lessons/${checkLesson}`);
  await sleep(300);
  const formIndex = await page.evaluate(() => {
    const forms = [...document.querySelectorAll("article.lesson-body form.knowledge-check")];
    const single = forms.findIndex((form) => form.getAttribute("data-multiple") !== "true");
    return single >= 0 ? single : forms.length ? 0 : -1;
  });
  if (formIndex < 0) throw new Error(`lesson ${checkLesson} has no knowledge check`);
  const form = page.locator("article.lesson-body form.knowledge-check").nth(formIndex);
  const options = form.locator("input");
  const count = await options.count();
  const multiple = (await form.getAttribute("data-multiple")) === "true";
  const times = [];
  const changeTimes = [];
  const savedBeforePaint = [];
  const savedBeforeChange = [];
  for (let click = 0; click < ANSWER_CLICKS; click++) {
    const option = options.nth(click % count);
    if (multiple) await option.setChecked(true);
    else await option.check();
    await sleep(60);
    await page.evaluate(() => {
      window.__bench.answer = null;
    });
    await form.locator("button[type=submit]").click();
    const answer = await waitFor(
      page,
      () => {
        const answer = window.__bench.answer;
        return answer && answer.handlerPaintAt !== null && (answer.mutations === 0 || answer.paintedAt !== null) ? true : null;
      },
      null,
      10000,
      "the answer's feedback",
    );
    await sleep(120);
    const result = await page.evaluate(() => {
      const answer = window.__bench.answer;
      answer.open = false;
      return { ...answer };
    });
    if (answer && result.mutations > 0) {
      times.push(result.paintedAt - result.ts);
      changeTimes.push(result.lastMutationAt - result.ts);
      savedBeforePaint.push(result.firstWriteAt !== null && result.firstWriteAt <= result.paintedAt);
      savedBeforeChange.push(result.firstWriteAt !== null && result.firstWriteAt <= result.firstMutationAt);
    }
    if (multiple) await option.setChecked(false);
  }
  if (!times.length) throw new Error("no answer click changed the form");
  return {
    answer_ms: median(times),
    answer_saved_before_paint: savedBeforePaint.length > 0 && savedBeforePaint.every(Boolean),
    answer_saved_before_dom_change: savedBeforeChange.length > 0 && savedBeforeChange.every(Boolean),
    answer_runs_ms: times.map(round),
    answer_dom_change_median_ms: median(changeTimes),
    answer_lesson: checkLesson,
  };
}

// "Next lesson" in the lesson footer, from the click to the next lesson's text painted.
async function measureNextLesson(page) {
  await goHash(page, `#/lessons/${LESSON}`);
  const times = [];
  for (let run = 0; run < NEXT_LESSON_RUNS; run++) {
    const link = page.locator("nav.lesson-nav a[rel=next]");
    if ((await link.count()) === 0) break;
    await link.scrollIntoViewIfNeeded();
    await sleep(400); // the lesson saves its scroll position 250 ms after scrolling stops
    await page.evaluate(() => {
      window.__bench.armLesson();
      window.__bench.lastClick = null;
    });
    await link.click();
    const result = await lessonPainted(page, 30000);
    const click = await page.evaluate(() => window.__bench.lastClick);
    times.push(result.paintedAt - click);
    await sleep(300);
  }
  if (!times.length) throw new Error(`lesson ${LESSON} has no next lesson`);
  return { next_lesson_ms: median(times), next_lesson_runs_ms: times.map(round) };
}

// Search, one key at a time: from each input event to the frame after the results (or the
// status line) changed, or, when nothing changed, the frame after the app's handler ran.
async function measureSearch(page) {
  await goHash(page, "#/search", false);
  // The index is read when the page opens; wait until it has been parsed (or, should the app
  // stop reading it through Response.json(), 1.5 s after it arrived).
  await waitFor(
    page,
    () => {
      const bench = window.__bench;
      if (bench.searchIndexAt !== null || bench.searchIndexError) return true;
      const entry = performance.getEntriesByType("resource").find((item) => /\/course\/search-[^/]*\.json/.test(item.name));
      return entry && entry.responseEnd > 0 && performance.now() - entry.responseEnd > 1500 ? true : null;
    },
    null,
    30000,
    "the search index",
  );
  await page.waitForSelector("#search-input", { timeout: 10000 });
  await sleep(500);
  const input = page.locator("#search-input");
  await input.click();
  await input.fill("");
  await sleep(200);
  await page.evaluate(() => {
    window.__bench.keys = [];
    window.__bench.key = null;
  });
  const perKey = [];
  const changeTimes = [];
  let changed = 0;
  for (const character of SEARCH_QUERY) {
    const before = await page.evaluate(() => window.__bench.keys.length);
    await page.keyboard.type(character);
    await waitFor(
      page,
      (before) => {
        const key = window.__bench.keys[before];
        return key && key.handlerPaintAt !== null && (key.mutations === 0 || key.paintedAt !== null) ? true : null;
      },
      before,
      10000,
      `search keystroke ${JSON.stringify(character)}`,
    );
    await sleep(150);
    const key = await page.evaluate((before) => {
      const key = window.__bench.keys[before];
      key.open = false;
      return { ...key };
    }, before);
    const end = Math.max(key.handlerPaintAt, key.mutations > 0 ? key.paintedAt : 0);
    if (key.mutations > 0) {
      changed += 1;
      changeTimes.push(key.lastMutationAt - key.ts);
    }
    perKey.push(end - key.ts);
  }
  const summary = await page.evaluate(() => {
    const status = document.querySelector("#main p.status[aria-live]") || document.querySelector("p.status");
    return { status: status ? status.textContent : null, results: document.querySelectorAll("ol.search-results > li").length };
  });
  await input.fill("");
  return {
    search_keystroke_median_ms: median(perKey),
    search_keystroke_max_ms: max(perKey),
    search_keystrokes_ms: perKey.map(round),
    search_keystroke_dom_change_median_ms: median(changeTimes),
    search_keystrokes_changing_results: changed,
    search_debounce_ms: 0,
    search_final_status: summary.status,
    search_results: summary.results,
  };
}

// What the reader build costs a learner: from a lesson (reader build) to the course home,
// which hands over to the study build (a reload, from the service worker's cache once it
// holds the bundle), until the home's course standing shows; 4× CPU, each run a new tab
// (a tab that handed over stays on the study build).
async function measureHandOver(context) {
  const times = [];
  for (let run = 0; run < Math.max(3, RUNS); run++) {
    const page = await context.newPage();
    try {
      const cdp = await context.newCDPSession(page);
      await page.goto(`${BASE}#/lessons/${LESSON}`, { waitUntil: "commit", timeout: 60000 });
      await lessonPainted(page, 60000);
      // From the reader build's own page, not index.html's early paint of the lesson.
      await page.waitForFunction(() => window.__bench.appReadyAt, null, { timeout: 60000, polling: 50 });
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
      const started = await page.evaluate(() => performance.timeOrigin + performance.now());
      await page.evaluate(() => {
        location.hash = "#/";
      });
      await page.locator(".standing").waitFor({ timeout: 60000 });
      const shown = await page.evaluate(() => performance.timeOrigin + performance.now());
      times.push(shown - started);
    } finally {
      await page.close().catch(() => {});
    }
  }
  return { hand_over_median_ms: median(times), hand_over_runs_ms: times.map(round) };
}

async function measureInteraction(browser, manifest) {
  const lessons = manifest.modules.flatMap((module) => module.lessons || []);
  const withCheck = lessons.find((lesson) => lesson.id === LESSON && lesson.checks && lesson.checks.length) || lessons.find((lesson) => lesson.checks && lesson.checks.length);
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await page.goto(`${BASE}#/lessons/${LESSON}`, { waitUntil: "commit", timeout: 60000 });
    await lessonPainted(page, 60000);
    // Warm: the service worker (when there is one) has cached the bundle.
    await page
      .evaluate(async () => {
        if (!("serviceWorker" in navigator)) return;
        const deadline = performance.now() + 15000;
        while (!navigator.serviceWorker.controller && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
      })
      .catch(() => {});
    const results = {};
    for (const [name, rate] of [
      ["cpu4", 4],
      ["cpu1", 1],
    ]) {
      await cdp.send("Emulation.setCPUThrottlingRate", { rate });
      const result = {
        answer_ms: null,
        answer_saved_before_paint: null,
        next_lesson_ms: null,
        search_keystroke_median_ms: null,
        search_keystroke_max_ms: null,
      };
      const errors = [];
      const parts = [
        ["answer", () => (withCheck ? measureAnswer(page, withCheck.id) : Promise.reject(new Error("no lesson of the manifest has a knowledge check")))],
        ["next_lesson", () => measureNextLesson(page)],
        ["search", () => measureSearch(page)],
      ];
      for (const [part, run] of parts) {
        try {
          Object.assign(result, await run());
          log(`interaction ${name} ${part}: done`);
        } catch (error) {
          errors.push(`${part}: ${describeError(error)}`);
          log(`interaction ${name} ${part} failed: ${describeError(error)}`);
        }
      }
      if (errors.length) result.error = errors.join("; ");
      results[name] = result;
      log(`interaction ${name}: answer ${result.answer_ms} ms, next lesson ${result.next_lesson_ms} ms, search ${result.search_keystroke_median_ms} ms median / ${result.search_keystroke_max_ms} ms max per key`);
    }
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
    try {
      Object.assign(results, await measureHandOver(context));
      log(`interaction hand-over to the study build: ${results.hand_over_median_ms} ms median`);
    } catch (error) {
      results.hand_over_error = describeError(error);
      log(`interaction hand-over failed: ${describeError(error)}`);
    }
    return results;
  } finally {
    await context.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
// 4. Memory after walking every lesson.

async function measureMemory(browser, manifest) {
  const lessons = manifest.modules.flatMap((module) => module.lessons || []).map((lesson) => lesson.id);
  const context = await newContext(browser);
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await page.goto(BASE, { waitUntil: "commit", timeout: 60000 });
    await waitFor(page, () => window.__bench.wasm !== null || null, null, 60000, "the app starting");
    await sleep(500);
    let walked = 0;
    for (const id of lessons) {
      await goHash(page, `#/lessons/${encodeURIComponent(id)}`);
      walked += 1;
    }
    await sleep(500);
    await cdp.send("HeapProfiler.collectGarbage");
    await cdp.send("Performance.enable");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const heap = metrics.find((metric) => metric.name === "JSHeapUsedSize");
    const wasm = await page.evaluate(() => {
      const instance = window.__bench.wasm;
      const memory = instance && (instance.memory || (instance.exports && instance.exports.memory));
      return memory && memory.buffer ? memory.buffer.byteLength : null;
    });
    return { lessons_walked: walked, js_heap_used_bytes: heap ? Math.round(heap.value) : null, wasm_memory_bytes: wasm };
  } finally {
    await context.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------

async function main() {
  requireEnvironment();
  const started = Date.now();
  const report = {};
  let measured = 0;
  const browser = await chromium.launch({ executablePath: CHROME, args: CHROMIUM_FLAGS, headless: true });
  try {
    log(`Chromium ${browser.version()}, ${BASE}, lesson ${LESSON}, ${RUNS} runs`);
    let manifest = null;
    const attempt = async (name, run) => {
      const began = Date.now();
      log(`${name}…`);
      try {
        const value = await run();
        measured += 1;
        log(`${name}: done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
        return value;
      } catch (error) {
        log(`${name} failed: ${describeError(error)}`);
        return { error: describeError(error) };
      }
    };
    const cold = await attempt("cold", () => measureCold(browser));
    if (cold.error) {
      report.cold = cold;
      report.cold_waterfall = cold;
    } else {
      report.cold = cold.cold;
      report.cold_waterfall = cold.waterfall;
    }
    report.repeat = await attempt("repeat", () => measureRepeat(browser));
    try {
      manifest = await fetchManifest();
    } catch (error) {
      log(`cannot read the course manifest: ${describeError(error)}`);
    }
    report.interaction = await attempt("interaction", () => (manifest ? measureInteraction(browser, manifest) : Promise.reject(new Error("no course manifest"))));
    report.memory = await attempt("memory", () => (manifest ? measureMemory(browser, manifest) : Promise.reject(new Error("no course manifest"))));
  } finally {
    await browser.close().catch(() => {});
  }
  finish(report, started, measured, log);
}

run(main, log);

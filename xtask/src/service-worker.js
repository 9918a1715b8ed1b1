// Specialist's service worker. `cargo xtask` generates sw.js from this template after every
// release build (xtask/src/service_worker.rs): VERSION and FILES below are replaced by the
// bundle's version and its every file with the SHA-256 of its bytes.
//
// - Install precaches every file of this version into its own cache, checking each file's
//   hash, so a half-uploaded deployment fails the install (and is retried later) instead of
//   caching files from two versions.
// - A new version installs in the background and waits; the page offers the update and
//   sends "skip-waiting" only when no exam attempt is running.
// - Every file of the bundle is answered from one version's cache, never a mix; config.json
//   goes to the network first (an admin edits it) with the cached copy as the fallback.
//   Anything else (the API, the server's verification pages) passes through untouched.
// - A page with an exam attempt in flight "pins" its version: should the new version take
//   over while that page is closed (the browser activates a waiting worker once no tab
//   uses the old one), it keeps answering from the pinned version's cache until the page
//   reports the attempt submitted, so an attempt always finishes on the version it began on.

const VERSION = "__VERSION__";
const FILES = __FILES__;

const scope = new URL(self.registration.scope);

// Caches are per scope: two courses unpacked on one LMS host (/pkg/1/, /pkg/2/) keep their
// offline copies apart and never delete each other's.
function scopeKey(text) {
  let hash = 2166136261;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 16777619) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}
const PREFIX = `specialist-${scopeKey(scope.href)}-`;
const CACHE = PREFIX + VERSION;
const META = `${PREFIX}meta`;
const PIN_KEY = "pin";
const CONFIG = "config.json";
const HEADER = "X-Specialist-Version";

const known = new Map(FILES.map(([path, hash]) => [path, hash]));

function url(path) {
  return new URL(path, scope).href;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function precache() {
  const cache = await caches.open(CACHE);
  for (const [path, hash] of FILES) {
    const response = await fetch(url(path), { cache: "reload" });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const body = await response.arrayBuffer();
    // config.json is the admin's to edit after the build, so only its presence counts.
    if (path !== CONFIG) {
      const digest = hex(await crypto.subtle.digest("SHA-256", body));
      if (digest !== hash) throw new Error(`${path}: the server has another version of this file`);
    }
    const headers = new Headers(response.headers);
    headers.set(HEADER, VERSION);
    await cache.put(url(path), new Response(body, { status: 200, headers }));
  }
}

async function pinnedVersion() {
  const meta = await caches.open(META);
  const pin = await meta.match(url(PIN_KEY));
  return pin ? pin.text() : null;
}

// The version to answer from: the pinned one while an attempt runs on it, else ours.
async function servingVersion() {
  const pinned = await pinnedVersion();
  if (pinned && pinned !== VERSION && (await caches.has(PREFIX + pinned))) return pinned;
  return VERSION;
}

async function removeOtherVersions() {
  const pinned = await pinnedVersion();
  const keep = new Set([CACHE, META, pinned && PREFIX + pinned]);
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && !keep.has(name)) await caches.delete(name);
  }
}

async function fromCache(path, request) {
  const cache = await caches.open(PREFIX + (await servingVersion()));
  const cached = await cache.match(url(path));
  return cached || fetch(request);
}

// A file this version does not list may still be one of the pinned version's (a page of
// the old version fetching its own lesson or exam file): answer it from there; anything
// else goes to the network.
async function pinnedOrNetwork(path, request) {
  const version = await servingVersion();
  if (version !== VERSION) {
    const cached = await (await caches.open(PREFIX + version)).match(url(path));
    if (cached) return cached;
  }
  return fetch(request);
}

// config.json: the network's copy when there is one (kept for offline use), else the
// cached copy. Either way it is labelled with the version serving the page.
async function networkFirst(path, request) {
  const version = await servingVersion();
  const cache = await caches.open(PREFIX + version);
  let response;
  try {
    response = await fetch(request, { cache: "no-store" });
  } catch (error) {
    const cached = await cache.match(url(path));
    if (cached) return cached;
    throw error;
  }
  if (!response.ok) return (response.status !== 404 && (await cache.match(url(path)))) || response;
  const headers = new Headers(response.headers);
  headers.set(HEADER, version);
  const body = await response.arrayBuffer();
  await cache.put(url(path), new Response(body, { status: 200, headers }));
  return new Response(body, { status: 200, headers });
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(removeOtherVersions().then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const address = new URL(request.url);
  if (address.origin !== scope.origin || !address.pathname.startsWith(scope.pathname)) return;
  let path = decodeURIComponent(address.pathname.slice(scope.pathname.length));
  if (path === "" && request.mode === "navigate") path = "index.html";
  if (!known.has(path)) {
    event.respondWith(pinnedOrNetwork(path, request));
    return;
  }
  event.respondWith(path === CONFIG ? networkFirst(path, request) : fromCache(path, request));
});

self.addEventListener("message", (event) => {
  const message = event.data || {};
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  if (message.type === "skip-waiting") {
    self.skipWaiting();
  } else if (message.type === "version") {
    event.waitUntil(pinnedVersion().then((pinned) => reply({ version: VERSION, pinned })));
  } else if (message.type === "pin" && typeof message.version === "string") {
    event.waitUntil(
      caches.open(META).then((meta) => meta.put(url(PIN_KEY), new Response(message.version))).then(() => reply(true)),
    );
  } else if (message.type === "unpin") {
    // Unpinning keeps the old version's cache on disk (the page that ran the attempt is
    // offered the update and reloads); old caches go at the next activation, or when a page
    // of this version asks for a clean-up.
    event.waitUntil(caches.open(META).then((meta) => meta.delete(url(PIN_KEY))).then(() => reply(true)));
  } else if (message.type === "clean-up") {
    event.waitUntil(removeOtherVersions().then(() => reply(true)));
  }
});

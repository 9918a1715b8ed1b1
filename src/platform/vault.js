// The browser side of certificates: the device key (WebCrypto Ed25519, non-extractable,
// kept in IndexedDB), Ed25519 verification, and the outbox store. Rust calls these through
// src/platform/vault.rs; they are plain promises so the Rust side stays small.

import { KEYS, OUTBOX, put, request, store } from "./idb.js";

// Software keys use the vendored, audited noble-ed25519 (assets/vendor), loaded only when
// needed. Outside a secure context there is no crypto.subtle for its SHA-512 either, so
// noble-hashes supplies one and the synchronous functions are used.
async function noble() {
  const vendor = (path) => new URL("vendor/" + path, document.baseURI).href;
  const ed = await import(vendor("noble-ed25519.js"));
  if (!(globalThis.crypto && crypto.subtle)) {
    const { sha512 } = await import(vendor("noble-hashes/sha2.js"));
    ed.hashes.sha512 = sha512;
    return {
      getPublicKeyAsync: async (seed) => ed.getPublicKey(seed),
      signAsync: async (message, seed) => ed.sign(message, seed),
      verifyAsync: async (signature, message, key) => ed.verify(signature, message, key),
    };
  }
  return ed;
}

async function webCryptoKey() {
  if (!globalThis.crypto || !crypto.subtle) throw new Error("no WebCrypto in this context");
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { privateKey: pair.privateKey, publicKey, protection: "webcrypto-non-extractable" };
}

async function softwareKey() {
  const ed = await noble();
  const seed = crypto.getRandomValues(new Uint8Array(32));
  const publicKey = await ed.getPublicKeyAsync(seed);
  return { seed, publicKey, protection: "software" };
}

let deviceKeyPromise = null;

// The device key: loaded from IndexedDB, or made once and kept there. Resolves to
// { publicKey: Uint8Array(32), protection }.
export function deviceKey() {
  if (!deviceKeyPromise) {
    deviceKeyPromise = (async () => {
      let stored = null;
      try {
        stored = await request((await store(KEYS, "readonly")).get("device"));
      } catch (_) {
        stored = null;
      }
      if (!stored) {
        try {
          stored = await webCryptoKey();
          await put(KEYS, stored, "device");
        } catch (_) {
          // No Ed25519 in WebCrypto, no secure context, or IndexedDB cannot hold a
          // CryptoKey: fall back to a software key, recorded as such in the certificate.
          stored = await softwareKey();
          try { await put(KEYS, stored, "device"); } catch (_) { /* kept for this page only */ }
        }
      }
      return stored;
    })();
    deviceKeyPromise.catch(() => { deviceKeyPromise = null; });
  }
  return deviceKeyPromise.then((key) => ({ publicKey: key.publicKey, protection: key.protection }));
}

// Signs `message` (Uint8Array) with the device key; resolves to a 64-byte Uint8Array.
export async function deviceSign(message) {
  await deviceKey();
  const key = await deviceKeyPromise;
  if (key.privateKey) {
    return new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, message));
  }
  const ed = await noble();
  return await ed.signAsync(message, key.seed);
}

// Verifies an Ed25519 signature; resolves to true or false.
export async function verifyEd25519(publicKey, message, signature) {
  try {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch (_) {
    const ed = await noble();
    return await ed.verifyAsync(signature, message, publicKey);
  }
}

// Every outbox entry, oldest first.
export async function outboxAll() {
  const entries = await request((await store(OUTBOX, "readonly")).getAll());
  return entries.sort((a, b) => a.created_wall - b.created_wall);
}

// Saves an entry (replacing the one with its id) durably.
export async function outboxPut(entry) {
  await put(OUTBOX, entry);
}

// Certificates go as text/plain (a CORS-safelisted type, so no preflight); an entry with
// headers of its own (an xAPI statement) goes as JSON with them.
function requestHeaders(headers) {
  if (!headers || headers.length === 0) return { "Content-Type": "text/plain;charset=UTF-8" };
  return Object.fromEntries([["Content-Type", "application/json"], ...headers]);
}

// Sends `body` to `url` with `method` (POST when empty).
// Resolves to { status, body, problemDetail } or rejects with the network error.
export async function post(url, body, keepalive, method, headers) {
  const response = await fetch(url, {
    method: method || "POST",
    headers: requestHeaders(headers),
    body,
    keepalive,
    cache: "no-store",
    // A redirect (a captive portal, a sign-in gateway) would turn the POST into a GET
    // whose 200 says nothing about the certificate: treat it as no answer.
    redirect: "error",
  });
  const text = await response.text();
  let problemDetail = null;
  if ((response.headers.get("Content-Type") || "").startsWith("application/problem+json")) {
    try { problemDetail = JSON.parse(text).detail || null; } catch (_) { problemDetail = null; }
  }
  return { status: response.status, body: text, problemDetail };
}

// Sends every body with fetch keepalive as the page goes away, without waiting for answers:
// the server's idempotency makes a later second send harmless.
export function postOnExit(url, body, method, headers) {
  try {
    fetch(url, {
      method: method || "POST",
      headers: requestHeaders(headers),
      body,
      keepalive: true,
      redirect: "error",
    }).catch(() => {});
  } catch (_) { /* the page is going away */ }
}

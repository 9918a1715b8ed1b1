// The app's IndexedDB database: the device key and the outbox (certificates and LMS
// statements waiting to be sent). It is kept apart from vault.js, which holds the rest of
// the certificate code, so that the reader and study builds, which only ask whether
// certificates wait, do not download that rest (src/capabilities.rs, bench/budget.toml).

const DATABASE = "specialist";
const VERSION = 1;
export const KEYS = "keys";
export const OUTBOX = "outbox";

let opened = null;

export function request(idbRequest) {
  return new Promise((resolve, reject) => {
    idbRequest.onsuccess = () => resolve(idbRequest.result);
    idbRequest.onerror = () => reject(idbRequest.error);
  });
}

function database() {
  if (!opened) {
    opened = new Promise((resolve, reject) => {
      if (!("indexedDB" in globalThis)) {
        reject(new Error("this browser has no IndexedDB"));
        return;
      }
      const open = indexedDB.open(DATABASE, VERSION);
      open.onupgradeneeded = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
        if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: "id" });
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
      open.onblocked = () => reject(new Error("the storage is blocked by another tab of an older version"));
    });
    opened.catch(() => { opened = null; });
  }
  return opened;
}

export async function store(name, mode) {
  const db = await database();
  return db.transaction(name, mode, { durability: "strict" }).objectStore(name);
}

export async function put(name, value, key) {
  const db = await database();
  const transaction = db.transaction(name, "readwrite", { durability: "strict" });
  transaction.objectStore(name).put(value, key);
  await new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("the write was aborted"));
  });
}

// How many certificates wait to be sent; the smaller builds hand over to the full build when
// any do (LMS statements wait only under an LMS launch, which starts the full build anyway).
export async function certificatesWaiting() {
  const entries = await request((await store(OUTBOX, "readonly")).getAll());
  return entries.filter((entry) => entry.kind === "certificate" && entry.state === "queued").length;
}

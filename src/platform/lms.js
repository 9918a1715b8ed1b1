// The browser side of LMS embedding: finding a SCORM runtime in the windows around the
// app, and calling it. The SCORM APIs are synchronous JavaScript objects, so these are
// thin wrappers; src/platform/lms.rs holds the adapters and the rest of the logic lives
// in core (specialist_core::lms, specialist_core::suspend_data).

let api = null;
let edition = null;

// Looks for `name` on `start` and its parents (an LMS may nest frames), as the SCORM
// run-time specifications describe, going no further than a few levels.
function search(start, name) {
  let current = start;
  for (let depth = 0; current && depth < 10; depth++) {
    try {
      if (current[name]) return current[name];
    } catch (error) {
      return null; // A cross-origin frame: nothing further up is reachable.
    }
    if (current.parent === current) break;
    current = current.parent;
  }
  return null;
}

function find(name) {
  return search(window, name) || (window.opener ? search(window.opener, name) : null);
}

// "scorm2004", "scorm12" or "" (none): SCORM 2004's API_1484_11 is preferred when an LMS
// offers both.
export function detect() {
  const found2004 = find("API_1484_11");
  if (found2004) {
    api = found2004;
    edition = "scorm2004";
    return edition;
  }
  const found12 = find("API");
  if (found12 && typeof found12.LMSInitialize === "function") {
    api = found12;
    edition = "scorm12";
    return edition;
  }
  return "";
}

const METHODS = {
  scorm12: { initialize: "LMSInitialize", terminate: "LMSFinish", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit", error: "LMSGetLastError", describe: "LMSGetErrorString" },
  scorm2004: { initialize: "Initialize", terminate: "Terminate", get: "GetValue", set: "SetValue", commit: "Commit", error: "GetLastError", describe: "GetErrorString" },
};

function call(method, ...args) {
  if (!api) return "";
  try {
    return String(api[METHODS[edition][method]](...args));
  } catch (error) {
    console.warn(`Specialist: the LMS's ${METHODS[edition][method]} threw:`, error);
    return "false";
  }
}

// The last error as "code: text" (empty when there is none).
export function lastError() {
  const code = call("error");
  if (!code || code === "0") return "";
  return `${code}: ${call("describe", code)}`;
}

export function initialize() {
  return call("initialize", "") === "true";
}

export function getValue(element) {
  return call("get", element);
}

export function setValue(element, value) {
  return call("set", element, value) === "true";
}

export function commit() {
  return call("commit", "") === "true";
}

export function terminate() {
  return call("terminate", "") === "true";
}

// The browser side of a cmi5 launch: reading the launch parameters, fetching the auth
// token (POSTed to the fetch URL once per launch; a reload reuses it), reading
// LMS.LaunchData and the learner's preferences, and building xAPI statements on the LMS's
// context template. Which statements to send, and when, is decided in core
// (specialist_core::cmi5); the outbox sends them.

let current = null;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Whether the page was launched by a cmi5 LMS (all five launch parameters present).
export function launched() {
  const params = new URLSearchParams(location.search);
  return ["endpoint", "fetch", "actor", "registration", "activityId"].every((name) => params.get(name));
}

// Connects to the LMS; resolves to what the app needs, or rejects with the reason.
export async function launch() {
  const params = new URLSearchParams(location.search);
  const endpoint = params.get("endpoint");
  const base = endpoint.endsWith("/") ? endpoint : `${endpoint}/`;
  const fetchUrl = params.get("fetch");
  const actorText = params.get("actor");
  const registration = params.get("registration");
  const activityId = params.get("activityId");
  let actor;
  try {
    actor = JSON.parse(actorText);
  } catch (error) {
    throw new Error("the launch's actor parameter is not JSON");
  }
  // The fetch URL may be used once: a reload of the same launch reuses the token.
  const tokenKey = `specialist.cmi5.token:${fetchUrl}`;
  let token = sessionStorage.getItem(tokenKey);
  if (!token) {
    const response = await fetch(fetchUrl, { method: "POST" });
    let body = {};
    try { body = await response.json(); } catch (error) { body = {}; }
    if (!response.ok || !body["auth-token"]) {
      throw new Error(body["error-text"] || `the fetch URL answered HTTP ${response.status}`);
    }
    token = body["auth-token"];
    sessionStorage.setItem(tokenKey, token);
  }
  const headers = { Authorization: `Basic ${token}`, "X-Experience-API-Version": "1.0.3" };
  const agent = encodeURIComponent(actorText);
  const stateUrl = `${base}activities/state?stateId=LMS.LaunchData&activityId=${encodeURIComponent(activityId)}&agent=${agent}&registration=${encodeURIComponent(registration)}`;
  const state = await fetch(stateUrl, { headers });
  if (!state.ok) throw new Error(`LMS.LaunchData answered HTTP ${state.status}`);
  const data = await state.json();
  let preferences = {};
  try {
    const response = await fetch(`${base}agents/profile?profileId=cmi5LearnerPreferences&agent=${agent}`, { headers });
    if (response.ok) preferences = await response.json();
  } catch (error) {
    preferences = {};
  }
  const contextTemplate = data.contextTemplate || {};
  const sessionId = (contextTemplate.extensions || {})[SESSION_ID] || "";
  current = { base, token, actor, registration, activityId, contextTemplate, sessionKey: `specialist.cmi5.session:${fetchUrl}` };
  const session = sessionFlags();
  // The learner's language preference comes first; the LMS's launch parameters may override it.
  const language = (preferences.languagePreference || "").split(",")[0].trim();
  const parameters = typeof data.launchParameters === "string" ? data.launchParameters : "";
  return {
    endpoint: base,
    token,
    registration,
    sessionId,
    learnerId: (actor.account && actor.account.name) || actor.mbox || "",
    learnerName: actor.name || "",
    launchMode: data.launchMode || "",
    masteryScore: data.masteryScore === undefined || data.masteryScore === null ? "" : String(data.masteryScore),
    returnUrl: data.returnURL || "",
    launchParameters: [language && `locale=${encodeURIComponent(language)}`, parameters].filter(Boolean).join("&"),
    initialized: session.initialized === true,
    terminated: session.terminated === true,
  };
}

const SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
const MASTERY_SCORE = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore";

// What this launch has sent, kept for a reload of the same page (sessionStorage): a
// reload must not send initialized again, and nothing may follow terminated.
function sessionFlags() {
  try {
    return JSON.parse(sessionStorage.getItem(current.sessionKey) || "{}");
  } catch (error) {
    return {};
  }
}

export function markSession(name) {
  const flags = sessionFlags();
  flags[name] = true;
  sessionStorage.setItem(current.sessionKey, JSON.stringify(flags));
}

// One statement on the context template: { id, body }. `masteryScore` (when not empty) goes
// into the context as cmi5 requires for passed and failed.
export function statement(verbIri, display, categories, resultMembers, masteryScore) {
  const id = uuid();
  const context = structuredClone(current.contextTemplate);
  context.registration = current.registration;
  if (categories.length > 0) {
    context.contextActivities = context.contextActivities || {};
    const list = context.contextActivities.category || [];
    for (const category of categories) {
      if (!list.some((entry) => entry.id === category)) list.push({ id: category, objectType: "Activity" });
    }
    context.contextActivities.category = list;
  }
  if (masteryScore) {
    context.extensions = { ...(context.extensions || {}), [MASTERY_SCORE]: Number(masteryScore) };
  }
  const body = {
    id,
    actor: current.actor,
    verb: { id: verbIri, display: { "en-US": display } },
    object: { id: current.activityId, objectType: "Activity" },
    context,
    timestamp: new Date().toISOString(),
  };
  if (resultMembers) body.result = JSON.parse(`{${resultMembers}}`);
  return { id, body: JSON.stringify(body) };
}

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
  current = { base, token, actor, registration, activityId, contextTemplate: data.contextTemplate || {} };
  return {
    endpoint: base,
    token,
    registration,
    learnerId: (actor.account && actor.account.name) || actor.mbox || "",
    learnerName: actor.name || "",
    launchMode: data.launchMode || "",
    masteryScore: data.masteryScore === undefined || data.masteryScore === null ? "" : String(data.masteryScore),
    moveOn: data.moveOn || "",
    returnUrl: data.returnURL || "",
    launchParameters: typeof data.launchParameters === "string" ? data.launchParameters : "",
    language: preferences.languagePreference || "",
  };
}

// One statement on the context template: { id, body }.
export function statement(verbIri, display, categories, resultMembers) {
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

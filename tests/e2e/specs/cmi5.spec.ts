// cmi5: a small LMS and LRS written here (fetch URL, LMS.LaunchData, learner preferences,
// the statements resource, a return address) launches the tiny test course the way a cmi5
// LMS does, and records every request. A Normal launch that completes the course and both
// exams sends exactly initialized → completed → passed → terminated, each statement valid
// under the cmi5 rules; a Browse launch sends only initialized → terminated; the fetch URL
// is POSTed once; exit goes to the returnURL.
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, readToEnd } from './fixtures';
import { completeCourse, withServer } from './tiny-course';

let data = '';
test.beforeEach(() => { data = mkdtempSync(join(tmpdir(), 'specialist-cmi5-')); });
test.afterEach(() => rmSync(data, { recursive: true, force: true }));

const TOKEN = 'c3BlY2lhbGlzdDpzZWNyZXQ=';
const SESSION = 'https://w3id.org/xapi/cmi5/context/extensions/sessionid';
const CMI5 = 'https://w3id.org/xapi/cmi5/context/categories/cmi5';
const MOVE_ON = 'https://w3id.org/xapi/cmi5/context/categories/moveon';
const ACTOR = { objectType: 'Agent', name: 'Ada Lovelace', account: { homePage: 'https://lms.example.com', name: 'ada-42' } };
const REGISTRATION = '8f6d5a3e-2c1b-4d9e-9f0a-1b2c3d4e5f60';
const ACTIVITY = 'urn:specialist:course:tiny-course:au';
const SESSION_ID = 'session-7c0d';
const VERB = (name: string) => `http://adlnet.gov/expapi/verbs/${name}`;

type Seen = { method: string; path: string; query: URLSearchParams; headers: IncomingMessage['headers']; body: string };
type Statement = Record<string, any>;

/** The LMS and LRS: everything the AU asks is recorded; statements are kept in arrival order. */
class Lms {
  seen: Seen[] = [];
  statements: Statement[] = [];
  url = '';
  private server: HttpServer;
  constructor(private launchMode: 'Normal' | 'Browse') {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        const address = new URL(request.url!, 'http://lms.invalid');
        this.seen.push({ method: request.method!, path: address.pathname, query: address.searchParams, headers: request.headers, body });
        response.setHeader('Access-Control-Allow-Origin', '*');
        response.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Experience-API-Version');
        response.setHeader('Access-Control-Allow-Methods', 'GET, PUT, POST, OPTIONS');
        const json = (status: number, value: unknown) => {
          response.writeHead(status, { 'Content-Type': 'application/json' });
          response.end(JSON.stringify(value));
        };
        if (request.method === 'OPTIONS') { response.writeHead(204); response.end(); return; }
        if (address.pathname === '/fetch' && request.method === 'POST') {
          const uses = this.seen.filter((seen) => seen.path === '/fetch' && seen.method === 'POST').length;
          if (uses > 1) { json(200, { 'error-code': '1', 'error-text': 'the fetch URL was already used' }); return; }
          json(200, { 'auth-token': TOKEN });
          return;
        }
        if (address.pathname === '/returned') { response.writeHead(200, { 'Content-Type': 'text/html' }); response.end('<h1>Back in the LMS</h1>'); return; }
        if (request.headers.authorization !== `Basic ${TOKEN}`) { json(401, { error: 'no or wrong token' }); return; }
        if (address.pathname === '/xapi/activities/state' && address.searchParams.get('stateId') === 'LMS.LaunchData') {
          json(200, {
            contextTemplate: {
              contextActivities: { grouping: [{ id: 'urn:lms:course:7', objectType: 'Activity' }] },
              extensions: { [SESSION]: SESSION_ID, 'https://lms.example.com/extensions/cohort': 'north' },
            },
            launchMode: this.launchMode,
            launchMethod: 'AnyWindow',
            moveOn: 'CompletedAndPassed',
            masteryScore: 0.7,
            returnURL: `${this.url}returned`,
            launchParameters: 'partner=Tailspin%20Academy',
          });
          return;
        }
        if (address.pathname === '/xapi/agents/profile') { json(200, { languagePreference: 'en-US', audioPreference: 'on' }); return; }
        if (address.pathname === '/xapi/statements' && request.method === 'PUT') {
          const statement = JSON.parse(body);
          if (statement.id !== address.searchParams.get('statementId')) { json(400, { error: 'id differs' }); return; }
          this.keep(statement);
          response.writeHead(204);
          response.end();
          return;
        }
        if (address.pathname === '/xapi/statements' && request.method === 'POST') {
          const statements = [JSON.parse(body)].flat();
          statements.forEach((statement) => this.keep(statement));
          json(200, statements.map((statement) => statement.id));
          return;
        }
        json(404, { error: `nothing at ${address.pathname}` });
      });
    });
  }

  /** Keeps a statement once; records cmi5's ordering faults: anything before initialized
   * or after terminated. */
  private keep(statement: Statement) {
    if (this.statements.some((kept) => kept.id === statement.id)) return;
    const verb = statement.verb.id.replace('http://adlnet.gov/expapi/verbs/', '');
    if (this.statements.length === 0 && verb !== 'initialized') this.faults.push(`${verb} before initialized`);
    if (this.statements.some((kept) => kept.verb.id.endsWith('/terminated'))) this.faults.push(`${verb} after terminated`);
    if (verb === 'initialized' && this.statements.length > 0) this.faults.push('initialized twice');
    this.statements.push(statement);
  }

  faults: string[] = [];

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  stop() { this.server.close(); }

  launchUrl(app: string) {
    const params = new URLSearchParams({
      endpoint: `${this.url}xapi/`,
      fetch: `${this.url}fetch`,
      actor: JSON.stringify(ACTOR),
      registration: REGISTRATION,
      activityId: ACTIVITY,
    });
    return `${app}index.html?${params}`;
  }

  verbs() { return this.statements.map((statement) => statement.verb.id.replace('http://adlnet.gov/expapi/verbs/', '')); }
}

/** Runs `body` with an LMS in `mode` and the course's server, and stops both. */
async function withLms(mode: 'Normal' | 'Browse', body: (lms: Lms, launch: string) => Promise<void>) {
  const lms = new Lms(mode);
  await lms.start();
  try {
    await withServer(data, (server) => body(lms, lms.launchUrl(server.url)));
  } finally {
    lms.stop();
  }
}

/** Every statement the AU sent holds to cmi5's rules. */
function expectValid(lms: Lms) {
  const ids = new Set<string>();
  for (const statement of lms.statements) {
    const verb = statement.verb.id.replace('http://adlnet.gov/expapi/verbs/', '');
    expect(statement.id, verb).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids.has(statement.id), 'statement ids are unique').toBe(false);
    ids.add(statement.id);
    expect(statement.actor).toEqual(ACTOR);
    expect(statement.verb.display['en-US']).toBe(verb);
    expect(statement.object).toEqual({ id: ACTIVITY, objectType: 'Activity' });
    expect(statement.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    const context = statement.context;
    expect(context.registration).toBe(REGISTRATION);
    expect(context.extensions[SESSION], 'the session id from the context template').toBe(SESSION_ID);
    expect(context.extensions['https://lms.example.com/extensions/cohort'], 'the template merged, not replaced').toBe('north');
    expect(context.contextActivities.grouping).toEqual([{ id: 'urn:lms:course:7', objectType: 'Activity' }]);
    const categories = (context.contextActivities.category ?? []).map((category: { id: string }) => category.id);
    expect(categories, `${verb} is cmi5-defined`).toContain(CMI5);
    expect(categories.includes(MOVE_ON), `${verb}: moveOn category`).toBe(['completed', 'passed', 'failed'].includes(verb));
    if (verb !== 'initialized') expect(statement.result.duration, verb).toMatch(/^PT(\d+H)?(\d+M)?(\d+(\.\d+)?S)?$/);
    if (verb === 'completed') expect(statement.result.completion).toBe(true);
    if (verb === 'passed') {
      expect(statement.result.success).toBe(true);
      expect(statement.result.score.scaled).toBeGreaterThanOrEqual(0.7);
    }
    if (verb === 'passed' || verb === 'failed') {
      expect(context.extensions['https://w3id.org/xapi/cmi5/context/extensions/masteryscore'], 'the masteryScore used').toBe(0.7);
    }
  }
  // Every LRS request carried the token and the xAPI version.
  for (const seen of lms.seen.filter((seen) => seen.path.startsWith('/xapi/') && seen.method !== 'OPTIONS')) {
    expect(seen.headers.authorization).toBe(`Basic ${TOKEN}`);
    expect(seen.headers['x-experience-api-version']).toBe('1.0.3');
  }
  expect(lms.seen.filter((seen) => seen.path === '/fetch' && seen.method === 'POST'), 'the fetch URL is POSTed once').toHaveLength(1);
  expect(lms.faults, 'no statement before initialized or after terminated').toEqual([]);
}

test('a Normal cmi5 launch sends initialized, completed, passed and terminated, each valid, and exits to the returnURL', async ({ page }) => {
  await withLms('Normal', async (lms, launch) => {
    await page.goto(launch);
    await expect(page.getByTestId('lms-exit')).toBeVisible();
    // launchParameters carry settings that override config.json.
    await expect(page.getByTestId('header-partner')).toHaveText(/Tailspin Academy/);
    await completeCourse(page, launch);
    await expect.poll(() => lms.verbs(), { timeout: 15_000 }).toEqual(['initialized', 'completed', 'passed']);
    await page.getByRole('button', { name: 'Return to the learning platform' }).click();
    await expect(page.getByRole('heading', { name: 'Back in the LMS' })).toBeVisible();
    expect(lms.verbs()).toEqual(['initialized', 'completed', 'passed', 'terminated']);
    expectValid(lms);
    expect(lms.statements[2].result.score.scaled).toBe(1);
  });
});

test('a reload ends the cmi5 session: terminated once, no second token or initialized, nothing after, and the page says so', async ({ page }) => {
  await withLms('Normal', async (lms, launch) => {
    await page.goto(launch);
    await expect(page.getByTestId('lms-exit')).toBeVisible();
    await expect.poll(() => lms.verbs()).toEqual(['initialized']);
    await page.reload();
    await expect(page.getByTestId('lms-ended')).toBeVisible();
    await expect.poll(() => lms.verbs()).toEqual(['initialized', 'terminated']);
    // Studying on records nothing more.
    await page.goto(`${launch}#/lessons/sky`);
    await readToEnd(page);
    await page.waitForTimeout(1_000);
    expect(lms.verbs()).toEqual(['initialized', 'terminated']);
    expectValid(lms);
  });
});

test('a Browse cmi5 launch records nothing but initialized and terminated, and no exam can start', async ({ page }) => {
  await withLms('Browse', async (lms, launch) => {
    await page.goto(`${launch}#/lessons/sky`);
    await expect(page.getByRole('heading', { level: 1, name: 'The colour of the sky' })).toBeVisible();
    await readToEnd(page);
    await page.goto(`${launch}#/exams/check`);
    await page.getByRole('button', { name: /^Start attempt 1 of/ }).click();
    await expect(page.getByText('Your LMS opened this course for review: exam attempts cannot be started here.')).toBeVisible();
    await page.getByRole('button', { name: 'Return to the learning platform' }).click();
    await expect(page.getByRole('heading', { name: 'Back in the LMS' })).toBeVisible();
    expect(lms.verbs()).toEqual(['initialized', 'terminated']);
    expectValid(lms);
  });
});

// The app inside an LMS, played by scorm-again (npm) for SCORM 1.2 and SCORM 2004: a
// harness page holds the runtime API and loads the package (the tiny test course's bundle)
// in an iframe, as an LMS does. It checks resume from the LMS's data on a fresh device,
// status, score, session time and interactions after the whole course, that scorm-again
// reports no error, and that with `unload` blocked by Permissions-Policy the session still
// ends with SetValue → Commit → Terminate and nothing after.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, readToEnd, type Page } from './fixtures';
import { Server, completeCourse, passExam, required } from './tiny-course';

// The LMS is the subject here; a service worker would only stand between the page and the
// routes that set the Permissions-Policy header.
test.use({ serviceWorkers: 'block' });

let data = '';
test.beforeEach(() => { data = mkdtempSync(join(tmpdir(), 'specialist-lms-')); });
test.afterEach(() => rmSync(data, { recursive: true, force: true }));

const HARNESS = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LMS harness</title>
<script src="scorm-again.min.js"></script>
<script>
  const edition = new URLSearchParams(location.search).get('edition');
  window.calls = [];
  window.errors = [];
  const settings = {
    autocommit: false,
    logLevel: 1,
    onLogMessage: (level, message) => {
      if (level === 4 || level === 'ERROR' || level === '4') window.errors.push(String(message));
    },
  };
  const api = edition === '2004' ? new Scorm2004API(settings) : new Scorm12API(settings);
  if (window.savedCmi) api.loadFromJSON(window.savedCmi);
  const names = edition === '2004'
    ? ['Initialize', 'SetValue', 'Commit', 'Terminate', 'GetValue']
    : ['LMSInitialize', 'LMSSetValue', 'LMSCommit', 'LMSFinish', 'LMSGetValue'];
  for (const name of names) {
    const original = api[name].bind(api);
    api[name] = (...args) => {
      const result = original(...args);
      if (!name.endsWith('GetValue')) window.calls.push({ name, element: args[0], value: args[1], result: String(result), error: String(api.lastErrorCode) });
      return result;
    };
  }
  if (edition === '2004') window.API_1484_11 = api; else window.API = api;
  window.lms = api;
</script></head>
<body><iframe id="course" title="Course" src="index.html" style="width:100%;height:95vh;border:0"></iframe></body></html>`;

/** The tiny course's bundle with the harness and scorm-again beside it, served by the real server. */
async function lmsServer(): Promise<Server> {
  const bundle = join(data, 'package');
  cpSync(required('SPECIALIST_TEST_COURSE_BUNDLE'), bundle, { recursive: true });
  const scormAgain = join(__dirname, '../node_modules/scorm-again/dist/scorm-again.min.js');
  cpSync(scormAgain, join(bundle, 'scorm-again.min.js'));
  writeFileSync(join(bundle, 'harness.html'), HARNESS);
  const server = new Server(data, '0', undefined, bundle);
  await server.start();
  return server;
}

type Call = { name: string; element?: string; value?: string; result: string; error: string };

async function calls(page: Page): Promise<Call[]> {
  return page.evaluate(() => (window as unknown as { calls: Call[] }).calls);
}

/** Opens the harness and waits for the course inside it to start talking to the LMS. */
async function launch(page: Page, server: Server, edition: '12' | '2004') {
  await page.goto(`${server.url}harness.html?edition=${edition}`);
  const frame = page.frameLocator('#course');
  await expect(frame.getByRole('heading', { level: 1 }).first()).toBeVisible();
  await expect.poll(async () => (await calls(page)).map((call) => call.name)).toContain(edition === '2004' ? 'Initialize' : 'LMSInitialize');
  return page.frame({ url: /index\.html/ })!;
}

/** Closes the course as an LMS does: the iframe goes away. */
async function close(page: Page) {
  await page.evaluate(() => document.getElementById('course')!.remove());
}

for (const edition of ['12', '2004'] as const) {
  const names = edition === '2004'
    ? { set: 'SetValue', commit: 'Commit', finish: 'Terminate', status: 'cmi.completion_status', location: 'cmi.location', session: 'cmi.session_time', exit: 'cmi.exit' }
    : { set: 'LMSSetValue', commit: 'LMSCommit', finish: 'LMSFinish', status: 'cmi.core.lesson_status', location: 'cmi.core.lesson_location', session: 'cmi.core.session_time', exit: 'cmi.core.exit' };

  test(`SCORM ${edition === '12' ? '1.2' : '2004'}: a lesson studied, the course closed, relaunched on a fresh device from the LMS's data resumes in place`, async ({ browser }) => {
    const server = await lmsServer();
    try {
      const first = await browser.newContext({ serviceWorkers: 'block' });
      const page = await first.newPage();
      const course = await launch(page, server, edition);
      await course.goto(`${server.url}index.html#/lessons/sky`);
      await expect(course.getByRole('heading', { level: 1, name: 'The colour of the sky' })).toBeVisible();
      await readToEnd(course);
      await expect(course.locator('.lesson-completion')).toHaveText('Lesson complete.');
      await close(page);
      const cmi = await page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { lms: { cmi: unknown } }).lms.cmi)));
      const recorded = await calls(page);
      expect(recorded.filter((call) => call.name === names.set && call.element === names.location).at(-1)?.value).toBe('sky');
      expect(recorded.at(-1)?.name, 'the session ends with Terminate').toBe(names.finish);
      expect(recorded.filter((call) => call.name === names.set && call.element === names.exit).at(-1)?.value).toBe('suspend');
      await first.close();

      // Another device: nothing in its storage, only what the LMS kept.
      const second = await browser.newContext({ serviceWorkers: 'block' });
      await second.addInitScript((saved) => { (window as unknown as { savedCmi: unknown }).savedCmi = saved; }, cmi);
      const again = await second.newPage();
      await again.goto(`${server.url}harness.html?edition=${edition}`);
      const resumed = again.frameLocator('#course');
      await expect(resumed.getByRole('heading', { level: 1, name: 'The colour of the sky' })).toBeVisible();
      await expect(resumed.locator('.lesson-completion')).toHaveText('Lesson complete.');
      expect(await again.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual([]);
      await second.close();
    } finally {
      await server.stop();
    }
  });

  test(`SCORM ${edition === '12' ? '1.2' : '2004'}: an exam passed on one device counts as passed on another, from the LMS's data alone`, async ({ browser }) => {
    const server = await lmsServer();
    try {
      const first = await browser.newContext({ serviceWorkers: 'block' });
      const page = await first.newPage();
      const course = await launch(page, server, edition);
      await passExam(course, `${server.url}index.html`, 'check');
      await close(page);
      const cmi = await page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { lms: { cmi: unknown } }).lms.cmi)));
      await first.close();

      const second = await browser.newContext({ serviceWorkers: 'block' });
      await second.addInitScript((saved) => { (window as unknown as { savedCmi: unknown }).savedCmi = saved; }, cmi);
      const again = await second.newPage();
      const resumed = await launch(again, server, edition);
      await resumed.goto(`${server.url}index.html#/exams/check`);
      await expect(resumed.getByText('You passed this exam.')).toBeVisible();
      await expect(resumed.getByRole('button', { name: /^Start attempt/ })).toHaveCount(0);
      await second.close();
    } finally {
      await server.stop();
    }
  });

  test(`SCORM ${edition === '12' ? '1.2' : '2004'}: a review launch records nothing but the time spent`, async ({ browser }) => {
    const server = await lmsServer();
    try {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      const mode = edition === '12' ? { core: { lesson_mode: 'review' } } : { mode: 'review' };
      await context.addInitScript((saved) => { (window as unknown as { savedCmi: unknown }).savedCmi = saved; }, mode);
      const page = await context.newPage();
      const course = await launch(page, server, edition);
      await course.goto(`${server.url}index.html#/lessons/sky`);
      await readToEnd(course);
      await expect(course.locator('.lesson-completion')).not.toHaveText('Lesson complete.');
      await close(page);
      const recorded = await calls(page);
      expect(recorded.filter((call) => call.name === names.set).map((call) => call.element)).toEqual([names.session]);
      expect(recorded.at(-1)?.name).toBe(names.finish);
      await context.close();
    } finally {
      await server.stop();
    }
  });

  test(`SCORM ${edition === '12' ? '1.2' : '2004'}: the whole course and both exams give the right status, score, session time and interactions, and with unload blocked the session still ends in order`, async ({ page }) => {
    const server = await lmsServer();
    try {
      // The course's document forbids unload handlers, as some LMSs' pages do.
      await page.route('**/index.html*', async (route) => {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), 'permissions-policy': 'unload=()' } });
      });
      // The LMS passes settings in its launch data; they override config.json.
      await page.addInitScript(() => { (window as unknown as { savedCmi: unknown }).savedCmi = { launch_data: 'partner=Fabrikam%20Learning' }; });
      const course = await launch(page, server, edition);
      await expect(page.frameLocator('#course').getByTestId('header-partner')).toHaveText(/Fabrikam Learning/);
      expect(await course.evaluate(() => (document as unknown as { featurePolicy: { allowsFeature: (name: string) => boolean } }).featurePolicy.allowsFeature('unload')), 'unload is blocked').toBe(false);
      await completeCourse(course, `${server.url}index.html`);
      await close(page);
      const recorded = await calls(page);
      expect(recorded.filter((call) => call.result !== 'true'), 'every call succeeded').toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { errors: string[] }).errors)).toEqual([]);

      // The end: values set, then one commit, then terminate, and nothing after.
      const finish = recorded.findIndex((call) => call.name === names.finish);
      expect(finish).toBe(recorded.length - 1);
      expect(recorded[finish - 1].name).toBe(names.commit);
      const exitAt = recorded.findIndex((call, index) => index > finish - 6 && call.element === names.exit);
      const sessionAt = recorded.findIndex((call, index) => index > finish - 6 && call.element === names.session);
      expect(exitAt).toBeGreaterThan(-1);
      expect(sessionAt).toBeGreaterThan(exitAt);
      expect(sessionAt).toBeLessThan(finish - 1);

      // What scorm-again holds (readable elements), and what the course set (write-only ones).
      const value = async (element: string) => String(await page.evaluate((name) => (window as unknown as { lms: { getCMIValue: (name: string) => unknown } }).lms.getCMIValue(name), element));
      const lastSet = (element: string) => recorded.filter((call) => call.name === names.set && call.element === element).at(-1)?.value;
      if (edition === '12') {
        expect(await value('cmi.core.lesson_status')).toBe('passed');
        expect(await value('cmi.core.score.raw')).toBe('100');
        expect(await value('cmi.core.score.min')).toBe('0');
        expect(await value('cmi.core.score.max')).toBe('100');
        expect(lastSet('cmi.core.session_time')).toMatch(/^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/);
        expect(lastSet('cmi.core.exit')).toBe('');
      } else {
        expect(await value('cmi.completion_status')).toBe('completed');
        expect(await value('cmi.success_status')).toBe('passed');
        expect(await value('cmi.score.scaled')).toBe('1');
        expect(await value('cmi.score.raw')).toBe('100');
        expect(await value('cmi.progress_measure')).toBe('1');
        expect(lastSet('cmi.session_time')).toMatch(/^PT(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?$/);
        expect(lastSet('cmi.exit')).toBe('normal');
      }
      // Each exam's two answers, right, as interactions.
      expect(await value('cmi.interactions._count')).toBe('4');
      expect([0, 1, 2, 3].map((index) => lastSet(`cmi.interactions.${index}.result`))).toEqual(['correct', 'correct', 'correct', 'correct']);
      expect([0, 1, 2, 3].map((index) => lastSet(`cmi.interactions.${index}.type`)).sort()).toEqual(['choice', 'choice', 'true-false', 'true-false']);
      const suspend = recorded.filter((call) => call.element === 'cmi.suspend_data').at(-1)!.value!;
      expect(suspend).toMatch(/^S1\.[A-Za-z0-9_-]+$/);
      expect(suspend.length).toBeLessThanOrEqual(edition === '12' ? 4096 : 64000);
    } finally {
      await server.stop();
    }
  });
}

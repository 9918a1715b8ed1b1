// Offline use, updates and moving progress, on the tiny test course behind the real
// server: the service worker precaches the whole bundle on the first visit, so with the
// network off (and the server stopped) the course, a lesson never opened, both exams and a
// certificate all work, and the certificate is delivered exactly once when the network
// returns; a new version waits until no attempt runs and then replaces the old one whole;
// progress exported to a file comes back after the browser's data is cleared; and the
// manifest and worker meet Chromium's installability criteria.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { test, expect, expectNoAxeViolations, subPathUrl, type Page } from './fixtures';
import { Server, completeCourse, confirmProfile, logLines, outboxEntries, required, withServer } from './tiny-course';

let data = '';
test.beforeEach(() => { data = mkdtempSync(join(tmpdir(), 'specialist-offline-')); });
test.afterEach(() => rmSync(data, { recursive: true, force: true }));

/** Waits until the service worker has precached this version and controls the page. */
async function offlineReady(page: Page): Promise<string> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
  return page.evaluate(() => document.querySelector<HTMLMetaElement>('meta[name="specialist-version"]')!.content);
}

/** What the app saved in local storage and IndexedDB, for comparing before and after. */
async function savedState(page: Page) {
  const local = await page.evaluate(() => {
    const saved: Record<string, string> = {};
    for (let index = 0; index < localStorage.length; index++) {
      const key = localStorage.key(index)!;
      if (key.startsWith('specialist.') && !key.startsWith('specialist.issuer-profile')) saved[key] = localStorage.getItem(key)!;
    }
    return saved;
  });
  return { local, outbox: await outboxEntries(page) };
}

test('offline after one visit: a new lesson, both exams and a certificate, delivered once when the network returns', async ({ page, context }) => {
  await withServer(data, async (server) => {
    await page.goto(server.url);
    await expect(page.getByRole('heading', { level: 1, name: 'Tiny Test Course' })).toBeVisible();
    await offlineReady(page);

    // No network at all: the browser is offline and the server is gone too.
    await context.setOffline(true);
    await server.stop();
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Tiny Test Course' })).toBeVisible();
    await expect(page.getByTestId('offline-status')).toContainText('You are offline.');
    // The lesson was never opened online; the exams were never started.
    await completeCourse(page, server.url);
    await confirmProfile(page, server.url);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'queued');
    await expect(page.getByTestId('offline-status')).toContainText('1 certificate is waiting to be sent when the network returns.');
    await expectNoAxeViolations(page);

    // The network returns: the outbox sends on `online`, and the server stores it once.
    await server.start();
    await context.setOffline(false);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified', { timeout: 30_000 });
    await expect(page.getByTestId('offline-status')).toHaveCount(0);
    await page.waitForTimeout(1_000);
    expect(logLines(server, /certificate (accepted|rejected)/), server.log).toHaveLength(1);
    expect(logLines(server, /certificate accepted.*status=201/), server.log).toHaveLength(1);
  });
});

test('under an LMS-style sub-path the worker’s scope is that folder and lessons open offline', async ({ page, context, problems }) => {
  const base = subPathUrl();
  await page.goto(base);
  await offlineReady(page);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.scope);
  expect(scope).toBe(base);
  await context.setOffline(true);
  await page.reload();
  await page.goto(`${base}#/lessons/ghg-scopes`);
  await expect(page.locator('#main .lesson-body figure img')).toBeVisible();
  expect(await page.locator('#main .lesson-body figure img').evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
  await context.setOffline(false);
  expect(problems).toEqual([]);
});

/** A copy of the tiny course's bundle (version 1), and version 2: the course republished
 * with its lesson reworded (so the lesson's content-hashed file has another name) and the
 * service worker regenerated, both with `cargo xtask`. Version 2's folder holds only its own
 * files: version 1's lesson is gone from the server. */
function twoVersions(): { first: string; second: string } {
  const first = join(data, 'v1');
  const second = join(data, 'v2');
  cpSync(required('SPECIALIST_TEST_COURSE_BUNDLE'), first, { recursive: true });
  cpSync(first, second, { recursive: true });
  const source = join(data, 'course-v2');
  cpSync(required('SPECIALIST_TEST_COURSE'), source, { recursive: true });
  const lesson = join(source, 'lessons/sky.md');
  writeFileSync(lesson, readFileSync(lesson, 'utf8').replace('On a clear day', 'In version 2: on a clear day'));
  rmSync(join(second, 'course'), { recursive: true });
  execFileSync(required('SPECIALIST_XTASK'), ['course', 'publish', source, join(second, 'course')]);
  execFileSync(required('SPECIALIST_XTASK'), ['service-worker', second]);
  // The browser revalidates sw.js with If-Modified-Since, to the second: a real deployment
  // comes later than the one before it, so date version 2's changed files a minute on.
  const later = new Date(Date.now() + 60_000);
  for (const changed of ['index.html', 'sw.js']) utimesSync(join(second, changed), later, later);
  return { first, second };
}

/** The `X-Specialist-Version` of every same-origin file the page loads from now on. */
function servedVersions(page: Page, origin: string): string[] {
  const versions: string[] = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.origin !== origin || url.pathname.startsWith('/api/')) return;
    versions.push(`${url.pathname} ${response.headers()['x-specialist-version'] ?? 'none'}`);
  });
  return versions;
}

async function answerAndGoOn(page: Page) {
  const question = page.locator('.question');
  if (await question.getByLabel('Blue', { exact: true }).count()) {
    await question.getByLabel('Blue', { exact: true }).check();
  } else {
    await question.getByLabel('True', { exact: true }).check();
  }
  await expect(page.locator('.save-state')).toHaveText('All answers saved on this device.');
}

test('a new version waits while an attempt runs, even across a closed tab, and replaces the old one whole after submission', async ({ context }) => {
  const { first, second } = twoVersions();
  let server = new Server(data, '0', undefined, first);
  await server.start();
  try {
    let page = await context.newPage();
    await page.goto(server.url);
    const versionOne = await offlineReady(page);
    await page.goto(`${server.url}#/exams/check`);
    await page.getByRole('button', { name: /^Start attempt 1 of/ }).click();
    await answerAndGoOn(page);
    await page.locator('.question-actions button:last-child').click();
    await expect(page.getByRole('heading', { name: 'Question 2 of 2' })).toBeVisible();

    // Version 2 is deployed at the same address while the attempt runs.
    const port = new URL(server.url).port;
    await server.stop();
    server = new Server(data, port, undefined, second);
    await server.start();
    // The app checks for updates every 30 minutes and when the network returns; the test asks now.
    expect(await page.evaluate(async () => {
      const registration = (await navigator.serviceWorker.getRegistration())!;
      await registration.update();
      for (let tries = 0; tries < 100 && !registration.waiting; tries++) await new Promise((resolve) => setTimeout(resolve, 200));
      return Boolean(registration.waiting);
    }), 'version 2 installs and waits').toBe(true);

    // A reload mid-attempt stays on version 1, and no update is offered during the attempt.
    let versions = servedVersions(page, new URL(server.url).origin);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Question 2 of 2' })).toBeVisible();
    await expect(page.getByTestId('update-ready')).toHaveCount(0);
    expect(versions.length).toBeGreaterThan(0);
    expect(versions.filter((entry) => !entry.endsWith(` ${versionOne}`))).toEqual([]);

    // The tab is closed: with no page left on version 1 the browser activates version 2,
    // yet the attempt reopens on version 1, pinned until it is submitted.
    await page.close();
    page = await context.newPage();
    versions = servedVersions(page, new URL(server.url).origin);
    await page.goto(`${server.url}#/exams/check/attempt`);
    await expect(page.getByRole('heading', { name: 'Question 2 of 2' })).toBeVisible();
    expect(await page.evaluate(() => document.querySelector<HTMLMetaElement>('meta[name="specialist-version"]')!.content)).toBe(versionOne);
    expect(versions.filter((entry) => !entry.endsWith(` ${versionOne}`))).toEqual([]);
    await expect(page.getByTestId('update-ready')).toHaveCount(0);
    // Version 1's lesson, which the server no longer has, still opens from the pinned copy.
    await page.goto(`${server.url}#/lessons/sky`);
    await expect(page.locator('#main .lesson-body')).toContainText('On a clear day the sky looks blue');
    await expect(page.locator('#main .lesson-body')).not.toContainText('In version 2');
    await page.goto(`${server.url}#/exams/check/attempt`);
    await expect(page.getByRole('heading', { name: 'Question 2 of 2' })).toBeVisible();
    await answerAndGoOn(page);
    await page.locator('.question-actions button:last-child').click();
    await page.getByRole('button', { name: 'Submit attempt' }).click();
    await page.locator('#confirm-submit').click();
    await expect(page.locator('.result-verdict')).toContainText('100 % — Passed');

    // Submitted: now the update is offered, and after it every file is version 2's.
    await expect(page.getByTestId('update-ready')).toBeVisible({ timeout: 10_000 });
    const workerTwo = await (await page.request.get(`${server.url}sw.js`)).text();
    const versionTwo = workerTwo.match(/const VERSION = "(\w+)"/)![1];
    expect(versionTwo).not.toBe(versionOne);
    versions = servedVersions(page, new URL(server.url).origin);
    await Promise.all([
      page.waitForEvent('load'),
      page.getByTestId('update-ready').getByRole('button', { name: 'Update now' }).click(),
    ]);
    await expect(page.locator('.result-verdict')).toContainText('100 % — Passed');
    expect(await page.evaluate(() => document.querySelector<HTMLMetaElement>('meta[name="specialist-version"]')!.content)).toBe(versionTwo);
    // Every file the page loaded is one of version 2's. Files whose names carry their
    // content hash are the same bytes in both versions, and the browser may reuse them
    // from its memory cache; every other file came from version 2's cache.
    const listed = new Set([...workerTwo.matchAll(/\["([^"]+)", "[0-9a-f]{64}"\]/g)].map((match) => `/${match[1]}`));
    const files = versions.filter((entry) => !entry.startsWith('/sw.js '));
    expect(files.length).toBeGreaterThan(3);
    const path = (entry: string) => entry.split(' ')[0].replace(/\/$/, '/index.html');
    expect(files.filter((entry) => !listed.has(path(entry)))).toEqual([]);
    expect(files.filter((entry) => !/-[0-9a-f]{16}\.\w+ /.test(entry) && !entry.endsWith(` ${versionTwo}`))).toEqual([]);
    // The attempt's history came along, and the lesson is version 2's now.
    await page.goto(`${server.url}#/exams/check`);
    await expect(page.locator('main')).toContainText(/Passed/);
    await page.goto(`${server.url}#/lessons/sky`);
    await expect(page.locator('#main .lesson-body')).toContainText('In version 2: on a clear day');
  } finally {
    await server.stop();
  }
});

test('progress exported to a file comes back after the browser data is cleared; a damaged or foreign file changes nothing', async ({ page, context }) => {
  await withServer(data, async (server) => {
    await page.goto(server.url);
    await offlineReady(page);
    await completeCourse(page, server.url);
    // The certificate waits in the outbox: the server is down.
    await server.stop();
    await confirmProfile(page, server.url);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'queued');
    const before = await savedState(page);
    expect(Object.keys(before.local).sort()).toEqual([
      'specialist.profile',
      'specialist.tiny-course.exam.check',
      'specialist.tiny-course.exam.final',
      'specialist.tiny-course.progress',
    ]);
    expect(before.outbox).toHaveLength(1);

    await page.goto(`${server.url}#/settings`);
    await expect(page.getByRole('heading', { level: 1, name: 'This device' })).toBeVisible();
    await expect(page.getByTestId('storage-usage')).toContainText(/The course uses .* of the .* this browser allows it/);
    await expectNoAxeViolations(page);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export progress' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^tiny-course-progress-\d{4}-\d{2}-\d{2}\.json$/);
    await expect(page.getByTestId('export-result')).toContainText('1 lesson finished, 2 exam attempts, 1 certificate');
    const exported = join(data, 'export.json');
    await download.saveAs(exported);

    // The browser clears everything this site stored (as Safari does after 7 days unused).
    const cdp = await context.newCDPSession(page);
    await cdp.send('Storage.clearDataForOrigin', { origin: new URL(server.url).origin, storageTypes: 'all' });
    await server.start();
    await page.goto(`${server.url}#/settings`);
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'This device' })).toBeVisible();
    const cleared = await savedState(page);
    expect(cleared.outbox).toEqual([]);
    expect(Object.keys(cleared.local).filter((key) => key !== 'specialist.tiny-course.progress')).toEqual([]);

    // Damaged, cut short or foreign files are refused by name, and nothing changes.
    const text = readFileSync(exported, 'utf8');
    const damaged = join(data, 'damaged.json');
    writeFileSync(damaged, text.replace('"Ada Lovelace"', '"Ada Lovelacf"'));
    const truncated = join(data, 'truncated.json');
    writeFileSync(truncated, text.slice(0, text.length / 2));
    const foreign = join(data, 'foreign.json');
    writeFileSync(foreign, JSON.stringify({ hello: 'world' }));
    for (const [file, message] of [
      [damaged, 'the file is damaged or was edited: its checksum does not match its contents'],
      [truncated, 'the file is not JSON (it may be damaged or cut short)'],
      [foreign, 'the file is not a progress export that this version can read'],
    ]) {
      await page.getByLabel('Progress file').setInputFiles(file);
      await expect(page.getByTestId('import-error')).toContainText(message);
      await expect(page.getByTestId('import-error')).toContainText('Nothing on this device was changed.');
      expect(await savedState(page)).toEqual(cleared);
    }

    // The real file: summarised, confirmed, and everything is back as it was.
    await page.getByLabel('Progress file').setInputFiles(exported);
    await expect(page.getByTestId('import-summary')).toContainText('1 lesson finished, 2 exam attempts, 1 certificate');
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: "Replace this device's progress" }).click(),
    ]);
    await expect(page.getByRole('heading', { level: 1, name: 'This device' })).toBeVisible();
    const restored = await savedState(page);
    expect(restored.local).toEqual(before.local);
    // The same certificate, exactly as signed; the server is up, so it may already be on its way.
    const certificate = (entries: unknown[]) => entries.map((entry) => {
      const { id, kind, url, body, created_wall } = entry as Record<string, unknown>;
      return { id, kind, url, body, created_wall };
    });
    expect(certificate(restored.outbox)).toEqual(certificate(before.outbox));

    // And the queued certificate, signed before the data was cleared, is delivered.
    await page.goto(`${server.url}#/certificate`);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified', { timeout: 30_000 });
    expect(logLines(server, /certificate accepted.*status=201/), server.log).toHaveLength(1);
  });
});

test('the web app manifest and service worker meet Chromium’s installability criteria', async ({ browserName: _ }, testInfo) => {
  // Installing needs a profile on disk: Chromium refuses it in a throwaway (incognito) context.
  const launch = testInfo.project.use.launchOptions!;
  const context = await chromium.launchPersistentContext(join(data, 'profile'), {
    executablePath: launch.executablePath,
    args: launch.args,
  });
  await withServer(data, async (server) => {
    const page = await context.newPage();
    await page.goto(server.url);
    await offlineReady(page);
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    expect(manifest.errors).toEqual([]);
    expect(manifest.url).toBe(`${server.url}manifest.webmanifest`);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    // The partner's colour from config.json tints the window once the app runs.
    await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', '#0a5c9e');
    // The icons it names are served: 192 and 512 px, and maskable ones.
    const parsed = JSON.parse(manifest.data!);
    expect(parsed.icons.map((icon: { sizes: string; purpose: string }) => `${icon.sizes} ${icon.purpose}`)).toEqual([
      '192x192 any', '512x512 any', '192x192 maskable', '512x512 maskable',
    ]);
    for (const icon of parsed.icons) {
      const response = await page.request.get(new URL(icon.src, manifest.url).href);
      expect(response.headers()['content-type']).toBe('image/png');
    }
  }).finally(() => context.close());
});

// The tiny test course (tests/fixtures/tiny-course) served by the real specialist-server,
// which a spec starts, stops and restarts itself, and the steps that complete the course.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Frame } from '@playwright/test';
import { expect, expectNoAxeViolations, readToEnd, type Page } from './fixtures';

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite with \`cargo xtask test\``);
  return value;
}

/** A specialist-server child process serving the test course; its log is kept. */
export class Server {
  url = '';
  log = '';
  private child: ChildProcess | null = null;
  constructor(
    private data: string,
    private port = '0',
    private course = required('SPECIALIST_TEST_COURSE'),
    private bundle = required('SPECIALIST_TEST_COURSE_BUNDLE'),
  ) {}

  async start(): Promise<void> {
    const child = spawn(required('SPECIALIST_SERVER_BINARY'), [
      '--bundle', this.bundle,
      '--course', this.course,
      '--db', join(this.data, 'certificates.db'),
      '--port', this.port,
      '--rate-limit', '0',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (chunk) => { this.log += chunk.toString(); });
    this.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += chunk.toString();
        const found = out.match(/https?:\/\/[^\s]+\//);
        if (found) resolve(found[0]);
      });
      child.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${this.log}`)));
    });
    this.port = new URL(this.url).port;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    this.child = null;
  }
}

/** Runs `body` with a server keeping its database in `data`, and always stops it. */
export async function withServer(data: string, body: (server: Server) => Promise<void>, course?: string): Promise<void> {
  const server = new Server(data, '0', course);
  await server.start();
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

/** Reads the lesson to its end, then passes both exams with the right answers. */
export async function completeCourse(page: Page | Frame, url: string) {
  await page.goto(`${url}#/lessons/sky`);
  await expect(page.getByRole('heading', { level: 1, name: 'The colour of the sky' })).toBeVisible();
  await readToEnd(page);
  await expect(page.locator('.lesson-completion')).toHaveText('Lesson complete.');
  await page.goto(`${url}#/`);
  await expect(page.locator('.lesson-item').filter({ hasText: 'The colour of the sky' })).toContainText(/Complete/i);
  for (const exam of ['check', 'final']) await passExam(page, url, exam);
}

/** Takes attempt 1 at `exam` (check or final) with the right answers and submits it. */
export async function passExam(page: Page | Frame, url: string, exam: string) {
  await page.goto(`${url}#/exams/${exam}`);
  await page.getByRole('button', { name: /^Start attempt 1 of/ }).click();
  for (let position = 0; position < 2; position++) {
    const question = page.locator('.question');
    await expect(page.getByRole('heading', { name: `Question ${position + 1} of 2` })).toBeVisible();
    if (await question.getByLabel('Blue', { exact: true }).count()) {
      await question.getByLabel('Blue', { exact: true }).check();
    } else {
      await question.getByLabel('True', { exact: true }).check();
    }
    await expect(page.locator('.save-state')).toHaveText('All answers saved on this device.');
    await page.locator('.question-actions button:last-child').click();
  }
  await page.getByRole('button', { name: 'Submit attempt' }).click();
  await page.locator('#confirm-submit').click();
  await expect(page.locator('.result-verdict')).toContainText('100 % — Passed');
}

export async function confirmProfile(page: Page, url: string, checkAccessibility = false) {
  await page.goto(`${url}#/certificate`);
  await expect(page.getByLabel('Full name')).toBeVisible();
  if (checkAccessibility) await expectNoAxeViolations(page);
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Organisation').fill('Analytical Partners');
  await page.getByRole('button', { name: 'Confirm and create my certificate' }).click();
}

/** The server log's lines that match `outcome`. */
export function logLines(server: Server, outcome: RegExp): string[] {
  return server.log.split('\n').filter((line) => outcome.test(line));
}

/** The outbox entries the app keeps in IndexedDB. */
export function outboxEntries(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() => new Promise<Record<string, unknown>[]>((resolve, reject) => {
    const open = indexedDB.open('specialist');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction('outbox').objectStore('outbox').getAll();
      all.onsuccess = () => resolve(all.result);
      all.onerror = () => reject(all.error);
    };
  }));
}

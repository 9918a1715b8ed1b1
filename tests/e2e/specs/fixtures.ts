// Shared test fixtures: the two server URLs, and a page that records every console error
// and failed request so a test can assert the app loaded cleanly.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test as base, expect, type Frame, type Page } from '@playwright/test';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the suite with \`cargo xtask test\`, which starts the servers`);
  }
  return value;
}

export const rootUrl = () => required('SPECIALIST_URL');
export const subPathUrl = () => required('SPECIALIST_SUB_PATH_URL');

type Problems = { problems: string[] };

export const test = base.extend<Problems>({
  problems: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A reload or navigation cancels requests still in flight (the favicon, say): not a fault.
      if (request.failure()?.errorText !== 'net::ERR_ABORTED') {
        problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
      }
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
    });
    await use(problems);
  },
});

const axeSource = readFileSync(createRequire(__filename).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page and expects no violation. */
export async function expectNoAxeViolations(page: Page) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    // @ts-expect-error axe is injected above.
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation: { id: string; nodes: { target: string[] }[] }) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  });
  expect(violations).toEqual([]);
}

/**
 * Scrolls to the end of the open lesson once its text is in the app's page, as a reader
 * does: before that the end is right under the title (or in index.html's early paint).
 */
export async function readToEnd(page: Page | Frame) {
  await expect(page.locator('#main .lesson-body')).not.toBeEmpty();
  await page.locator('.lesson-footer').scrollIntoViewIfNeeded();
}

export { expect, type Page };

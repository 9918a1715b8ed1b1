// The course player as a learner uses it: completing a lesson, resuming after a reload,
// searching, and surviving damaged storage. Each test starts with empty browser storage.
import { test, expect, readToEnd, rootUrl, type Page } from './fixtures';

const PROGRESS_KEY = 'specialist.sustainability-specialization.progress';

async function percentComplete(page: Page): Promise<number> {
  const text = await page.locator('.standing').innerText();
  const match = /^(\d+) % complete/.exec(text);
  if (!match) throw new Error(`no percentage in "${text}"`);
  return Number(match[1]);
}

test('answering the check and reading to the end completes the lesson and grows course progress', async ({ page, problems }) => {
  await page.goto(rootUrl());
  await expect(page.locator('.standing')).toContainText('0 % complete');
  await page.getByRole('link', { name: 'Start the course' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Why customers now ask about sustainability');
  const completion = page.locator('.lesson-completion');
  await expect(completion).toHaveText(/Read to the end/);

  const check = page.locator('#main form.knowledge-check');
  await check.getByLabel('Because the products they buy from you count in their own value-chain emissions.').check();
  await check.getByRole('button', { name: 'Check answer' }).click();
  await expect(check.getByRole('status')).toHaveText(/^Correct/);
  await expect(check.getByText('Right. Purchased goods')).toBeVisible();
  // Answered, but the end of the lesson is still below the fold: not complete yet.
  await expect(completion).toHaveText(/Read to the end/);

  await readToEnd(page);
  await expect(completion).toHaveText('Lesson complete.');

  await page.getByRole('link', { name: 'Course', exact: true }).click();
  await expect.poll(() => percentComplete(page)).toBeGreaterThan(0);
  await expect(page.locator('.lesson-item').first()).toContainText('Complete');
  await expect(page.getByRole('link', { name: 'Continue' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('a reload returns to the same lesson, scroll position and answers', async ({ page, problems }) => {
  await page.goto(`${rootUrl()}#/lessons/ghg-scopes`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('The three scopes of the GHG Protocol');
  await page.locator('#main form.knowledge-check').getByLabel('Electricity bought to run their data centre.').check();
  await page.getByRole('button', { name: 'Check answer' }).click();
  await page.evaluate(() => window.scrollTo(0, 500));
  const before = await page.evaluate(() => window.scrollY);
  expect(before).toBeGreaterThan(300);
  // The position is saved a moment after scrolling stops (in thousandths of the page).
  const expected = await page.evaluate(() => Math.round((window.scrollY / (document.documentElement.scrollHeight - window.innerHeight)) * 1000));
  await expect
    .poll(() => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{}')?.lessons?.['ghg-scopes']?.scroll_permille, PROGRESS_KEY))
    .toBe(expected);

  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('The three scopes of the GHG Protocol');
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(before - 40);
  expect(await page.evaluate(() => window.scrollY)).toBeLessThan(before + 40);
  await expect(page.locator('#main form.knowledge-check').getByLabel('Electricity bought to run their data centre.')).toBeChecked();

  // Opening the course without an address resumes this lesson.
  await page.goto('about:blank');
  await page.goto(rootUrl());
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('The three scopes of the GHG Protocol');
  expect(problems).toEqual([]);
});

test('a lesson opened cold is readable before the app has started, and the app takes over in place', async ({ page, problems }) => {
  // Hold the app's wasm, as a slow network does, until the lesson has been read a little.
  let release = () => {};
  const held = new Promise<void>((resolve) => { release = resolve; });
  await page.route(/_bg\.wasm$/, async (route) => { await held; await route.continue(); });
  await page.goto(`${rootUrl()}#/lessons/why-customers-ask`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Why customers now ask about sustainability');
  const early = page.locator('#early-paint');
  await expect(early.locator('.lesson-body p').first()).toBeVisible();
  await expect(early.getByRole('link', { name: 'Course', exact: true })).toBeVisible();
  // Answers cannot be given before the app can save them.
  await expect(early.locator('form.knowledge-check button').first()).toBeDisabled();
  expect(await page.locator('#main').count(), 'the app has not started').toBe(0);
  await page.mouse.wheel(0, 600);
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
  const scrolled = await page.evaluate(() => window.scrollY);

  release();
  await expect(early).toHaveCount(0);
  await expect(page.locator('#main .lesson-body p').first()).toBeVisible();
  expect(await page.locator('.lesson-body').count(), 'one lesson on the page').toBe(1);
  expect(Math.abs(await page.evaluate(() => window.scrollY) - scrolled), 'the reader stays where they were').toBeLessThan(2);
  await expect(page.locator('#main form.knowledge-check').getByRole('button', { name: 'Check answer' })).toBeEnabled();
  expect(problems).toEqual([]);
});

test('a lesson opened cold runs the reader build, and the course home opens from it with the answer kept', async ({ page, problems }) => {
  const builds: string[] = [];
  page.on('request', (request) => {
    const build = /specialist-(reader|study|full)-[0-9a-f]{16}\.js$/.exec(request.url());
    if (build) builds.push(build[1]);
  });
  await page.goto(`${rootUrl()}#/lessons/why-customers-ask`);
  const check = page.locator('#main form.knowledge-check');
  await check.getByLabel('Because the products they buy from you count in their own value-chain emissions.').check();
  await check.getByRole('button', { name: 'Check answer' }).click();
  await expect(check.getByRole('status')).toHaveText(/^Correct/);
  expect(builds, 'a lesson address starts the reader build alone').toEqual(['reader']);

  // The reader build has no course home: it hands over to the study build, at the home
  // page it was asked for (the reload is not an opening, so it does not resume the lesson).
  await page.getByRole('link', { name: 'Course', exact: true }).click();
  await expect(page.locator('.standing')).toContainText('% complete');
  await expect(page.locator('.lesson-item').first()).toContainText('In progress');
  expect(new URL(page.url()).hash).toBe('#/');
  expect(builds).toEqual(['reader', 'study']);

  // Back to the lesson, now in the study build, with the answer as it was saved.
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Why customers now ask about sustainability');
  await expect(page.locator('#main form.knowledge-check').getByLabel('Because the products they buy from you count in their own value-chain emissions.')).toBeChecked();
  expect(builds, 'the study build shows lessons itself').toEqual(['reader', 'study']);
  expect(problems).toEqual([]);
});

test('searching a word found in one lesson lists that lesson first and opens it at the match', async ({ page, problems }) => {
  await page.goto(rootUrl());
  await page.getByRole('link', { name: 'Search' }).click();
  const box = page.getByLabel('Search lessons and the glossary');
  await expect(box).toBeFocused();
  await box.pressSequentially('refriger');
  const first = page.locator('.search-result').first();
  await expect(first.getByRole('link')).toHaveText('The three scopes of the GHG Protocol');
  await expect(first.locator('mark')).toHaveText('refriger');
  await expect(page.getByRole('status').filter({ hasText: 'result' })).toHaveText('1 result for “refriger”.');
  await first.getByRole('link').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('The three scopes of the GHG Protocol');
  const match = page.locator('mark.search-match');
  await expect(match).toHaveText('refriger');
  await expect(match).toBeInViewport();
  expect(problems).toEqual([]);
});

test('damaged saved progress is reported, kept for download, and the app still works', async ({ page, problems }) => {
  await page.goto(rootUrl());
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  const garbage = '{"schema": 1, "lessons": [broken';
  await page.evaluate(([key, value]) => localStorage.setItem(key, value), [PROGRESS_KEY, garbage]);
  await page.reload();

  const notice = page.getByRole('alert').filter({ hasText: 'Your saved progress could not be read' });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('not valid JSON');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    notice.getByRole('button', { name: 'Download the unreadable data' }).click(),
  ]);
  const saved = await download.path();
  const fs = await import('node:fs');
  expect(fs.readFileSync(saved, 'utf8')).toBe(garbage);

  // The app works and saves again.
  await page.getByRole('link', { name: 'Why customers now ask about sustainability' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Why customers now ask about sustainability');
  await expect.poll(() => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null')?.last_lesson, PROGRESS_KEY)).toBe('why-customers-ask');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect(notice).toBeHidden();
  expect(problems).toEqual([]);
});

test('a glossary term opens its definition in place and closes with Escape', async ({ page, problems }) => {
  await page.goto(`${rootUrl()}#/lessons/why-customers-ask`);
  await page.locator('#main a.glossary-term').first().click();
  const popover = page.getByRole('dialog');
  await expect(popover.getByRole('heading')).toHaveText('Scope 3 emissions');
  await expect(popover).toContainText('15 categories');
  await expect(popover.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(popover).toBeHidden();
  expect(problems).toEqual([]);
});

test('a scenario plays two decisions deep and restarts', async ({ page, problems }) => {
  await page.goto(`${rootUrl()}#/lessons/targets-and-claims`);
  const scenario = page.locator('#main .scenario');
  await scenario.getByRole('button', { name: 'Ask what the goal behind the request is.' }).click();
  await expect(scenario.getByText('They explain that the company has a science-based target')).toBeVisible();
  await scenario.getByRole('button', { name: 'Energy-efficient equipment, power management and a plan to report the savings.' }).click();
  await expect(scenario.getByText('This supports their target with numbers they can report.')).toBeVisible();
  await scenario.getByRole('button', { name: 'Start the scenario again' }).click();
  await expect(scenario.getByText('You now know the goal is measured reduction.')).toBeHidden();
  expect(problems).toEqual([]);
});

test('worksheet entries are saved as the learner types and survive a reload', async ({ page, problems }) => {
  await page.goto(`${rootUrl()}#/lessons/why-customers-ask`);
  const field = page.locator('#main').getByLabel('A question for the next meeting');
  await field.fill('Which reporting year are you preparing for?');
  await expect(page.locator('#main .activity .worksheet-status')).toHaveText('Saved');
  await page.reload();
  await expect(page.locator('#main').getByLabel('A question for the next meeting')).toHaveValue('Which reporting year are you preparing for?');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the worksheet' }).click()]);
  expect(download.suggestedFilename()).toBe('why-customers-ask-customer-drivers.txt');
  const fs = await import('node:fs');
  expect(fs.readFileSync(await download.path(), 'utf8')).toContain('Which reporting year are you preparing for?');
  expect(problems).toEqual([]);
});

test('on a 360 px phone nothing overflows sideways', async ({ page, problems }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const pages: [string, string][] = [
    ['#/', '.module-list'],
    ['#/lessons/why-customers-ask', '#main .lesson-body .activity'],
    ['#/lessons/ghg-scopes', '#main .lesson-body figure'],
    ['#/search?q=carbon', '.search-result'],
  ];
  for (const [hash, ready] of pages) {
    await page.goto(`${rootUrl()}${hash}`);
    await expect(page.locator(ready).first()).toBeVisible();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${hash} is ${width} px wide`).toBeLessThanOrEqual(360);
  }
  expect(problems).toEqual([]);
});

test('a knowledge check can be answered with the keyboard alone', async ({ page, problems }) => {
  await page.goto(`${rootUrl()}#/lessons/ghg-scopes`);
  const check = page.locator('#main form.knowledge-check');
  const first = check.getByLabel('Electricity bought to run their data centre.');
  await first.focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Space');
  await expect(check.getByLabel('Cooling bought from a district cooling network.')).toBeChecked();
  // Tab past the remaining options to the button, then press Enter.
  await check.getByRole('button', { name: 'Check answer' }).focus();
  await page.keyboard.press('Enter');
  await expect(check.getByRole('status')).toHaveText(/^Correct/);
  expect(problems).toEqual([]);
});

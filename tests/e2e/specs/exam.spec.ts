// Timed exams as a learner sits them: resuming after a reload, a clock that never gives
// time back, deadlines that pass while the tab is hidden or closed, one tab per attempt,
// the keyboard alone, and axe-core on the attempt and results pages. The browser clock is
// Playwright's fake clock, so an hour passes in milliseconds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, rootUrl, expectNoAxeViolations, type Page } from './fixtures';

const COURSE = 'sustainability-specialization';
const EXAM = 'foundations';
const LIMIT_MINUTES = 10;
const START = new Date('2026-11-28T09:00:00Z');

type Answer =
  | { type: 'single_choice'; option: string }
  | { type: 'multiple_response'; options: string[] }
  | { type: 'true_false'; answer: boolean }
  | { type: 'ordering'; items: string[] }
  | { type: 'matching'; pairs: Record<string, string> }
  | { type: 'numeric'; answer: string };

// The right answers, written from the exam source (course/exams/*.toml) by the authors.
const answers: Record<string, Record<string, Answer>> = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'exam-answers.json'), 'utf8'),
);

/** Marks every lesson complete, so the exam's prerequisites are met. */
async function completeAllLessons(page: Page) {
  const manifest = await (await page.request.get(`${rootUrl()}course/manifest.json`)).json();
  const lessons: Record<string, unknown> = {};
  for (const module of manifest.modules) {
    for (const lesson of module.lessons) {
      lessons[lesson.id] = {
        reached_end: true,
        checks: Object.fromEntries(lesson.checks.map((check: string) => [check, [0]])),
        scroll_permille: 1000,
        worksheets: {},
        seconds_on_task: 60,
      };
    }
  }
  const progress = { schema: 1, course: COURSE, lessons, last_lesson: null, seconds_on_task: 0 };
  await page.evaluate(
    ([key, value]) => localStorage.setItem(key, value),
    [`specialist.${COURSE}.progress`, JSON.stringify(progress)],
  );
  // The app reads saved progress when it loads.
  await page.reload();
}

async function startAttempt(page: Page) {
  await page.clock.install({ time: START });
  await page.goto(rootUrl());
  await completeAllLessons(page);
  await page.goto(`${rootUrl()}#/exams/${EXAM}`);
  await page.getByRole('button', { name: /^Start attempt 1 of/ }).click();
  await expect(page.getByRole('heading', { name: /^Question 1 of/ })).toBeVisible();
}

async function currentQuestionId(page: Page): Promise<string> {
  return (await page.locator('.question').getAttribute('data-question')) ?? '';
}

/** The navigator marks the question on screen answered, and storage holds it. */
async function expectCurrentAnswered(page: Page, type: string) {
  await expect(page.locator('.nav-cell[aria-current="step"]'), `a ${type} question`).toHaveAccessibleName(/^Question \d+, answered/);
  await expect(page.locator('.save-state')).toHaveText('All answers saved on this device.');
}

/** Answers the question on screen: rightly, or with a wrong answer when `right` is false. */
async function answerCurrent(page: Page, right = true, practice = false) {
  const id = await currentQuestionId(page);
  const answer = answers[EXAM][id];
  if (!answer) throw new Error(`exam-answers.json has no answer for ${EXAM}/${id}`);
  const question = page.locator('.question');
  switch (answer.type) {
    case 'single_choice':
      if (right) await question.getByLabel(answer.option, { exact: true }).check();
      else await question.locator('label.choice').filter({ hasNotText: answer.option }).first().locator('input').check();
      break;
    case 'multiple_response':
      for (const option of right ? answer.options : answer.options.slice(0, 1)) await question.getByLabel(option, { exact: true }).check();
      if (!right) {
        const all = question.locator('input[type=checkbox]');
        for (let index = 0; index < (await all.count()); index++) await all.nth(index).check();
      }
      break;
    case 'true_false':
      await question.getByLabel(right === answer.answer ? 'True' : 'False', { exact: true }).check();
      break;
    case 'ordering': {
      const wanted = right ? answer.items : [...answer.items].reverse();
      for (let target = 0; target < wanted.length; target++) {
        for (;;) {
          const texts = await question.locator('.order-text').allInnerTexts();
          const at = texts.indexOf(wanted[target]);
          if (at === target) break;
          await question.getByRole('button', { name: `Move “${wanted[target]}” up` }).click();
        }
      }
      if (await question.getByRole('button', { name: 'Keep this order as my answer' }).isVisible()) {
        await question.getByRole('button', { name: 'Keep this order as my answer' }).click();
      }
      break;
    }
    case 'matching': {
      const prompts = Object.keys(answer.pairs);
      for (const [index, prompt] of prompts.entries()) {
        const match = answer.pairs[right ? prompt : prompts[(index + 1) % prompts.length]];
        await question.getByLabel(prompt, { exact: true }).selectOption({ label: match });
      }
      break;
    }
    case 'numeric':
      await question.getByLabel(/^Your answer/).fill(right ? answer.answer : '999999');
      await question.getByLabel(/^Your answer/).press('Tab');
      break;
  }
  if (!practice) await expectCurrentAnswered(page, answer.type);
}

/** Checks that the question on screen shows its right answer as selected. */
async function expectAnswerShown(page: Page) {
  const answer = answers[EXAM][await currentQuestionId(page)];
  const question = page.locator('.question');
  switch (answer.type) {
    case 'single_choice':
      await expect(question.getByLabel(answer.option, { exact: true })).toBeChecked();
      break;
    case 'multiple_response':
      for (const option of answer.options) await expect(question.getByLabel(option, { exact: true })).toBeChecked();
      break;
    case 'true_false':
      await expect(question.getByLabel(answer.answer ? 'True' : 'False', { exact: true })).toBeChecked();
      break;
    case 'ordering':
      await expect(question.locator('.order-text')).toHaveText(answer.items);
      await expect(question.getByRole('button', { name: 'Keep this order as my answer' })).toHaveCount(0);
      break;
    case 'matching':
      for (const [prompt, match] of Object.entries(answer.pairs)) {
        await expect(question.getByLabel(prompt, { exact: true }).locator('option:checked')).toHaveText(match);
      }
      break;
    case 'numeric':
      await expect(question.getByLabel(/^Your answer/)).toHaveValue(answer.answer);
      break;
  }
}

async function remainingSeconds(page: Page): Promise<number> {
  const text = await page.getByRole('timer').innerText();
  const parts = text.split(':').map(Number);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

async function savedAttempt(page: Page) {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null')?.attempts?.at(-1), `specialist.${COURSE}.exam.${EXAM}`);
}


test('a reload resumes the attempt at the same question with its answers and remaining time', async ({ page, problems }) => {
  await startAttempt(page);
  const answered: Record<string, string> = {};
  for (let question = 0; question < 3; question++) {
    await answerCurrent(page);
    answered[await currentQuestionId(page)] = 'yes';
    await page.getByRole('button', { name: 'Next', exact: true }).click();
  }
  await page.clock.runFor(95_000);
  // The clock stands still across the reload, so the remaining time compares exactly.
  await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1_000));
  const questionBefore = await currentQuestionId(page);
  const before = await remainingSeconds(page);
  expect(before).toBeLessThanOrEqual(LIMIT_MINUTES * 60 - 95);

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Question 4 of 4' })).toBeVisible();
  expect(await currentQuestionId(page)).toBe(questionBefore);
  await expect.poll(() => remainingSeconds(page)).toBeLessThanOrEqual(before);
  expect(await remainingSeconds(page)).toBeGreaterThanOrEqual(before - 2);
  // The three answers are still there, shown in the navigator and held in storage.
  for (const position of [1, 2, 3]) {
    await expect(page.getByRole('button', { name: new RegExp(`^Question ${position}, answered`) })).toBeVisible();
  }
  expect(Object.keys((await savedAttempt(page)).responses).sort()).toEqual(Object.keys(answered).sort());
  // Going back shows the first answer as given.
  await page.getByRole('button', { name: /^Question 1, answered/ }).click();
  await expect(page.getByRole('heading', { name: 'Question 1 of 4' })).toBeVisible();
  await expectAnswerShown(page);
  expect(problems).toEqual([]);
});

test('moving the wall clock back an hour does not give time back, before or after a reload', async ({ page, problems }) => {
  await startAttempt(page);
  await page.clock.runFor(120_000);
  const before = await remainingSeconds(page);
  expect(before).toBeLessThanOrEqual(LIMIT_MINUTES * 60 - 120);

  await page.clock.setSystemTime(new Date(START.getTime() + 120_000 - 3_600_000));
  await page.clock.runFor(3_000);
  const afterJump = await remainingSeconds(page);
  expect(afterJump).toBeLessThanOrEqual(before);

  await page.reload();
  await expect(page.getByRole('timer')).not.toHaveText('--:--');
  expect(await remainingSeconds(page)).toBeLessThanOrEqual(afterJump);
  const events = (await savedAttempt(page)).transcript.events.map((event: { event: unknown }) => event.event);
  expect(events).toContainEqual({ clock_jump: expect.objectContaining({ direction: 'backward' }) });
  expect(problems).toEqual([]);
});

test('time running out in a hidden tab submits the held answers when the learner returns', async ({ page, problems }) => {
  await startAttempt(page);
  await answerCurrent(page, true);
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await answerCurrent(page, false);
  const setVisibility = (state: 'hidden' | 'visible') =>
    page.evaluate((state) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
  await setVisibility('hidden');
  await page.clock.runFor((LIMIT_MINUTES + 2) * 60_000);
  // Still hidden: nothing has been decided on the learner's behalf yet.
  await expect(page.getByRole('heading', { name: 'Question 2 of 4' })).toBeVisible();

  await setVisibility('visible');
  await expect(page.getByRole('alert').filter({ hasText: 'Time is up' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('results of attempt 1');
  await expect(page.locator('.result-verdict')).toContainText('1 of 4 right');
  await expect(page.getByText('It was submitted automatically when time ran out.')).toBeVisible();
  const attempt = await savedAttempt(page);
  expect(attempt.submission.reason).toBe('deadline');
  expect(Object.keys(attempt.responses)).toHaveLength(2);
  expect(problems).toEqual([]);
});

test('an attempt opened after its deadline is submitted on load and cannot be resumed', async ({ page, context, problems }) => {
  await startAttempt(page);
  await answerCurrent(page, true);
  await page.close();
  const later = await context.newPage();
  await later.clock.fastForward((LIMIT_MINUTES + 5) * 60_000);
  await later.goto(`${rootUrl()}#/exams/${EXAM}/attempt`);
  await expect(later.getByRole('heading', { level: 1 })).toContainText('results of attempt 1');
  await expect(later.getByText('It was submitted when the exam was reopened after its deadline.')).toBeVisible();
  await expect(later.locator('.result-verdict')).toContainText('1 of 4 right');
  await later.goto(`${rootUrl()}#/exams/${EXAM}/attempt`);
  await expect(later.getByRole('heading', { name: 'No attempt in progress' })).toBeVisible();
  await later.goto(`${rootUrl()}#/exams/${EXAM}`);
  await expect(later.getByRole('button', { name: /^Start attempt/ })).toHaveCount(0);
  await expect(later.getByText(/Your next attempt opens in/)).toBeVisible();
  expect(problems).toEqual([]);
});

test('a second tab shows the attempt read-only until the first lets go', async ({ page, context, problems }) => {
  await startAttempt(page);
  await answerCurrent(page, true);
  const second = await context.newPage();
  await second.goto(`${rootUrl()}#/exams/${EXAM}/attempt`);
  await expect(second.getByText('This attempt is open in another tab or window')).toBeVisible();
  await expect(second.getByRole('button', { name: 'Next', exact: true })).toBeDisabled();
  await expect(second.locator('.question input, .question select, .question button').first()).toBeDisabled();
  await page.close();
  await expect(second.getByText('This attempt is open in another tab or window')).toHaveCount(0);
  await expect(second.getByRole('button', { name: 'Next', exact: true })).toBeEnabled();
  await expect(second.getByRole('button', { name: /^Question 1, answered/ })).toBeVisible();
  expect(problems).toEqual([]);
});

/** Presses Tab until `selector` has focus (the keyboard way to reach a control). */
async function tabTo(page: Page, selector: string) {
  for (let presses = 0; presses < 80; presses++) {
    if (await page.evaluate((selector) => document.activeElement?.matches(selector) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function answerWithKeyboard(page: Page) {
  const id = await currentQuestionId(page);
  const answer = answers[EXAM][id];
  const labelled = async (text: string, kind: string) => {
    const inputId = await page.evaluate(([text, kind]) => {
      const label = [...document.querySelectorAll('.question label')].find((label) => label.textContent?.trim() === text);
      const input = label?.querySelector(kind) ?? (label?.htmlFor ? document.getElementById(label.htmlFor) : null);
      if (input && !input.id) input.id = `keyboard-${Math.random().toString(36).slice(2)}`;
      return input?.id;
    }, [text, kind]);
    if (!inputId) throw new Error(`no control labelled ${text}`);
    return `#${inputId}`;
  };
  switch (answer.type) {
    case 'single_choice':
    case 'true_false': {
      // A radio group is one Tab stop; the arrow keys move through it, selecting as they go.
      const wanted = answer.type === 'single_choice' ? answer.option : answer.answer ? 'True' : 'False';
      await tabTo(page, '.question input[type=radio]');
      await page.keyboard.press('Space');
      for (let step = 0; step < 10; step++) {
        const label = await page.evaluate(() => (document.activeElement as HTMLInputElement).parentElement?.textContent?.trim());
        if (label === wanted) break;
        await page.keyboard.press('ArrowDown');
      }
      await expect(page.locator('.question input:checked')).toHaveCount(1);
      break;
    }
    case 'multiple_response':
      for (const option of answer.options) {
        await tabTo(page, await labelled(option, 'input'));
        await page.keyboard.press('Space');
      }
      break;
    case 'ordering':
      for (let target = 0; target < answer.items.length; target++) {
        for (;;) {
          const texts = await page.locator('.order-text').allInnerTexts();
          if (texts.indexOf(answer.items[target]) === target) break;
          const up = await page.evaluate((text) => [...document.querySelectorAll('.order-buttons button')].find((button) => button.getAttribute('aria-label') === `Move “${text}” up`)?.id, answer.items[target]);
          if (await page.evaluate((id) => document.activeElement?.id !== id, up)) await tabTo(page, `#${up}`);
          await page.keyboard.press('Enter');
        }
      }
      if (await page.getByRole('button', { name: 'Keep this order as my answer' }).isVisible()) {
        await tabTo(page, '.ordering > button');
        await page.keyboard.press('Enter');
      }
      break;
    case 'matching':
      for (const [prompt, match] of Object.entries(answer.pairs)) {
        const select = await labelled(prompt, 'select');
        await tabTo(page, select);
        for (let step = 0; step < 12; step++) {
          const chosen = await page.evaluate((selector) => {
            const element = document.querySelector(selector) as HTMLSelectElement;
            return element.selectedOptions[0]?.textContent;
          }, select);
          if (chosen === match) break;
          await page.keyboard.press('ArrowDown');
        }
      }
      break;
    case 'numeric':
      await tabTo(page, '.numeric input');
      await page.keyboard.type(answer.answer);
      await page.keyboard.press('Tab');
      break;
  }
  await expectCurrentAnswered(page, answer.type);
}

test('an exam can be completed with the keyboard alone, and axe finds no violations', async ({ page, problems }) => {
  await page.clock.install({ time: START });
  await page.goto(rootUrl());
  await completeAllLessons(page);
  await page.goto(`${rootUrl()}#/exams/${EXAM}`);
  // The lessons ran on the study build; the exam page opens once the full build has taken
  // over (a reload), and only then is there anything to tab to.
  await expect(page.getByRole('button', { name: /^Start attempt 1 of/ })).toBeVisible();
  await tabTo(page, 'button:not([disabled])');
  await expect(page.locator(':focus')).toHaveText(/^Start attempt 1 of/);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Question 1 of 4' })).toBeVisible();
  await expectNoAxeViolations(page);

  for (let position = 1; position <= 4; position++) {
    // Each new question screen puts the keyboard on its heading (the first opens with the page).
    const heading = page.getByRole('heading', { name: `Question ${position} of 4` });
    if (position > 1) await expect(heading).toBeFocused();
    else await expect(heading).toBeVisible();
    await answerWithKeyboard(page);
    // The timer ticks on without taking the keyboard focus away from the learner's place.
    await page.evaluate(() => document.activeElement?.setAttribute('data-had-focus', ''));
    await page.clock.runFor(3_000);
    expect(await page.evaluate(() => document.activeElement?.hasAttribute('data-had-focus'))).toBe(true);
    if (position === 2) {
      await tabTo(page, '.flag-button');
      await page.keyboard.press('Enter');
      await expect(page.locator('.flag-button')).toHaveAttribute('aria-pressed', 'true');
    }
    await tabTo(page, '.question-actions button:last-child');
    await page.keyboard.press('Enter');
  }
  await expect(page.getByRole('heading', { name: 'Review before submitting' })).toBeFocused();
  await expect(page.getByText('You have answered 4 of 4 questions.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Flagged for review' })).toBeVisible();
  await expectNoAxeViolations(page);
  await tabTo(page, '.question-actions button:last-child');
  await page.keyboard.press('Enter');
  await expect(page.locator('#confirm-submit')).toBeFocused();
  await expectNoAxeViolations(page);
  await page.keyboard.press('Enter');

  await expect(page.getByRole('heading', { level: 1 })).toContainText('results of attempt 1');
  await expect(page.locator('.result-verdict')).toContainText('100 % — Passed');
  await expect(page.locator('.review-item.review-right')).toHaveCount(4);
  await expect(page.locator('.explanation').first()).toBeVisible();
  await expectNoAxeViolations(page);
  expect(problems).toEqual([]);
});

test('practice gives a verdict per answer, keeps no timer and never counts as an attempt', async ({ page, problems }) => {
  await page.goto(rootUrl());
  await completeAllLessons(page);
  await page.goto(`${rootUrl()}#/exams/${EXAM}`);
  await page.getByRole('link', { name: 'Practise' }).click();
  await expect(page.getByRole('heading', { name: /^Practice question 1 of 4$/ })).toBeVisible();
  await expect(page.getByRole('timer')).toHaveCount(0);
  await answerCurrent(page, true, true);
  await page.getByRole('button', { name: 'Check answer' }).click();
  await expect(page.locator('.practice-feedback')).toHaveText('Right.');
  await page.getByRole('button', { name: 'Next', exact: true }).click();
  await expect(page.getByRole('heading', { name: /^Practice question 2 of 4$/ })).toBeVisible();
  await answerCurrent(page, false, true);
  await page.getByRole('button', { name: 'Check answer' }).click();
  await expect(page.locator('.practice-feedback')).toHaveText(/^Not quite/);
  // The set survives a reload, and the exam still has every attempt left.
  const first = await currentQuestionId(page);
  await page.reload();
  expect(await currentQuestionId(page)).toBe(first);
  await page.getByRole('link', { name: 'Back to the exam' }).click();
  await expect(page.getByText('0 of 3 used')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Start attempt 1 of 3' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('the timer announces 10, 5 and 1 minutes and 30 seconds left, warns near the end, and submits at zero', async ({ page, problems }) => {
  await startAttempt(page);
  await answerCurrent(page, true);
  const announcer = page.locator('[aria-live="polite"]').filter({ hasText: /left\.$/ });
  await expect(page.getByRole('timer')).toHaveAttribute('aria-live', 'off');
  await page.clock.runFor(2_000);
  await expect(announcer).toHaveText('10 minutes left.');
  await page.clock.runFor(5 * 60_000);
  await expect(announcer).toHaveText('5 minutes left.');
  await expect(page.locator('.timer-box')).not.toHaveClass(/timer-warning/);
  await page.clock.runFor(4 * 60_000);
  await expect(announcer).toHaveText('1 minute left.');
  await expect(page.locator('.timer-box')).toHaveClass(/timer-warning/);
  await page.clock.runFor(31_000);
  await expect(announcer).toHaveText('30 seconds left.');
  // The visible tab submits the moment time is up, with the answer it held.
  await page.clock.runFor(30_000);
  await expect(page.getByRole('alert').filter({ hasText: 'Time is up' })).toBeVisible();
  await expect(page.locator('.result-verdict')).toContainText('1 of 4 right');
  expect((await savedAttempt(page)).submission.reason).toBe('deadline');
  expect(problems).toEqual([]);
});

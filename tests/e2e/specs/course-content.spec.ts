// The real course as built (course/): every lesson of all eight modules opens and renders
// with no console error, no failed request, every image loaded and every glossary link
// naming a term the glossary holds; nothing is left announced as planned.
import { test, expect } from './fixtures';

function courseUrl(): string {
  const value = process.env.SPECIALIST_COURSE_URL;
  if (!value) throw new Error('SPECIALIST_COURSE_URL is not set: run the suite with `cargo xtask test`');
  return value;
}

type Lesson = { id: string; title: string };
type Module = { id: string; title: string; planned?: boolean; lessons: Lesson[] };
type Manifest = { modules: Module[]; exams: { id: string; planned?: boolean }[]; glossary_file: string };

async function manifest(request: import('@playwright/test').APIRequestContext): Promise<Manifest> {
  return (await request.get(`${courseUrl()}course/manifest.json`)).json();
}

test('every lesson of all eight modules renders cleanly, with its images and glossary links', async ({ page, problems, request }) => {
  test.setTimeout(300_000);
  const course = await manifest(request);
  const glossary: { id: string }[] = await (await request.get(`${courseUrl()}course/${course.glossary_file}`)).json();
  const terms = new Set(glossary.map((term) => term.id));
  expect(course.modules.map((module) => Boolean(module.planned)), 'no module is only planned').toEqual(Array(8).fill(false));
  let lessons = 0;
  for (const module of course.modules) {
    for (const lesson of module.lessons) {
      await page.goto(`${courseUrl()}#/lessons/${lesson.id}`);
      await expect(page.getByRole('heading', { level: 1, name: lesson.title }), lesson.id).toBeVisible();
      const body = page.locator('#main .lesson-body');
      await expect(body.locator('p').first(), `${lesson.id} has text`).toBeVisible();
      // Every image has loaded (a broken one has no natural width).
      const images = await body.locator('img').evaluateAll((elements) =>
        elements.map((image) => ({ src: (image as HTMLImageElement).src, loaded: (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0 })));
      for (const image of images) expect(image.loaded, `${lesson.id}: ${image.src}`).toBe(true);
      // Every glossary link names a term of the published glossary.
      const linked = await body.locator('a.glossary-term').evaluateAll((links) => links.map((link) => link.getAttribute('data-term') ?? ''));
      for (const term of linked) expect(terms.has(term), `${lesson.id}: glossary term ${term}`).toBe(true);
      lessons += 1;
    }
  }
  expect(lessons).toBe(course.modules.reduce((sum, module) => sum + module.lessons.length, 0));
  expect(lessons).toBeGreaterThanOrEqual(32);
  expect(problems).toEqual([]);
});

test('the whole course is published: no module or exam is announced as coming later', async ({ page, problems, request }) => {
  const course = await manifest(request);
  expect(course.exams.map((exam) => [exam.id, Boolean(exam.planned)])).toEqual([['exam-1', false], ['exam-2', false]]);
  await page.goto(courseUrl());
  await expect(page.locator('.module-item')).toHaveCount(8);
  await expect(page.getByText('coming in a later version')).toHaveCount(0);
  await page.goto(`${courseUrl()}#/exams/exam-2`);
  await expect(page.getByRole('heading', { level: 1, name: 'Specialization exam 2: modules 5–8' })).toBeVisible();
  await expect(page.getByText(/This exam is not available yet/)).toHaveCount(0);
  await expect(page.locator('main')).toContainText('Forty questions on modules 5 to 8');
  expect(problems).toEqual([]);
});

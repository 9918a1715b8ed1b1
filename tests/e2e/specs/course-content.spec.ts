// The real course as built (course/): every lesson of every written module opens and
// renders with no console error, no failed request, every image loaded and every glossary
// link naming a term the glossary holds; planned modules and exams say so.
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

test('every lesson of the written modules renders cleanly, with its images and glossary links', async ({ page, problems, request }) => {
  test.setTimeout(240_000);
  const course = await manifest(request);
  const glossary: { id: string }[] = await (await request.get(`${courseUrl()}course/${course.glossary_file}`)).json();
  const terms = new Set(glossary.map((term) => term.id));
  const written = course.modules.filter((module) => !module.planned);
  expect(written.length, 'modules with lessons').toBeGreaterThanOrEqual(4);
  let lessons = 0;
  for (const module of written) {
    for (const lesson of module.lessons) {
      await page.goto(`${courseUrl()}#/lessons/${lesson.id}`);
      await expect(page.getByRole('heading', { level: 1, name: lesson.title }), lesson.id).toBeVisible();
      const body = page.locator('.lesson-body');
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
  expect(lessons).toBeGreaterThanOrEqual(16);
  expect(problems).toEqual([]);
});

test('planned modules and exams are listed as coming and cannot be started, and nothing else is', async ({ page, problems, request }) => {
  const course = await manifest(request);
  const plannedModule = course.modules.find((module) => module.planned);
  const plannedExam = course.exams.find((exam) => exam.planned);
  await page.goto(courseUrl());
  await expect(page.locator('.module-item').first()).toBeVisible();
  if (!plannedModule) {
    // Once every module is written, none may still say it is coming.
    await expect(page.getByText('coming in a later version')).toHaveCount(0);
  } else {
    await expect(page.locator('.module-item').filter({ hasText: plannedModule.title })).toContainText('coming in a later version');
    await page.goto(`${courseUrl()}#/modules/${plannedModule.id}`);
    await expect(page.getByText(/This module is planned/)).toBeVisible();
  }
  if (plannedExam) {
    await page.goto(`${courseUrl()}#/exams/${plannedExam.id}`);
    await expect(page.getByText(/This exam is not available yet/)).toBeVisible();
    await expect(page.getByRole('button', { name: /^Start attempt/ })).toHaveCount(0);
  }
  expect(problems).toEqual([]);
});

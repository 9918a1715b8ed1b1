// The course outline loads from the published manifest and renders, at the root and under
// an LMS-style sub-path, with hash routes and without a single console error.
import { test, expect, rootUrl, subPathUrl, type Page } from './fixtures';

const COURSE_TITLE = 'Environmental Sustainability Specialization';
const MODULES = ['Sustainability in the technology business', 'Measuring carbon'];
const EXAMS = ['Foundations check', 'Final exam'];

async function expectCourseHome(page: Page) {
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(COURSE_TITLE);
  await expect(page.getByRole('region', { name: 'Modules' }).getByRole('heading', { level: 3 })).toHaveText(MODULES);
  await expect(page.getByRole('region', { name: 'Exams' }).getByRole('heading', { level: 3 })).toHaveText(EXAMS);
  await expect(page).toHaveTitle(COURSE_TITLE);
}

for (const [where, url] of [
  ['at the root', rootUrl],
  ['under /lms/pkg/123/', subPathUrl],
] as const) {
  test.describe(`served ${where}`, () => {
    test('shows the course title and modules with no console errors', async ({ page, problems }) => {
      await page.goto(url());
      await expectCourseHome(page);
      expect(problems).toEqual([]);
    });

    test('every asset is fetched from under the base path', async ({ page, problems }) => {
      const base = new URL(url());
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(url());
      await expectCourseHome(page);
      expect(requested.length).toBeGreaterThan(3);
      for (const address of requested) {
        expect(address.startsWith(base.href), `${address} is outside ${base.href}`).toBe(true);
      }
      expect(problems).toEqual([]);
    });

    test('hash routes open a module, go back, and survive a reload', async ({ page, problems }) => {
      await page.goto(url());
      await page.getByRole('link', { name: MODULES[1] }).click();
      await expect(page).toHaveURL(/#\/modules\/measuring-carbon$/);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(MODULES[1]);
      await page.reload();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(MODULES[1]);
      await page.goBack();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(COURSE_TITLE);
      expect(problems).toEqual([]);
    });
  });
}

test('an unknown hash route says what was not found and links home', async ({ page, problems }) => {
  await page.goto(`${rootUrl()}#/modules/no-such-module`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not found');
  await expect(page.getByText('no-such-module')).toBeVisible();
  await page.getByRole('link', { name: 'Go to the course home' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(COURSE_TITLE);
  expect(problems).toEqual([]);
});

// These two fake the network with page.route, which never sees requests a service worker
// answers; without a worker the app fetches the manifest from the network as it would on a
// first visit.
test.describe('without a service worker', () => {
  test.use({ serviceWorkers: 'block' });

  test('a missing manifest shows a clear error instead of a blank page', async ({ page }) => {
    await page.route('**/course/manifest.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.goto(rootUrl());
    const alert = page.getByRole('alert');
    await expect(alert.getByRole('heading')).toHaveText('The course could not be loaded');
    await expect(alert).toContainText('course/manifest.json answered HTTP 404');
    await expect(alert.getByRole('button', { name: 'Try again' })).toBeVisible();
  });

  test('a manifest from another format is refused with both formats named', async ({ page }) => {
    await page.route('**/course/manifest.json', async (route) => {
      const response = await route.fetch();
      const manifest = await response.json();
      await route.fulfill({ response, json: { ...manifest, format: 99 } });
    });
    await page.goto(rootUrl());
    await expect(page.getByRole('alert')).toContainText('has format 99, but this app reads format 1');
  });
});

test('a partner named in the launch link shows in the header, and an unreadable accent is darkened with a warning', async ({ page }) => {
  const warnings: string[] = [];
  page.on('console', (message) => { if (message.type() === 'warning') warnings.push(message.text()); });
  await page.goto(`${rootUrl()}?partner=Contoso%20Partners&accent=%23ffee00&locale=de`);
  await expect(page.getByTestId('header-partner')).toHaveText(/Contoso Partners/);
  const accent = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--partner-accent').trim());
  expect(accent).toMatch(/^#[0-9a-f]{6}$/);
  expect(accent).not.toBe('#ffee00');
  const contrast = await page.evaluate((colour) => {
    const channel = (index: number) => {
      const value = parseInt(colour.slice(1 + index * 2, 3 + index * 2), 16) / 255;
      return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    };
    const luminance = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
    return 1.05 / (luminance + 0.05);
  }, accent);
  expect(contrast).toBeGreaterThanOrEqual(4.5);
  await expect(page.locator('meta[name="theme-color"]')).toHaveAttribute('content', accent);
  expect(warnings.some((warning) => warning.includes('accent colour #ffee00 is too light'))).toBe(true);
  expect(warnings.some((warning) => warning.includes('locale "de" is not available yet'))).toBe(true);
});

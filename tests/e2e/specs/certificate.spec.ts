// Certificates end to end, on the one-lesson test course (tests/fixtures/tiny-course)
// served by the real specialist-server, which this spec starts, stops and restarts itself:
// a learner completes the course, the browser signs the certificate and posts it, the
// server re-grades and answers with an Open Badges credential; with the server down the
// certificate waits in the outbox and is delivered exactly once when it returns; the
// certificate prints on one page whose QR code decodes to the verification address.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { test, expect, expectNoAxeViolations } from './fixtures';
import { Server, completeCourse, confirmProfile, logLines, outboxEntries, required, withServer } from './tiny-course';

/** RFC 8785 bytes of a JSON value without numbers other than safe integers (a credential's case). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object).sort().map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function base58(bytes: Uint8Array): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let number = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let text = '';
  while (number > 0n) {
    text = alphabet[Number(number % 58n)] + text;
    number /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    text = '1' + text;
  }
  return text;
}

/** `document` with `changes`, re-signed eddsa-jcs-2022 by a fresh Ed25519 key (a forger's),
 * naming it `method` (by default the key's own did:key). */
function resign(document: Record<string, unknown>, changes: Record<string, unknown>, method?: string): Record<string, unknown> {
  const { proof, ...unsigned } = { ...document, ...changes } as Record<string, unknown> & { proof: Record<string, unknown> };
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const multikey = 'z' + base58(Uint8Array.from([0xed, 0x01, ...raw]));
  const { proofValue: _dropped, ...config } = { ...proof, verificationMethod: method ?? `did:key:${multikey}#${multikey}` } as Record<string, unknown>;
  const hash = (text: string) => createHash('sha256').update(text).digest();
  const signature = sign(null, Buffer.concat([hash(canonical(config)), hash(canonical(unsigned))]), privateKey);
  return { ...unsigned, proof: { ...config, proofValue: 'z' + base58(signature) } };
}

let data = '';
test.beforeEach(() => { data = mkdtempSync(join(tmpdir(), 'specialist-certificate-')); });
test.afterEach(() => rmSync(data, { recursive: true, force: true }));

test('a completed course is signed in the browser, posted, verified, and downloadable', async ({ page, problems }) => {
  await withServer(data, async (server) => {
    await completeCourse(page, server.url);
    await confirmProfile(page, server.url, true);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified', { timeout: 15_000 });
    await expect(page.locator('.certificate-name')).toHaveText('Ada Lovelace');
    await expectNoAxeViolations(page);
    // On a 360 px phone the certificate fits without sideways scrolling.
    await page.setViewportSize({ width: 360, height: 740 });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `the certificate page is ${width} px wide`).toBeLessThanOrEqual(360);
    await page.setViewportSize({ width: 1280, height: 720 });
    await expect(page.locator('.certificate-course')).toHaveText('Tiny Test Course');
    await expect(page.locator('.certificate-scores li')).toHaveCount(2);
    await expect(page.locator('.certificate-scores li').first()).toHaveText('Quick check: 100 % (pass mark 50 %)');
    // The partner's co-brand from config.json, with its logo loaded.
    await expect(page.locator('.certificate-co-brand')).toHaveText('Northwind Partners');
    expect(await page.locator('.certificate-co-brand img').evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);

    // The signed certificate as downloaded: an eddsa-jcs-2022 proof by a WebCrypto key.
    const [certificateDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download signed certificate (JSON)' }).click(),
    ]);
    const certificate = JSON.parse(readFileSync(await certificateDownload.path(), 'utf8'));
    expect(certificate.type).toBe('SpecialistCompletionCertificate');
    expect(certificate.proof.cryptosuite).toBe('eddsa-jcs-2022');
    expect(certificate.device_key.protection).toBe('webcrypto-non-extractable');
    expect(certificate.learner.name).toBe('Ada Lovelace');
    expect(certificate.exams.map((exam: { exam: string }) => exam.exam)).toEqual(['check', 'final']);

    // The credential the server answered with is what its API serves.
    const [credentialDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download Open Badges credential (JSON)' }).click(),
    ]);
    const credential = JSON.parse(readFileSync(await credentialDownload.path(), 'utf8'));
    expect(credential.type).toContain('OpenBadgeCredential');
    const uuid = certificate.id.replace('urn:uuid:', '');
    const served = await (await page.request.get(`${server.url}api/v1/certificates/${uuid}`)).json();
    expect(served).toEqual(credential);

    // The in-app verifier holds the credential and refuses an edited certificate.
    await page.goto(`${server.url}#/verify`);
    await page.getByLabel('Certificate or credential JSON').fill(JSON.stringify(credential));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.locator('.verdict')).toHaveAttribute('data-holds', 'true');
    await expect(page.locator('.finding-holds')).toContainText(['The signing key is one the issuer publishes.']);
    // A credential re-signed by a key of its own (a forger's, named as a did:key or as a
    // key of the issuer) does not hold: the issuer publishes no such key.
    const forged = resign(credential, { name: 'A Forged Course' });
    await page.getByLabel('Certificate or credential JSON').fill(JSON.stringify(forged));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.locator('.verdict')).toHaveAttribute('data-holds', 'false');
    const claimed = resign(credential, { name: 'A Forged Course' }, `${credential.issuer.id}#key-forged`);
    await page.getByLabel('Certificate or credential JSON').fill(JSON.stringify(claimed));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.locator('.verdict')).toHaveAttribute('data-holds', 'false');
    await expect(page.locator('.finding-fails')).toContainText(['The signing key is not among the keys the issuer publishes.']);
    certificate.exams[0].score_basis_points = 10000 - 1;
    await page.getByLabel('Certificate or credential JSON').fill(JSON.stringify(certificate));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.locator('.verdict')).toHaveAttribute('data-holds', 'false');
    await expect(page.locator('.finding-fails').first()).toContainText('signature does not match');
    await expectNoAxeViolations(page);
    expect(problems).toEqual([]);

    // Offline, the credential still checks against the issuer keys kept from the last visit.
    await page.context().setOffline(true);
    await page.getByLabel('Certificate or credential JSON').fill(JSON.stringify(credential));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(page.locator('.verdict')).toHaveAttribute('data-holds', 'true');
    await page.context().setOffline(false);
  });
});

test('with the server down the certificate waits queued, and is delivered exactly once when it returns', async ({ page }) => {
  await withServer(data, async (server) => {
    await completeCourse(page, server.url);
    await server.stop();
    await confirmProfile(page, server.url);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'queued');
    await expect(page.locator('.delivery')).toContainText('it will be sent when the server can be reached');
    // The certificate is already printable and downloadable while queued.
    await expect(page.locator('.certificate-name')).toHaveText('Ada Lovelace');

    // It is kept durably in IndexedDB, not only in the page.
    const stored = await outboxEntries(page);
    expect(stored).toHaveLength(1);
    expect(stored[0].state).toBe('queued');
    expect(stored[0].attempts).toBeGreaterThan(0);

    await server.start();
    // The outbox retries on its own (exponential backoff with jitter, capped).
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified', { timeout: 30_000 });
    // One POST reached the server, and it stored the certificate (201).
    expect(logLines(server, /certificate accepted/), server.log).toHaveLength(1);
    expect(logLines(server, /certificate accepted.*status=201/), server.log).toHaveLength(1);
    expect(logLines(server, /certificate rejected/), server.log).toHaveLength(0);

    // Opening the app again sends nothing more: a verified entry is done.
    await page.reload();
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified');
    await page.waitForTimeout(1_000);
    expect(logLines(server, /certificate (accepted|rejected)/), server.log).toHaveLength(1);
  });
});

test('a certificate the server refuses shows its reason, is not resent on its own, and can be sent again once the backend is fixed', async ({ page }) => {
  // The backend holds another version of the course than the one the learner studied.
  const otherVersion = join(data, 'course');
  cpSync(required('SPECIALIST_TEST_COURSE'), otherVersion, { recursive: true });
  const source = join(otherVersion, 'course.toml');
  writeFileSync(source, readFileSync(source, 'utf8').replace('version = "1.0.0"', 'version = "1.0.1"'));
  const misconfigured = new Server(data, '0', otherVersion);
  await misconfigured.start();
  try {
    await completeCourse(page, misconfigured.url);
    await confirmProfile(page, misconfigured.url);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'rejected', { timeout: 15_000 });
    await expect(page.locator('.delivery')).toContainText('Rejected by the server: course "tiny-course" version "1.0.0"');
    // A refusal is final: a reload does not send it again, and a new certificate can be made.
    await page.reload();
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'rejected');
    await expect(page.getByRole('heading', { name: 'Make a new certificate' })).toBeVisible();
    await page.waitForTimeout(1_000);
    expect(logLines(misconfigured, /certificate (accepted|rejected)/), misconfigured.log).toHaveLength(1);
  } finally {
    await misconfigured.stop();
  }

  // The admin fixes the backend (same address, the right course): Send again delivers it.
  const fixed = new Server(data, new URL(misconfigured.url).port);
  await fixed.start();
  try {
    await page.getByRole('button', { name: 'Send again' }).click();
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified', { timeout: 15_000 });
    expect(logLines(fixed, /certificate accepted.*status=201/), fixed.log).toHaveLength(1);
  } finally {
    await fixed.stop();
  }
});

test('the certificate prints on one landscape page whose QR code decodes to the verification address', async ({ page }) => {
  await withServer(data, async (server) => {
    await completeCourse(page, server.url);
    await confirmProfile(page, server.url);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified', { timeout: 15_000 });
    const verificationUrl = (await page.locator('.certificate-url').innerText()).trim();
    expect(verificationUrl).toMatch(new RegExp(`^${server.url}verify/[0-9a-f-]{36}$`));

    await page.emulateMedia({ media: 'print' });
    // The certificate fills the printed page: the full build's print rules (full.css) come
    // after main.css, so they win over its screen layout of the main region.
    expect(await page.evaluate(() => getComputedStyle(document.querySelector('main')!).maxWidth)).toBe('none');
    for (const format of ['A4', 'Letter'] as const) {
      const pdf = join(data, `certificate-${format}.pdf`);
      await page.pdf({ path: pdf, format, preferCSSPageSize: true, printBackground: true });
      const info = execFileSync('pdfinfo', [pdf]).toString();
      expect(info, format).toMatch(/^Pages:\s+1$/m);
      const [, width, height] = info.match(/Page size:\s+([\d.]+) x ([\d.]+)/)!;
      expect(Number(width), `${format} is landscape`).toBeGreaterThan(Number(height));

      // Rasterize the printed page and read the QR code back from it.
      execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', pdf, join(data, `page-${format}`)]);
      const png = PNG.sync.read(readFileSync(join(data, `page-${format}.png`)));
      const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      expect(code?.data, format).toBe(verificationUrl);
    }

    // The verification page the QR code leads to says the certificate is genuine.
    await page.emulateMedia({ media: 'screen' });
    await page.goto(verificationUrl);
    await expect(page.locator('body')).toContainText('Ada Lovelace');
    await expect(page.locator('body')).toContainText(/genuine/i);
  });
});

test('where WebCrypto has no Ed25519, a software key signs, the certificate says so, and the server verifies it', async ({ page }) => {
  // An older browser: Ed25519 is missing from WebCrypto (SHA-512 is still there).
  await page.addInitScript(() => {
    const original = crypto.subtle.generateKey.bind(crypto.subtle);
    crypto.subtle.generateKey = ((algorithm: AlgorithmIdentifier, extractable: boolean, usages: KeyUsage[]) => {
      const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
      if (name === 'Ed25519') return Promise.reject(new DOMException('Unrecognized name.', 'NotSupportedError'));
      return original(algorithm as never, extractable, usages);
    }) as typeof crypto.subtle.generateKey;
  });
  await withServer(data, async (server) => {
    await completeCourse(page, server.url);
    await confirmProfile(page, server.url);
    await expect(page.locator('.delivery')).toHaveAttribute('data-state', 'verified', { timeout: 15_000 });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download signed certificate (JSON)' }).click(),
    ]);
    const certificate = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(certificate.device_key.protection).toBe('software');
  });
});

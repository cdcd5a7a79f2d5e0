import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { AppModule } from '../../../sample/app.module';
import { freePort } from '../../../lib/testing';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The picture of the sample the README shows, refreshed by every run. */
const SCREENSHOT = path.resolve(__dirname, '../../../docs/sample.png');

/** The sample shop in a real browser (Debian's Chromium), on the filesystem store. */
describe('sample app in Chromium', () => {
  let app: INestApplication;
  let browser: Browser;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium not found at ${CHROMIUM}: apt-get update && apt-get install -y chromium (or set CHROMIUM_PATH)`,
      );
    }
    dir = mkdtempSync(path.join(tmpdir(), 'sample-sessions-'));
    app = await NestFactory.create(AppModule.fromEnv({ SESSION_FILE_DIR: dir }), { logger: false });
    const port = await freePort();
    await app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts visits, logs in, fills the cart and logs out', async () => {
    const started = Date.now();
    const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
    const page = await context.newPage();
    await page.goto(base);
    await expect(page.textContent('#visits')).resolves.toContain('1');
    await page.reload();
    await expect(page.textContent('#visits')).resolves.toContain('2');

    const [before] = (await context.cookies()).filter((c) => c.name === 'session');
    expect(before.httpOnly).toBe(true);
    await page.fill('#name', 'Ada <script>');
    await page.click('#login');
    await expect(page.textContent('#greeting')).resolves.toContain('Ada <script>');
    const [after] = (await context.cookies()).filter((c) => c.name === 'session');
    expect(after.value).not.toBe(before.value);

    await page.fill('#item', 'apple');
    await page.click('#add');
    await page.fill('#item', 'pear');
    await page.click('#add');
    await expect(page.locator('#cart li').allTextContents()).resolves.toEqual(['apple', 'pear']);
    expect(readdirSync(dir)).toHaveLength(1);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).mtimeMs).toBeGreaterThan(started);

    await page.click('#logout');
    // Logging out destroyed the session; the home page it lands on starts a new one.
    const [fresh] = (await context.cookies()).filter((c) => c.name === 'session');
    expect(fresh.value).not.toBe(after.value);
    await expect(page.textContent('#cart')).resolves.toContain('empty');
    await expect(page.textContent('#visits')).resolves.toContain('1');

    // A second browser profile has its own session.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(base);
    await expect(otherPage.locator('#greeting').count()).resolves.toBe(0);
    await other.close();
    await context.close();
  });
});

import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AppModule } from '../../../sample/app.module';
import { freePort } from '../../../lib/testing';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The picture of the sample the README shows, refreshed by every run. */
const SCREENSHOT = path.resolve(__dirname, '../../../docs/sample.png');
/** The account page with two devices signed in, refreshed by every run. */
const ACCOUNT_SCREENSHOT = path.resolve(__dirname, '../../../docs/sample-account.png');

/**
 * The sample shop in a real browser (Debian's Chromium), on its default store
 * (filesystem), with the user index (`userKey`) the account page lists.
 */
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

  /** Clicks `selector` and waits for the page its form leads to (a 303 back to the home page). */
  const submit = async (page: Page, selector: string) => {
    await Promise.all([page.waitForEvent('load'), page.click(selector)]);
  };
  const text = async (page: Page, selector: string) => (await page.textContent(selector))?.trim();
  const sessionCookie = async (context: BrowserContext) =>
    (await context.cookies()).filter((c) => c.name === 'session');
  /** The session files in the store's folder (the user index lives in its `users/` folder). */
  const sessionFiles = () => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile());

  it('counts visits, logs in, fills the cart and logs out', async () => {
    const started = Date.now();
    const context = await browser.newContext({ viewport: { width: 720, height: 560 } });
    const page = await context.newPage();
    await page.goto(base);
    await expect(text(page, '#visits')).resolves.toBe('Visits this session: 1');
    await page.reload();
    await expect(text(page, '#visits')).resolves.toBe('Visits this session: 2');

    const before = await sessionCookie(context);
    expect(before).toHaveLength(1);
    expect(before[0].httpOnly).toBe(true);
    await page.fill('#name', 'Ada <script>');
    await submit(page, '#login');
    await expect(text(page, '#greeting')).resolves.toBe('Signed in as Ada <script>');
    // The home page the login leads to is the third visit of the same, regenerated, session.
    await expect(text(page, '#visits')).resolves.toBe('Visits this session: 3');
    const after = await sessionCookie(context);
    expect(after).toHaveLength(1);
    expect(after[0].value).not.toBe(before[0].value);

    await page.fill('#item', 'apple');
    await submit(page, '#add');
    await page.fill('#item', 'pear');
    await submit(page, '#add');
    await expect(page.locator('#cart li').allTextContents()).resolves.toEqual(['apple', 'pear']);
    await expect(text(page, '#visits')).resolves.toBe('Visits this session: 5');
    expect(sessionFiles()).toHaveLength(1);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(statSync(SCREENSHOT).mtimeMs).toBeGreaterThan(started);

    await submit(page, '#logout');
    // Logging out destroyed the session; the home page it lands on starts a new one.
    const fresh = await sessionCookie(context);
    expect(fresh).toHaveLength(1);
    expect(fresh[0].value).not.toBe(after[0].value);
    await expect(text(page, '#cart')).resolves.toBe('Your cart is empty.');
    await expect(text(page, '#visits')).resolves.toBe('Visits this session: 1');
    await expect(page.locator('#greeting').count()).resolves.toBe(0);
    expect(sessionFiles()).toHaveLength(1);

    // A second browser profile has its own session.
    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(base);
    await expect(otherPage.locator('#greeting').count()).resolves.toBe(0);
    await expect(text(otherPage, '#visits')).resolves.toBe('Visits this session: 1');
    await other.close();
    await context.close();
  });

  it('lists the devices of a user and signs the others out', async () => {
    const started = Date.now();
    const signIn = async (context: BrowserContext) => {
      const page = await context.newPage();
      await page.goto(base);
      await page.fill('#name', 'Grace');
      await submit(page, '#login');
      await expect(text(page, '#greeting')).resolves.toBe('Signed in as Grace');
      return page;
    };
    /** Loads the account page from the home page's link. */
    const openAccount = async (page: Page) => {
      await page.click('#account');
      await page.waitForURL(`${base}/account`);
    };
    /** The session cookie's value and the id inside it: neither may appear in a page. */
    const secrets = async (context: BrowserContext) => {
      const [cookie] = await sessionCookie(context);
      return [cookie.value, ...cookie.value.split('.').filter((part) => part.length >= 16)];
    };
    const expectNoSecrets = async (page: Page, ...contexts: BrowserContext[]) => {
      const html = await page.content();
      for (const context of contexts) {
        for (const secret of await secrets(context)) expect(html).not.toContain(secret);
      }
    };

    const a = await browser.newContext({ viewport: { width: 720, height: 560 } });
    const b = await browser.newContext();
    const pageA = await signIn(a);
    const pageB = await signIn(b);

    await openAccount(pageA);
    await expect(text(pageA, '#device-count')).resolves.toBe('Signed in on 2 devices');
    await expect(pageA.locator('#devices li').count()).resolves.toBe(2);
    // The request's own session is marked, and only it.
    await expect(pageA.locator('#devices li.current .this-device').count()).resolves.toBe(1);
    await expect(pageA.locator('#devices .this-device').count()).resolves.toBe(1);
    for (const when of await pageA.locator('#devices time').allTextContents()) {
      expect(when).toMatch(/^(just now|\d+ (minute|hour|day)s? ago)$/);
    }
    await expect(pageA.locator('#devices small').first().textContent()).resolves.toMatch(
      /^\(\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC\)$/,
    );
    await expectNoSecrets(pageA, a, b);
    await pageA.screenshot({ path: ACCOUNT_SCREENSHOT, fullPage: true });
    expect(statSync(ACCOUNT_SCREENSHOT).mtimeMs).toBeGreaterThan(started);

    await submit(pageA, '#sign-out-others');
    await pageA.locator('#notice').waitFor();
    await expect(text(pageA, '#notice')).resolves.toBe('Signed out 1 other device.');
    await expect(text(pageA, '#device-count')).resolves.toBe('Signed in on 1 device');

    // B's cookie now names a session that is gone: the shop opens a new one, signed out.
    await pageB.reload();
    await pageB.locator('#name').waitFor();
    await expect(pageB.locator('#greeting').count()).resolves.toBe(0);
    await expect(text(pageB, '#visits')).resolves.toBe('Visits this session: 1');

    await pageA.reload();
    await expect(text(pageA, '#device-count')).resolves.toBe('Signed in on 1 device');
    await expect(pageA.locator('#devices li').count()).resolves.toBe(1);
    await expect(pageA.locator('#devices li.current').count()).resolves.toBe(1);
    await expect(pageA.locator('#notice').count()).resolves.toBe(0);
    await expect(pageA.locator('#sign-out-others').count()).resolves.toBe(0);

    // One device signed out by its opaque handle: C goes, A stays.
    const c = await browser.newContext();
    const pageC = await signIn(c);
    await pageA.reload();
    await expect(text(pageA, '#device-count')).resolves.toBe('Signed in on 2 devices');
    await expectNoSecrets(pageA, a, c);
    await submit(pageA, '#devices li:not(.current) .sign-out-device');
    await pageA.locator('#notice').waitFor();
    await expect(text(pageA, '#notice')).resolves.toBe('Signed out that device.');
    await expect(text(pageA, '#device-count')).resolves.toBe('Signed in on 1 device');
    await pageC.reload();
    await pageC.locator('#name').waitFor();
    await pageA.goto(base);
    await expect(text(pageA, '#greeting')).resolves.toBe('Signed in as Grace');

    await Promise.all([a.close(), b.close(), c.close()]);
  });
});

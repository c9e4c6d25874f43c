// The browsers the web tests drive, behind one small page API, so that a
// scenario is written once and runs in each:
//   chromium — Debian's /usr/bin/chromium through playwright-core (CDP);
//   firefox  — Debian's /usr/bin/firefox-esr through puppeteer-core
//              (WebDriver BiDi: Playwright's Firefox needs Playwright's own
//              patched build, which Debian does not ship).
// Each launch gets a fresh profile, Russian as the preferred language and a
// 900×700 window, and accepts the test sites' self-signed certificates.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The browsers launch() knows. */
export const BROWSERS = ['chromium', 'firefox'];

const VIEWPORT = { width: 900, height: 700 };
/** How long a wait for an element, a window or a URL may take, in ms. */
export const TIMEOUT_MS = 15000;

/**
 * Launches `name` (one of BROWSERS); resolves with a Browser: { name,
 * version, newPage(), popup(action) (the window `action` opens), pages(),
 * setPermission(origin, name, 'granted'|'denied'|'prompt'), close() }.
 * A page: goto, click, fill, text, attribute, waitFor (a selector),
 * waitForText, clickAndWaitForNavigation, waitForPath (a URL path prefix),
 * evaluate(fn, arg), url, screenshot(path), close.
 */
export async function launch(name) {
  if (name === 'chromium') return launchChromium();
  if (name === 'firefox') return launchFirefox();
  throw new Error(`unknown browser ${JSON.stringify(name)}: one of ${BROWSERS.join(', ')}`);
}

/** Polls `check` (async, truthy when done) until it holds or TIMEOUT_MS passes. */
async function until(what, check) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pathStartsWith = (url, prefix) => {
  try {
    return new URL(url).pathname.startsWith(prefix);
  } catch {
    return false;
  }
};

// ---- Chromium: playwright-core ------------------------------------------

async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'podpis-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    locale: 'ru-RU',
    viewport: VIEWPORT,
    ignoreHTTPSErrors: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const version = context.browser()?.version() ?? (await chromiumVersion(context));
  let cdp = null;
  return {
    name: 'chromium',
    version,
    setPermission: async (origin, name, state) => {
      cdp ??= await context.newCDPSession(context.pages()[0] ?? (await context.newPage()));
      await cdp.send('Browser.setPermission', { permission: { name }, setting: state, origin });
    },
    newPage: async () => new PlaywrightPage(await context.newPage()),
    popup: async (action) => {
      const opened = context.waitForEvent('page', { timeout: TIMEOUT_MS });
      await action();
      return new PlaywrightPage(await opened);
    },
    pages: async () => context.pages().map((p) => new PlaywrightPage(p)),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

// A persistent context has no Browser object: ask a page.
async function chromiumVersion(context) {
  const page = await context.newPage();
  const agent = await page.evaluate(() => navigator.userAgent);
  await page.close();
  return agent.match(/Chrome\/([\d.]+)/)?.[1] ?? agent;
}

class PlaywrightPage {
  constructor(page) { this.page = page; }
  async goto(url) { await this.page.goto(url); }
  async click(selector) { await this.page.click(selector, { timeout: TIMEOUT_MS }); }
  async fill(selector, value) { await this.page.fill(selector, value, { timeout: TIMEOUT_MS }); }
  async text(selector) { return this.page.textContent(selector, { timeout: TIMEOUT_MS }); }
  async attribute(selector, name) { return this.page.getAttribute(selector, name, { timeout: TIMEOUT_MS }); }
  async waitFor(selector) { await this.page.waitForSelector(selector, { timeout: TIMEOUT_MS }); }
  async waitForText(text) { await this.waitFor(`text=${text}`); }
  async clickAndWaitForNavigation(selector) {
    await Promise.all([this.page.waitForNavigation({ timeout: TIMEOUT_MS }), this.click(selector)]);
  }
  async waitForPath(prefix) {
    await this.page.waitForURL((u) => u.pathname.startsWith(prefix), { timeout: TIMEOUT_MS });
    await this.page.waitForLoadState('load');
  }
  evaluate(fn, arg) { return this.page.evaluate(fn, arg); }
  url() { return this.page.url(); }
  async screenshot(path) { await this.page.screenshot({ path, fullPage: true }); }
  async close() { await this.page.close(); }
}

// ---- Firefox: puppeteer-core over WebDriver BiDi -------------------------

async function launchFirefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'podpis-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: profile,
    defaultViewport: VIEWPORT,
    acceptInsecureCerts: true,
    protocolTimeout: 60000,
    extraPrefsFirefox: {
      'intl.accept_languages': 'ru-RU, ru',
      'intl.locale.requested': 'ru-RU',
    },
  });
  // "firefox/153.7.0" → "153.7.0"
  const version = (await browser.version()).replace(/^[^/]*\//, '');
  return {
    name: 'firefox',
    version,
    setPermission: async (origin, name, state) => {
      await browser.defaultBrowserContext().setPermission(origin, { permission: { name }, state });
    },
    newPage: async () => new PuppeteerPage(await browser.newPage()),
    popup: async (action) => {
      const before = new Set(browser.targets());
      const opened = browser.waitForTarget(
        (t) => t.type() === 'page' && !before.has(t), { timeout: TIMEOUT_MS });
      await action();
      return new PuppeteerPage(await (await opened).page());
    },
    pages: async () => (await browser.pages()).map((p) => new PuppeteerPage(p)),
    close: async () => {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

class PuppeteerPage {
  constructor(page) { this.page = page; }
  async goto(url) { await this.page.goto(url, { waitUntil: 'load', timeout: TIMEOUT_MS }); }
  async click(selector) {
    await this.waitFor(selector);
    await this.page.click(selector);
  }
  async fill(selector, value) {
    await this.waitFor(selector);
    await this.page.$eval(selector, (el) => { el.value = ''; });
    await this.page.type(selector, value);
  }
  async text(selector) {
    const el = await this.page.waitForSelector(selector, { timeout: TIMEOUT_MS });
    return el.evaluate((e) => e.textContent);
  }
  async attribute(selector, name) {
    const el = await this.page.waitForSelector(selector, { timeout: TIMEOUT_MS });
    return el.evaluate((e, n) => e.getAttribute(n), name);
  }
  async waitFor(selector) { await this.page.waitForSelector(selector, { timeout: TIMEOUT_MS }); }
  async waitForText(text) { await this.waitFor(`::-p-text(${text})`); }
  async clickAndWaitForNavigation(selector) {
    await this.waitFor(selector);
    await Promise.all([this.page.waitForNavigation({ timeout: TIMEOUT_MS }), this.page.click(selector)]);
  }
  async waitForPath(prefix) {
    await until(`a page at ${prefix}`, () => pathStartsWith(this.page.url(), prefix));
    await until(`${prefix} to load`, async () => {
      try {
        return (await this.page.evaluate(() => document.readyState)) === 'complete';
      } catch {
        return false; // between two documents
      }
    });
  }
  evaluate(fn, arg) { return this.page.evaluate(fn, arg); }
  url() { return this.page.url(); }
  async screenshot(path) { await this.page.screenshot({ path, fullPage: true }); }
  async close() { await this.page.close(); }
}

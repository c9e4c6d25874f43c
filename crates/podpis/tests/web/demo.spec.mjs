// `podpis demo` in a real browser: Debian's Chromium driven by
// playwright-core. Started by crates/podpis/tests/cli_demo.rs against a
// running demo, with PODPIS_DEMO (the demo's demo.json), PODPIS_BIN (the
// podpis binary) and PODPIS_SHOTS (screenshots). On the portal's «Вход с
// помощью электронной подписи» page, through the demo's signing agent:
//   the portal's site taken off the agent's allow-list shows
//      ORIGIN_NOT_ALLOWED and «Разрешить доступ», which opens the agent's
//      approval page; once allowed, the certificates are listed;
//   4. «Отмена» on the agent's consent page shows CANCELLED and no session
//      is made (no cookie; /cabinet sends back to the login page);
//   6. the expired and the revoked certificates show CERT_EXPIRED and
//      CERT_REVOKED with their remedies, in Russian and in English;
//   2. the valid certificate and the PIN on the consent page land in the
//      cabinet, with the holder's name and the session cookie the password
//      login sets (HttpOnly, SameSite=Lax).
// Exits non-zero on any failure.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

const demoFile = process.env.PODPIS_DEMO;
const shots = process.env.PODPIS_SHOTS;
const podpis = process.env.PODPIS_BIN;
assert.ok(demoFile && shots && podpis, 'PODPIS_DEMO, PODPIS_BIN and PODPIS_SHOTS are needed');
mkdirSync(shots, { recursive: true });
const demo = JSON.parse(readFileSync(demoFile, 'utf8'));
const base = demo.portal_url;
const user = (state) => {
  const u = demo.users.find((x) => x.certificate === state);
  assert.ok(u, `no ${state} user in demo.json`);
  return u;
};
const valid = user('valid');
const expired = user('expired');
const revoked = user('revoked');

const profile = mkdtempSync(join(tmpdir(), 'podpis-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  locale: 'ru-RU',
  viewport: { width: 1000, height: 760 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
let failed = false;
let shot = 0;
const snap = async (p, name) => {
  shot += 1;
  await p.screenshot({ path: join(shots, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
};

try {
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // Refusals are HTTP 4xx (logged by the browser); a CSP violation is not allowed.
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text()); });

  // Picks the certificate of `u` in the list; returns the agent's consent
  // window once it shows the consent page.
  const pick = async (u) => {
    await page.evaluate(() => { document.getElementById('esig-error').replaceChildren(); });
    const popup = context.waitForEvent('page');
    await page.click(`#esig-certs button.cert:has-text("${u.name}")`);
    const consent = await popup;
    await consent.waitForURL((url) => url.pathname.startsWith('/consent/'), { timeout: 15000 });
    await consent.waitForLoadState('load');
    return consent;
  };
  const signWithPin = async (consent, pin) => {
    await consent.fill('#pin', pin);
    await consent.click('#sign');
    await consent.waitForSelector('#title', { timeout: 15000 });
    assert.match(await consent.textContent('#title'), /Документ подписан|Document signed/);
  };
  // The error the login page shows: its code and text.
  const shownError = async () => {
    const box = page.locator('#esig-error .error');
    await box.waitFor({ timeout: 20000 });
    return { code: await box.getAttribute('data-code'), text: await box.textContent() };
  };

  let shown;
  // The page: the agent found, its certificates listed («Выбор сертификата»).
  const response = await page.goto(`${base}/login/esig`);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, new RegExp(`connect-src 'self' ${demo.agent_url.replace(/\./g, '\\.')} ws://`));
  assert.match(csp, /script-src 'self';/);
  await page.waitForSelector('#esig-certs button.cert');
  assert.match(await page.textContent('#esig-choose legend'), /Выбор сертификата/);
  const list = await page.textContent('#esig-certs');
  for (const u of [valid, expired, revoked]) assert.ok(list.includes(u.name), `${u.name} not listed: ${list}`);
  assert.match(list, /СНИЛС 112-233-445 95/);
  assert.match(list, /Издатель: Демо-УЦ podpis/);
  assert.match(list, /Действителен: \d\d\.\d\d\.\d{4} – \d\d\.\d\d\.\d{4}/);
  // The command-line path is still explained below.
  assert.match(await page.textContent('main'), /podpis login/);
  await snap(page, 'login-certificates');

  // The user revokes the portal on the agent's list: the page says so and
  // offers the agent's approval page; allowed again, the list comes back.
  const agentDir = join(dirname(demoFile), 'agent');
  execFileSync(podpis, ['agent', 'origins', 'revoke', base, '--config-dir', agentDir]);
  await page.goto(`${base}/login/esig`);
  shown = await shownError();
  assert.equal(shown.code, 'ORIGIN_NOT_ALLOWED', shown.text);
  assert.match(shown.text, /не допущен к агенту подписи/);
  assert.ok(await page.isVisible('#esig-access'), 'no «Разрешить доступ»');
  await snap(page, 'login-origin-not-allowed');
  const approvalWindow = context.waitForEvent('page');
  await page.click('#esig-access');
  const approval = await approvalWindow;
  await approval.waitForURL((url) => url.pathname.startsWith('/approve/'), { timeout: 15000 });
  await approval.waitForLoadState('load');
  assert.equal((await approval.textContent('#origin')).trim(), base);
  await Promise.all([approval.waitForNavigation(), approval.click('#allow')]);
  await page.waitForSelector('#esig-certs button.cert', { timeout: 15000 });
  assert.equal(await page.locator('#esig-error .error').count(), 0);
  assert.ok(!(await page.isVisible('#esig-access')));
  await approval.close();

  // 4. «Отмена»: CANCELLED, and no session.
  let consent = await pick(valid);
  assert.equal((await consent.textContent('#origin')).trim(), base);
  assert.match(await consent.textContent('#description'), /Вход в личный кабинет/);
  await snap(consent, 'consent-page');
  await consent.click('#cancel');
  await consent.waitForSelector('text=Подписание отменено');
  shown = await shownError();
  assert.equal(shown.code, 'CANCELLED', shown.text);
  assert.match(shown.text, /Подписание отменено пользователем/);
  assert.match(shown.text, /Код ошибки: CANCELLED/);
  await snap(page, 'login-cancelled');
  await consent.close();
  assert.ok(!(await context.cookies(base)).some((c) => c.name === 'podpis_session'), 'a session cookie after «Отмена»');
  const probe = await context.newPage();
  await probe.goto(`${base}/cabinet`);
  assert.match(probe.url(), /\/login$/, 'the cabinet opened without a session');
  await probe.close();

  // 6. The expired certificate: CERT_EXPIRED with its remedy.
  consent = await pick(expired);
  await signWithPin(consent, expired.pin);
  await consent.close();
  shown = await shownError();
  assert.equal(shown.code, 'CERT_EXPIRED', shown.text);
  assert.match(shown.text, /Срок действия сертификата истёк .*Получите новый сертификат/);
  await snap(page, 'login-cert-expired');

  // 6. The revoked certificate: CERT_REVOKED.
  consent = await pick(revoked);
  await signWithPin(consent, revoked.pin);
  await consent.close();
  shown = await shownError();
  assert.equal(shown.code, 'CERT_REVOKED', shown.text);
  assert.match(shown.text, /Сертификат отозван удостоверяющим центром .*Войдите с действующим сертификатом/);
  await snap(page, 'login-cert-revoked');
  assert.ok(!(await context.cookies(base)).some((c) => c.name === 'podpis_session'), 'a session after refusals');

  // The same in English: the page's language carries to the messages.
  await page.goto(`${base}/login/esig?lang=en`);
  await page.waitForSelector('#esig-certs button.cert');
  assert.match(await page.textContent('#esig-choose legend'), /Choose a certificate/);
  consent = await pick(revoked);
  await signWithPin(consent, revoked.pin);
  await consent.close();
  shown = await shownError();
  assert.equal(shown.code, 'CERT_REVOKED', shown.text);
  assert.match(shown.text, /The certification authority revoked the certificate .*Log in with a valid certificate/);
  assert.match(shown.text, /Error code: CERT_REVOKED/);
  await page.goto(`${base}/login/esig?lang=ru`);
  await page.waitForSelector('#esig-certs button.cert');

  // 2. The valid certificate and the PIN: the cabinet.
  consent = await pick(valid);
  await consent.fill('#pin', valid.pin);
  await snap(consent, 'consent-pin');
  await Promise.all([
    page.waitForURL((url) => url.pathname === '/cabinet', { timeout: 20000 }),
    consent.click('#sign'),
  ]);
  assert.equal((await page.textContent('#who')).trim(), valid.name);
  const session = (await context.cookies(base)).find((c) => c.name === 'podpis_session');
  assert.ok(session, 'no session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Lax');
  await snap(page, 'cabinet');
  await consent.close();

  assert.deepEqual(pageErrors, [], 'errors in the page');
  console.log('demo in chromium: OK');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

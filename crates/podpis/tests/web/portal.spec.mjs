// The personal cabinet in a real browser: Debian's Chromium driven by
// playwright-core. Started by crates/podpis/tests/cli_portal.rs against a
// `podpis serve` in demo mode (no CA, the outbox page on), with
// PODPIS_BASE in the environment.
// Registers (a weak password refused first, the code read from the demo
// outbox), logs in with password + code, reads the journal with filters,
// ends other sessions one by one and all at once, switches to English and
// back, checks that POSTs without the CSRF token are refused, and logs out.
// Exits non-zero on any failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const base = process.env.PODPIS_BASE;
assert.ok(base, 'PODPIS_BASE missing');
const email = 'ivanov@example.ru';
const password = 'Tr0ub4dor&3-podpis';

const profile = mkdtempSync(join(tmpdir(), 'podpis-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  locale: 'ru-RU',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

// The newest code sent to `email` whose text matches `re`, from the demo outbox page.
async function codeFromOutbox(page, re) {
  const outbox = await context.newPage();
  await outbox.goto(`${base}/demo/outbox`);
  const bodies = await outbox.locator('article.message pre.body').allTextContents();
  await outbox.close();
  for (const b of bodies) {
    const m = b.match(re);
    if (m) return m[1];
  }
  throw new Error(`no code matching ${re} in the outbox: ${bodies.join(' | ')}`);
}

// Another "device": a session made through the REST API; returns its token.
async function apiLogin() {
  const r1 = await fetch(`${base}/api/v1/login/password`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: email, password }),
  });
  assert.equal(r1.status, 200, await r1.clone().text());
  const { pending } = await r1.json();
  const page = await context.newPage();
  const code = await codeFromOutbox(page, /Код для входа: (\d{6})/);
  await page.close();
  const r2 = await fetch(`${base}/api/v1/login/password/otp`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pending, code }),
  });
  assert.equal(r2.status, 200, await r2.clone().text());
  return (await r2.json()).token;
}

async function alive(token) {
  const r = await fetch(`${base}/api/v1/account`, { headers: { authorization: `Bearer ${token}` } });
  return r.status === 200;
}

let failed = false;
try {
  const page = await context.newPage();
  const text = async () => (await page.textContent('body')) ?? '';

  // Not logged in: / sends to the login page, in Russian, with the
  // security headers.
  const first = await page.goto(`${base}/`);
  assert.match(page.url(), /\/login$/);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.match(await text(), /Пароль и одноразовый код/);
  assert.match(await text(), /Электронная подпись/);
  const headers = first.headers();
  assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(headers['x-frame-options'], 'DENY');

  // The e-signature method explains the CLI for now.
  await page.click('a[href="/login/esig"]');
  assert.match(await text(), /podpis login/);

  // Registration: a weak password is refused with its code, tied to the field.
  await page.click('nav >> text=Регистрация');
  await page.fill('#login', email);
  await page.fill('#password', 'password');
  await page.click('button[type=submit]');
  assert.match(await text(), /PASSWORD_/);
  assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
  assert.match(await page.getAttribute('#password', 'aria-describedby'), /form-error/);
  assert.equal(await page.inputValue('#login'), email);

  await page.fill('#password', password);
  await page.click('button[type=submit]');
  assert.match(await text(), /Код отправлен на/);
  // A wrong code first: refused, the same step stays.
  await page.fill('#code', '000000');
  await page.click('button[type=submit]');
  assert.match(await text(), /OTP_INVALID/);
  assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
  const regCode = await codeFromOutbox(page, /Код для регистрации: (\d{6})/);
  await page.fill('#code', regCode);
  await page.click('button[type=submit]');
  assert.match(page.url(), /\/login\?done=registered/);
  assert.match(await text(), /Учётная запись создана/);

  // Login: password, then the code sent by e-mail.
  await page.fill('#login', email);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  assert.match(await text(), /Код для входа отправлен на/);
  const loginCode = await codeFromOutbox(page, /Код для входа: (\d{6})/);
  await page.fill('#code', loginCode);
  await page.click('button[type=submit]');
  assert.match(page.url(), /\/cabinet$/);
  assert.match(await text(), /Личный кабинет/);
  assert.equal((await page.textContent('#level')).trim(), 'упрощённая');
  assert.match(await text(), /пароль \+ одноразовый код/);

  // The journal shows the logins; the filters narrow it.
  await page.click('nav >> text=Журнал действий');
  const actions = await page.locator('#journal tbody tr').evaluateAll(
    (rows) => rows.map((r) => r.dataset.action));
  assert.ok(actions.includes('login.password'), actions.join());
  assert.ok(actions.includes('login.otp'), actions.join());
  await page.selectOption('#action', 'login.');
  await page.click('text=Показать');
  const filtered = await page.locator('#journal tbody tr').evaluateAll(
    (rows) => rows.map((r) => r.dataset.action));
  assert.ok(filtered.length >= 2 && filtered.every((a) => a.startsWith('login.')), filtered.join());
  await page.selectOption('#action', 'settings.');
  await page.click('text=Показать');
  assert.match(await text(), /Записей нет/);

  // Sessions: two other devices; end one, then all others.
  const t1 = await apiLogin();
  const t2 = await apiLogin();
  const t3 = await apiLogin();
  await page.click('nav >> text=Сеансы');
  assert.equal(await page.locator('#sessions tbody tr').count(), 4);
  assert.match(await text(), /этот сеанс/);
  await page.locator('button.end-one').first().click();
  assert.match(await text(), /Сеанс завершён/);
  assert.equal(await page.locator('#sessions tbody tr').count(), 3);
  const aliveAfterOne = [await alive(t1), await alive(t2), await alive(t3)].filter(Boolean).length;
  assert.equal(aliveAfterOne, 2);
  await page.click('#end-all');
  assert.match(await text(), /Другие сеансы завершены: 2/);
  assert.equal(await page.locator('#sessions tbody tr').count(), 1);
  assert.equal(await alive(t1) || await alive(t2) || await alive(t3), false);

  // The journal has the session endings, under their label.
  await page.goto(`${base}/cabinet/journal?action=session.`);
  const endings = await page.locator('tr[data-action]').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  assert.ok(endings.includes('session.ended'), endings.join(' '));
  assert.match(await text(), /Сеанс завершён/);

  // English on the switch; it stays on the next pages (cookie); back to Russian.
  await page.goto(`${base}/cabinet/sessions`);
  await page.click('a[lang=en]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await text(), /Log out on all devices/);
  await page.goto(`${base}/cabinet`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await text(), /Personal cabinet/);
  assert.equal((await page.textContent('#level')).trim(), 'simplified');
  // An error in English, with its code.
  const bad = await page.request.post(`${base}/cabinet/sessions/end-all`, { form: { keep_current: '1' } });
  assert.equal(bad.status(), 403);
  const badText = await bad.text();
  assert.match(badText, /CSRF_FAILED/);
  assert.match(badText, /lang="en"/);
  await page.click('a[lang=ru]');
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');

  // POSTs without the CSRF token, or with a wrong one, are refused.
  const noToken = await page.request.post(`${base}/cabinet/security/password`, {
    form: { current: password, new_password: 'An0ther&Passw0rd' },
  });
  assert.equal(noToken.status(), 403);
  assert.match(await noToken.text(), /CSRF_FAILED/);
  const wrongToken = await page.request.post(`${base}/logout`, { form: { csrf: 'x'.repeat(43) } });
  assert.equal(wrongToken.status(), 403);
  const anon = await fetch(`${base}/login`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf: 'forged', login: email, password }),
  });
  assert.equal(anon.status, 403);
  // Still logged in after all that.
  await page.goto(`${base}/cabinet`);
  assert.match(page.url(), /\/cabinet$/);

  // Security settings: the TOTP enrolment shows the otpauth URI as text.
  await page.click('nav >> text=Безопасность');
  await page.click('text=Подключить приложение');
  assert.match(await page.inputValue('#otpauth'), /^otpauth:\/\/totp\//);

  // Logout.
  await page.click('header >> text=Выйти');
  assert.match(page.url(), /\/login\?done=out/);
  assert.match(await text(), /Вы вышли/);
  await page.goto(`${base}/cabinet/journal`);
  assert.match(page.url(), /\/login$/);
  console.log('portal pages: OK');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

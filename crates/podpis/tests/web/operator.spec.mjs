// The operator pages in a real browser: Debian's Chromium driven by
// playwright-core. Started by crates/podpis/tests/cli_serve.rs against a
// `podpis serve` it runs, with PODPIS_BASE, PODPIS_LOGIN, PODPIS_PASSWORD
// and PODPIS_REQUEST (a submitted request) in the environment.
// Logs in (after one wrong password), identifies, approves and issues the
// request, revokes the certificate, checks the Russian text, the English
// switch, the journal and the CSRF check. Exits non-zero on any failure.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const base = process.env.PODPIS_BASE;
const login = process.env.PODPIS_LOGIN;
const password = process.env.PODPIS_PASSWORD;
const request = process.env.PODPIS_REQUEST;
assert.ok(base && login && password && request, 'PODPIS_* environment missing');

const profile = mkdtempSync(join(tmpdir(), 'podpis-chromium-'));
// A fresh profile directory (playwright passes it as --user-data-dir).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  locale: 'ru-RU',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
let failed = false;
try {
  const page = await context.newPage();
  const text = async () => (await page.textContent('body')) ?? '';

  // Not logged in: the requests page sends to the login form, in Russian.
  await page.goto(`${base}/operator/requests`);
  assert.match(page.url(), /\/operator\/login/);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.match(await text(), /Вход оператора/);

  // A wrong password is refused with the Russian message.
  await page.fill('#login', login);
  await page.fill('#password', 'not the password');
  await page.click('button[type=submit]');
  assert.match(await text(), /Неверный логин или пароль/);

  await page.fill('#login', login);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  assert.match(page.url(), /\/operator\/requests/);
  assert.match(await text(), /Заявки на сертификаты/);
  assert.match(await text(), /Иванов/);

  await page.click(`a[href^="/operator/requests/${request}"]`);
  assert.match(await text(), new RegExp(`Заявка № ${request}`));
  assert.equal((await page.textContent('#state')).trim(), 'подана');

  await page.fill('#document_number', '4510 123456');
  await page.click('text=Записать идентификацию');
  assert.equal((await page.textContent('#state')).trim(), 'заявитель идентифицирован');
  await page.click('text=Одобрить');
  assert.equal((await page.textContent('#state')).trim(), 'одобрена');
  await page.click('text=Выпустить сертификат');
  assert.equal((await page.textContent('#state')).trim(), 'сертификат выпущен');

  await page.click('a[href^="/operator/certificates/"]');
  assert.equal((await page.textContent('#status')).trim(), 'действует');
  await page.selectOption('#reason', 'keyCompromise');
  await page.click('text=Отозвать');
  assert.equal((await page.textContent('#status')).trim(), 'отозван');

  // The English switch keeps the page.
  await page.click('a[lang=en]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal((await page.textContent('#status')).trim(), 'revoked');
  assert.match(await text(), /Certificate/);
  // Validity as dates, not Unix seconds: «23.11.2026 14:05 UTC – …».
  assert.match(await text(), /\d\d\.\d\d\.\d{4} \d\d:\d\d UTC – \d\d\.\d\d\.\d{4} \d\d:\d\d UTC/);

  await page.click('text=Journal');
  const journal = await text();
  assert.match(journal, /Who did what, when/);
  assert.match(journal, new RegExp(`${login}\\s*certificate\\.revoked`));
  assert.match(journal, new RegExp(`${login}\\s*certificate\\.issued`));
  // Times as dates: «23.11.2026 14:05 UTC», then who.
  assert.match(journal, new RegExp(`\\d\\d\\.\\d\\d\\.\\d{4} \\d\\d:\\d\\d UTC\\s*${login}\\s*certificate\\.revoked`));

  // A form post without the session's CSRF token is refused.
  const forged = await page.request.post(`${base}/operator/requests/${request}/approve`, {
    form: { csrf: 'forged' },
  });
  assert.equal(forged.status(), 403);
  console.log('operator pages: OK');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

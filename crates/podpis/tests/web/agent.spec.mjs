// The signing agent and the JavaScript SDK (web/sdk) in a real browser:
// Debian's Chromium driven by playwright-core. Started by
// crates/podpis/tests/cli_agent.rs against a `podpis agent` it runs, with
// PODPIS_AGENT_URL, PODPIS_AGENT_PID, PODPIS_SDK (the SDK file), PODPIS_PIN,
// PODPIS_OUT (where signatures are written) and PODPIS_SHOTS (screenshots).
//
// Two test sites are served here, on two ports: site A is approved by the
// user on the agent's approval page; site B never is. A: connect, list,
// sign with the PIN on the consent page, «Отмена» → CANCELLED, three wrong
// PINs → PIN_INCORRECT ×2, PIN_LOCKED. B: neither list nor sign. Then the
// agent is stopped and A's connect() says AGENT_NOT_RUNNING.
// Exits non-zero on any failure.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const agentUrl = process.env.PODPIS_AGENT_URL;
const agentPid = Number(process.env.PODPIS_AGENT_PID);
const sdkFile = process.env.PODPIS_SDK;
const pin = process.env.PODPIS_PIN;
const out = process.env.PODPIS_OUT;
const shots = process.env.PODPIS_SHOTS;
assert.ok(agentUrl && agentPid && sdkFile && pin && out && shots, 'PODPIS_* environment missing');
mkdirSync(shots, { recursive: true });

// The test page: buttons that call the SDK and show the outcome; what a
// portal would do. The page's script is a module importing the SDK.
const page = (title) => `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;max-width:46rem;margin:1rem auto} button{margin:.2rem}
#error{border:2px solid #a00;padding:.5rem} #ok{border:2px solid #080;padding:.5rem} li{margin:.3rem 0}</style></head>
<body><h1>${title}</h1>
<p><button id="connect">Проверить агент</button><button id="access">Разрешить доступ</button>
<button id="list">Выбор сертификата</button><button id="sign">Подписать заявление</button>
<button id="direct-list">Список без connect()</button><button id="direct-sign">Подпись без connect()</button></p>
<div id="status"></div><ul id="certs"></ul>
<script type="module">
import { connect, requestAccess, Agent, PodpisError } from '/sdk/podpis-agent.js';
const url = ${JSON.stringify(agentUrl)};
const status = document.getElementById('status');
let agent = null;
let certs = [];
const show = (ok, text, code) => {
  status.innerHTML = '';
  const p = document.createElement('p');
  p.id = ok ? 'ok' : 'error';
  if (code) p.dataset.code = code;
  p.textContent = text;
  status.append(p);
};
const fail = (e) => {
  if (e instanceof PodpisError) show(false, e.code + ': ' + e.message, e.code);
  else show(false, 'unexpected: ' + e, 'UNEXPECTED');
};
document.getElementById('connect').onclick = async () => {
  try { agent = await connect({ url }); show(true, 'Агент подписи ' + agent.version); }
  catch (e) { fail(e); }
};
document.getElementById('access').onclick = async () => {
  try { agent = await requestAccess({ url }); show(true, 'Доступ разрешён, агент ' + agent.version); }
  catch (e) { fail(e); }
};
document.getElementById('list').onclick = async () => {
  try {
    certs = await agent.listCertificates();
    const ul = document.getElementById('certs');
    ul.innerHTML = '';
    for (const c of certs) {
      const li = document.createElement('li');
      li.textContent = c.name + ' — СНИЛС ' + c.snils + ', ' + (c.qualified ? 'КЭП' : 'НЭП') + ', до ' + c.notAfter + ', издатель ' + c.issuerName;
      ul.append(li);
    }
    show(true, 'Сертификатов: ' + certs.length);
  } catch (e) { fail(e); }
};
document.getElementById('sign').onclick = async () => {
  try {
    const r = await agent.sign({ certId: certs[0].id, data: 'Заявление о выдаче справки № 42',
      detached: false, description: 'Заявление о выдаче справки № 42' });
    window.lastSignature = r.signatureBase64;
    show(true, 'Подписано: ' + r.format + ', ' + r.signature.length + ' байт');
  } catch (e) { fail(e); }
};
const direct = new Agent(url, 'ru', {});
document.getElementById('direct-list').onclick = async () => {
  try { await direct.listCertificates(); show(true, 'listed'); } catch (e) { fail(e); }
};
document.getElementById('direct-sign').onclick = async () => {
  try {
    await direct.sign({ certId: new URLSearchParams(location.search).get('cert'), data: 'x', description: 'x' });
    show(true, 'signed');
  } catch (e) { fail(e); }
};
</script></body></html>`;

function site(title) {
  const sdk = readFileSync(sdkFile);
  const server = createServer((req, res) => {
    if (req.url.startsWith('/sdk/podpis-agent.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(sdk);
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(title));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const siteA = await site('Госпортал (тест)');
const siteB = await site('Чужой сайт');
const originA = `http://127.0.0.1:${siteA.address().port}`;
// Another origin: another host name and port.
const originB = `http://localhost:${siteB.address().port}`;

const profile = mkdtempSync(join(tmpdir(), 'podpis-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  locale: 'ru-RU',
  viewport: { width: 900, height: 700 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

// One WebSocket call from a page: the answer, or 'refused' when the
// upgrade is refused.
const wsCall = (p, message) => p.evaluate(([url, message]) => new Promise((resolve) => {
  const socket = new WebSocket(url.replace(/^http/, 'ws') + '/api/v1/ws');
  socket.onopen = () => socket.send(JSON.stringify(message));
  socket.onmessage = (e) => { resolve(JSON.parse(e.data)); socket.close(); };
  socket.onerror = () => resolve('refused');
}), [agentUrl, message]);
let failed = false;
let shot = 0;
const snap = async (p, name) => {
  shot += 1;
  await p.screenshot({ path: join(shots, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
};

try {
  const a = await context.newPage();
  const outcome = async (p) => {
    const el = p.locator('#status p');
    await el.waitFor({ timeout: 15000 });
    return { ok: (await el.getAttribute('id')) === 'ok', code: await el.getAttribute('data-code'), text: await el.textContent() };
  };
  const click = async (p, id) => {
    await p.evaluate(() => { document.getElementById('status').innerHTML = ''; });
    await p.click(id);
  };
  // Clicks a button that opens the agent's window; returns the window once
  // it shows `path`.
  const clickForPopup = async (p, id, path) => {
    const popupPromise = context.waitForEvent('page');
    await click(p, id);
    const popup = await popupPromise;
    await popup.waitForURL((u) => u.pathname.startsWith(path), { timeout: 15000 });
    await popup.waitForLoadState('load');
    return popup;
  };

  // 1. Site A is not approved yet: ORIGIN_NOT_ALLOWED in plain Russian.
  await a.goto(originA + '/');
  await click(a, '#connect');
  let r = await outcome(a);
  assert.equal(r.code, 'ORIGIN_NOT_ALLOWED', r.text);
  assert.match(r.text, /не допущен к агенту подписи/);
  await snap(a, 'origin-not-allowed');

  // 2. The user approves site A once, on the agent's own page.
  const approval = await clickForPopup(a, '#access', '/approve/');
  assert.equal((await approval.textContent('#origin')).trim(), originA);
  await snap(approval, 'approve-origin');
  await Promise.all([approval.waitForNavigation(), approval.click('#allow')]);
  assert.match(await approval.textContent('body'), /Сайт разрешён/);
  r = await outcome(a);
  assert.ok(r.ok, r.text);
  assert.match(r.text, /Доступ разрешён/);
  await approval.close();

  // 3. The certificates, with SNILS and the qualified flag.
  await click(a, '#list');
  r = await outcome(a);
  assert.ok(r.ok, r.text);
  const certText = await a.textContent('#certs');
  assert.match(certText, /Иванов Иван Иванович — СНИЛС 11223344595, КЭП/);
  await snap(a, 'certificates');

  // The same API over the WebSocket, with the nonce echoed; a reused nonce is refused.
  const viaWs = await wsCall(a, { id: 7, op: 'version', nonce: 'ws-nonce-0123456789' });
  assert.equal(viaWs.id, 7);
  assert.equal(viaWs.nonce, 'ws-nonce-0123456789');
  assert.equal(viaWs.result.agent, 'podpis-agent');
  const replayed = await wsCall(a, { id: 8, op: 'listCertificates', nonce: 'ws-nonce-0123456789' });
  assert.equal(replayed.error.code, 'AGENT_NONCE_REUSED');

  // 4. Sign: the consent page shows the origin, the description and the
  //    digest; the PIN goes there, never to the site.
  let consent = await clickForPopup(a, '#sign', '/consent/');
  assert.equal((await consent.textContent('#origin')).trim(), originA);
  assert.match(await consent.textContent('#description'), /Заявление о выдаче справки № 42/);
  assert.match(await consent.textContent('#digest'), /[0-9a-f]{8} [0-9a-f]{8}/);
  assert.equal(await consent.getAttribute('html', 'lang'), 'ru');
  await consent.fill('#pin', pin);
  await snap(consent, 'consent-page');
  await consent.click('#sign');
  await consent.waitForSelector('text=Документ подписан');
  r = await outcome(a);
  assert.ok(r.ok, r.text);
  assert.match(r.text, /Подписано: CAdES-BES/);
  writeFileSync(join(out, 'attached.p7s'), Buffer.from(await a.evaluate(() => window.lastSignature), 'base64'));
  await snap(a, 'signed');
  await consent.close();

  // 5. «Отмена» → CANCELLED.
  consent = await clickForPopup(a, '#sign', '/consent/');
  await consent.click('#cancel');
  await consent.waitForSelector('text=Подписание отменено');
  r = await outcome(a);
  assert.equal(r.code, 'CANCELLED', r.text);
  assert.match(r.text, /Подписание отменено пользователем/);
  await snap(a, 'cancelled');
  await consent.close();

  // 6. Wrong PIN three times: 2 tries left, 1 try left, locked.
  const expected = [['PIN_INCORRECT', /Осталось попыток: 2/], ['PIN_INCORRECT', /Осталось попыток: 1/], ['PIN_LOCKED', /заблокирован/]];
  for (const [code, text] of expected) {
    consent = await clickForPopup(a, '#sign', '/consent/');
    await consent.fill('#pin', '00000000');
    await consent.click('#sign');
    await consent.waitForSelector('#code');
    assert.equal((await consent.textContent('#code')).trim(), code);
    r = await outcome(a);
    assert.equal(r.code, code, r.text);
    assert.match(r.text, text);
    if (code === 'PIN_LOCKED') {
      await snap(consent, 'consent-pin-locked');
      await snap(a, 'pin-locked');
    }
    await consent.close();
  }

  // 7. Site B, never approved, can neither list nor sign (and no consent
  //    window opens for it).
  const b = await context.newPage();
  await b.goto(`${originB}/?cert=${encodeURIComponent('any')}`);
  await click(b, '#direct-list');
  r = await outcome(b);
  assert.equal(r.code, 'ORIGIN_NOT_ALLOWED', r.text);
  const pagesBefore = context.pages().length;
  await click(b, '#direct-sign');
  r = await outcome(b);
  assert.equal(r.code, 'ORIGIN_NOT_ALLOWED', r.text);
  await b.waitForTimeout(300);
  for (const p of context.pages().slice(pagesBefore)) {
    assert.ok(!p.url().includes('/consent/'), 'a consent window opened for site B');
    await p.close();
  }
  await snap(b, 'other-origin-refused');
  // Nor open the WebSocket.
  assert.equal(await wsCall(b, { id: 1, op: 'listCertificates', nonce: 'ws-nonce-from-b-0123' }), 'refused');

  // 8. The agent stops: connect() says AGENT_NOT_RUNNING within a second or so.
  process.kill(agentPid, 'SIGTERM');
  // Until its port refuses connections (the process stays a zombie until
  // the Rust test reaps it, so its pid is no sign).
  for (let i = 0; i < 100; i++) {
    try { await fetch(agentUrl + '/'); } catch { break; }
    await new Promise((res) => setTimeout(res, 100));
  }
  const started = Date.now();
  await click(a, '#connect');
  r = await outcome(a);
  assert.equal(r.code, 'AGENT_NOT_RUNNING', r.text);
  assert.match(r.text, /podpis agent/);
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  await snap(a, 'agent-not-running');

  console.log('agent in chromium: OK');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  siteA.close();
  siteB.close();
}
process.exit(failed ? 1 : 0);

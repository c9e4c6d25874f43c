// The signing agent and the JavaScript SDK (web/sdk) in a real browser:
// `node agent.spec.mjs chromium|firefox` (browsers.mjs: Debian's Chromium
// through playwright-core, Debian's Firefox ESR through puppeteer-core).
// Started by crates/podpis/tests/cli_agent.rs against a `podpis agent` it
// runs, with PODPIS_AGENT_URL, PODPIS_AGENT_PID, PODPIS_SDK (the SDK file),
// PODPIS_PIN, PODPIS_OUT (where signatures are written) and PODPIS_SHOTS
// (screenshots).
//
// Three test sites are served here: site A (http://127.0.0.1) is approved
// by the user on the agent's approval page; site B (http://localhost) never
// is; site C is HTTPS on this machine's non-loopback address, as a real
// portal is to the browser. A: connect, list, sign with the PIN on the
// consent page, «Отмена» → CANCELLED, three wrong PINs → PIN_INCORRECT ×2,
// PIN_LOCKED. B: neither list nor sign. C: the browser's Local Network
// Access permission decides whether the page reaches the agent
// (LOCAL_NETWORK_BLOCKED unless granted). Then the agent is stopped and A's
// connect() says AGENT_NOT_RUNNING.
// Prints "agent in <browser> <version>: OK"; exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { BROWSERS, launch } from './browsers.mjs';

const browserName = process.argv[2] ?? 'chromium';
assert.ok(BROWSERS.includes(browserName), `usage: node agent.spec.mjs ${BROWSERS.join('|')}`);

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
// ?permissionWait=ms: how long connect() waits for the browser's question.
const wait = new URLSearchParams(location.search).get('permissionWait');
const options = wait === null ? { url } : { url, permissionWaitMs: Number(wait) };
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
  try { agent = await connect(options); show(true, 'Агент подписи ' + agent.version); }
  catch (e) { fail(e); }
};
document.getElementById('access').onclick = async () => {
  try { agent = await requestAccess(options); show(true, 'Доступ разрешён, агент ' + agent.version); }
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

// A test site on 127.0.0.1, or with `tls` ({key, cert}) over HTTPS on `host`.
function site(title, host = '127.0.0.1', tls = null) {
  const sdk = readFileSync(sdkFile);
  const serve = (req, res) => {
    if (req.url.startsWith('/sdk/podpis-agent.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(sdk);
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(title));
    }
  };
  const server = tls ? createTlsServer(tls, serve) : createServer(serve);
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}

// This machine's first non-loopback IPv4 address: to the browser, a site
// there is not on loopback, so reaching the agent needs its Local Network
// Access permission, as for a portal on the Internet.
function outsideAddress() {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('no non-loopback IPv4 address: site C needs one (any network interface)');
}

// A throwaway self-signed certificate for `ip` (the browsers are told to
// accept it), made with the openssl command-line tool.
function selfSigned(ip) {
  const dir = mkdtempSync(join(tmpdir(), 'podpis-site-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=podpis test site',
    '-addext', `subjectAltName=IP:${ip}`], { encoding: 'utf8' });
  assert.equal(made.status, 0, `openssl req: ${made.stderr}`);
  const tls = { key: readFileSync(key), cert: readFileSync(cert) };
  rmSync(dir, { recursive: true, force: true });
  return tls;
}

const siteA = await site('Госпортал (тест)');
const siteB = await site('Чужой сайт');
const originA = `http://127.0.0.1:${siteA.address().port}`;
// Another origin: another host name and port.
const originB = `http://localhost:${siteB.address().port}`;
const outside = outsideAddress();
const siteC = await site('Портал в сети', outside, selfSigned(outside));
const originC = `https://${outside}:${siteC.address().port}`;

const browser = await launch(browserName);

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
  await p.screenshot(join(shots, `${String(shot).padStart(2, '0')}-${name}.png`));
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const a = await browser.newPage();
  const outcome = async (p) => {
    const el = '#status p';
    await p.waitFor(el);
    return { ok: (await p.attribute(el, 'id')) === 'ok', code: await p.attribute(el, 'data-code'), text: await p.text(el) };
  };
  const click = async (p, id) => {
    await p.evaluate(() => { document.getElementById('status').innerHTML = ''; });
    await p.click(id);
  };
  // Clicks a button that opens the agent's window; returns the window once
  // it shows `path`.
  const clickForPopup = async (p, id, path) => {
    const popup = await browser.popup(() => click(p, id));
    await popup.waitForPath(path);
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
  assert.equal((await approval.text('#origin')).trim(), originA);
  await snap(approval, 'approve-origin');
  await approval.clickAndWaitForNavigation('#allow');
  assert.match(await approval.text('body'), /Сайт разрешён/);
  r = await outcome(a);
  assert.ok(r.ok, r.text);
  assert.match(r.text, /Доступ разрешён/);
  await approval.close();

  // 3. The certificates, with SNILS and the qualified flag.
  await click(a, '#list');
  r = await outcome(a);
  assert.ok(r.ok, r.text);
  const certText = await a.text('#certs');
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
  assert.equal((await consent.text('#origin')).trim(), originA);
  assert.match(await consent.text('#description'), /Заявление о выдаче справки № 42/);
  assert.match(await consent.text('#digest'), /[0-9a-f]{8} [0-9a-f]{8}/);
  assert.equal(await consent.attribute('html', 'lang'), 'ru');
  await consent.fill('#pin', pin);
  await snap(consent, 'consent-page');
  await consent.click('#sign');
  await consent.waitForText('Документ подписан');
  r = await outcome(a);
  assert.ok(r.ok, r.text);
  assert.match(r.text, /Подписано: CAdES-BES/);
  writeFileSync(join(out, 'attached.p7s'), Buffer.from(await a.evaluate(() => window.lastSignature), 'base64'));
  await snap(a, 'signed');
  await consent.close();

  // 5. «Отмена» → CANCELLED.
  consent = await clickForPopup(a, '#sign', '/consent/');
  await consent.click('#cancel');
  await consent.waitForText('Подписание отменено');
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
    await consent.waitFor('#code');
    assert.equal((await consent.text('#code')).trim(), code);
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
  const b = await browser.newPage();
  await b.goto(`${originB}/?cert=${encodeURIComponent('any')}`);
  await click(b, '#direct-list');
  r = await outcome(b);
  assert.equal(r.code, 'ORIGIN_NOT_ALLOWED', r.text);
  const pagesBefore = (await browser.pages()).length;
  await click(b, '#direct-sign');
  r = await outcome(b);
  assert.equal(r.code, 'ORIGIN_NOT_ALLOWED', r.text);
  await sleep(300);
  for (const p of (await browser.pages()).slice(pagesBefore)) {
    assert.ok(!p.url().includes('/consent/'), 'a consent window opened for site B');
    await p.close();
  }
  await snap(b, 'other-origin-refused');
  // Nor open the WebSocket.
  assert.equal(await wsCall(b, { id: 1, op: 'listCertificates', nonce: 'ws-nonce-from-b-0123' }), 'refused');

  // 8. Site C is not on loopback: the browser lets it reach the agent only
  //    with the site's Local Network Access permission ('loopback-network').
  //    Asked and not answered: Firefox holds the request while it asks (the
  //    SDK waits permissionWaitMs for the answer), headless Chromium refuses
  //    at once; either way LOCAL_NETWORK_BLOCKED, not AGENT_NOT_RUNNING.
  const c = await browser.newPage();
  await c.goto(`${originC}/?permissionWait=1500`);
  assert.equal(await c.evaluate(() => isSecureContext), true);
  let started = Date.now();
  await click(c, '#connect');
  r = await outcome(c);
  assert.equal(r.code, 'LOCAL_NETWORK_BLOCKED', r.text);
  assert.match(r.text, /доступ к приложениям на компьютере/);
  if (browser.name === 'firefox') {
    const took = Date.now() - started;
    assert.ok(took >= 2400, `Firefox did not hold the request while asking: ${took} ms`);
  }
  // Refused by the user: at once.
  await browser.setPermission(originC, 'loopback-network', 'denied');
  started = Date.now();
  await click(c, '#connect');
  r = await outcome(c);
  assert.equal(r.code, 'LOCAL_NETWORK_BLOCKED', r.text);
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  await snap(c, 'local-network-blocked');
  // Allowed: the page reaches the agent, which answers that the site is
  // not on the user's allow-list.
  await browser.setPermission(originC, 'loopback-network', 'granted');
  await click(c, '#connect');
  r = await outcome(c);
  assert.equal(r.code, 'ORIGIN_NOT_ALLOWED', r.text);

  // 9. The agent stops: connect() says AGENT_NOT_RUNNING within a second or so.
  process.kill(agentPid, 'SIGTERM');
  // Until its port refuses connections (the process stays a zombie until
  // the Rust test reaps it, so its pid is no sign).
  for (let i = 0; i < 100; i++) {
    try { await fetch(agentUrl + '/'); } catch { break; }
    await sleep(100);
  }
  started = Date.now();
  await click(a, '#connect');
  r = await outcome(a);
  assert.equal(r.code, 'AGENT_NOT_RUNNING', r.text);
  assert.match(r.text, /podpis agent/);
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  await snap(a, 'agent-not-running');

  console.log(`agent in ${browser.name} ${browser.version}: OK`);
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  siteA.close();
  siteB.close();
  siteC.close();
}
process.exit(failed ? 1 : 0);

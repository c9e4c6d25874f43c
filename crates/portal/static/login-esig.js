// «Вход с помощью электронной подписи» on the portal's login page
// (/login/esig): finds the local signing agent through its SDK, lists the
// agent's certificates («Выбор сертификата»), has the chosen one sign the
// identity provider's one-time challenge (the agent asks for consent and
// the PIN on its own page) and posts the signature. The answer sets the
// session cookie (HttpOnly) and the page opens the cabinet. Every error is
// shown with its stable code and its message in the page's language.
// Texts come from the page (data-text-… attributes, the portal catalogue);
// the DOM is built with textContent only. See docs/portal.md.
import { connect, requestAccess, PodpisError } from '/static/podpis-agent.js';

const root = document.getElementById('esig-agent');
const lang = document.documentElement.lang === 'en' ? 'en' : 'ru';
const url = root.dataset.agentUrl;
const text = (name) => root.dataset['text' + name] ?? '';
const statusBox = document.getElementById('esig-status');
const errorBox = document.getElementById('esig-error');
const accessButton = document.getElementById('esig-access');
const retryButton = document.getElementById('esig-retry');
const chooser = document.getElementById('esig-choose');
const list = document.getElementById('esig-certs');

let agent = null;
let busy = false;

function element(tag, content, className) {
  const e = document.createElement(tag);
  if (content !== undefined) e.textContent = content;
  if (className) e.className = className;
  return e;
}

function status(message) {
  statusBox.replaceChildren();
  if (message) statusBox.append(element('p', message));
}

function clearError() {
  errorBox.replaceChildren();
  accessButton.hidden = true;
  retryButton.hidden = true;
}

// An error as the portal's pages show one: the message, then the code.
function showError(code, message) {
  status('');
  const box = element('div', undefined, 'error');
  box.dataset.code = code;
  const p = element('p');
  p.append(element('strong', message));
  const c = element('p', text('Code') + ': ', 'code');
  c.append(element('code', code));
  box.append(p, c);
  errorBox.replaceChildren(box);
}

function failed(e) {
  if (e instanceof PodpisError) {
    showError(e.code, lang === 'en' ? e.messageEn : e.messageRu);
    if (e.code === 'ORIGIN_NOT_ALLOWED') accessButton.hidden = false;
    if (e.code === 'AGENT_NOT_RUNNING' || e.code === 'AGENT_PROTOCOL') retryButton.hidden = false;
  } else if (e && typeof e.code === 'string' && e.message_ru) {
    // The identity provider's refusal: {code, message_ru, message_en}.
    showError(e.code, lang === 'en' ? e.message_en : e.message_ru);
  } else {
    showError('PORTAL_UNREACHABLE', text('Unreachable'));
    retryButton.hidden = false;
  }
}

const snils = (d) => (d && d.length === 11 ? `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6, 9)} ${d.slice(9)}` : d);
const day = (rfc3339) => new Date(rfc3339).toLocaleDateString(lang === 'en' ? 'en-GB' : 'ru-RU');

function show(certificates) {
  list.replaceChildren();
  for (const c of certificates) {
    const button = element('button', undefined, 'cert');
    button.type = 'button';
    button.dataset.id = c.id;
    button.append(element('strong', c.name ?? c.subject));
    const facts = [
      c.snils ? `${text('Snils')} ${snils(c.snils)}` : null,
      `${text('Issuer')}: ${c.issuerName ?? c.issuer}`,
      `${text('Valid')}: ${day(c.notBefore)} – ${day(c.notAfter)}`,
    ];
    for (const f of facts) if (f) button.append(element('span', f));
    button.append(element('span', text('LoginWith'), 'action'));
    button.addEventListener('click', () => login(c));
    const li = element('li');
    li.append(button);
    list.append(li);
  }
  chooser.hidden = certificates.length === 0;
  status(certificates.length ? text('Pick') : text('None'));
  if (!certificates.length) retryButton.hidden = false;
}

async function listCertificates() {
  show(await agent.listCertificates());
}

async function start() {
  clearError();
  chooser.hidden = true;
  status(text('Searching'));
  try {
    agent = await connect({ url, lang });
    await listCertificates();
  } catch (e) {
    failed(e);
  }
}

// POSTs JSON to the portal's own API; the refusal is thrown as it came.
async function api(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
  } catch {
    throw new Error('unreachable');
  }
  let answer = null;
  try {
    answer = await response.json();
  } catch {
    throw new Error('unreachable');
  }
  if (!response.ok) throw answer;
  return answer;
}

function challengeBytes(base64url) {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
}

async function login(certificate) {
  if (busy) return;
  busy = true;
  clearError();
  try {
    // The challenge (its binding cookie comes with it), signed detached by
    // the agent after the user's consent and PIN on the agent's page.
    const challenge = await api('/api/v1/login/esig/challenge');
    status(text('Signing'));
    const signed = await agent.sign({
      certId: certificate.id,
      data: challengeBytes(challenge.challenge),
      detached: true,
      description: text('Description'),
    });
    status(text('Checking'));
    await api('/api/v1/login/esig', { challenge: challenge.challenge, signature: signed.signatureBase64 });
    status(text('Done'));
    window.location.assign('/cabinet');
  } catch (e) {
    failed(e);
  } finally {
    busy = false;
  }
}

accessButton.addEventListener('click', async () => {
  clearError();
  try {
    agent = await requestAccess({ url, lang });
    await listCertificates();
  } catch (e) {
    failed(e);
  }
});
retryButton.addEventListener('click', start);

root.hidden = false;
start();

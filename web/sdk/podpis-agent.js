// podpis-agent: the JavaScript SDK of the podpis signing agent.
//
// An ES module without dependencies. A page calls connect() to find the
// agent on the user's machine (http://127.0.0.1:47213), lists the
// certificates and asks for signatures; the user confirms every signature
// with the PIN in the agent's own window, which this page cannot read or
// script. Errors are PodpisError objects with a stable `code` and messages
// in Russian and English (docs/errors.md, "Signing agent and SDK").
// See docs/agent.md for the API with examples.

/** The agent's default address. */
export const DEFAULT_URL = 'http://127.0.0.1:47213';

/** How long connect() looks for the agent, in milliseconds. */
export const CONNECT_TIMEOUT_MS = 1000;

/**
 * How long connect() waits, past CONNECT_TIMEOUT_MS, while the browser asks
 * the user whether this site may reach apps on the computer (Local Network
 * Access: Firefox holds the request until the user answers), in milliseconds.
 */
export const PERMISSION_WAIT_MS = 60000;

// The error catalogue: the same texts as docs/errors.md (a test compares
// them); {name} marks a parameter. Keep it plain JSON.
// catalogue:begin
const CATALOGUE = {
  "AGENT_NOT_RUNNING": {
    "ru": "Агент подписи не отвечает. Установите podpis и запустите агент: `podpis agent` или `systemctl --user start podpis-agent` (docs/agent.md), затем повторите.",
    "en": "The signing agent does not answer. Install podpis and start the agent: `podpis agent` or `systemctl --user start podpis-agent` (docs/agent.md), then retry."
  },
  "AGENT_PROTOCOL": {
    "ru": "Агент подписи ответил непонятно. Обновите podpis и библиотеку podpis-agent до одной версии.",
    "en": "The signing agent's answer was not understood. Update podpis and the podpis-agent library to the same version."
  },
  "LOCAL_NETWORK_BLOCKED": {
    "ru": "Браузер не дал этому сайту доступ к приложениям на компьютере, и агент подписи недоступен. Разрешите доступ, когда браузер спросит (или в настройках сайта, значок слева от адреса), и повторите; агент должен быть запущен: `podpis agent`.",
    "en": "The browser has not let this site reach apps on this computer, so the signing agent is out of reach. Allow it when the browser asks (or in the site's settings, the icon left of the address) and retry; the agent must be running: `podpis agent`."
  },
  "CONSENT_WINDOW_BLOCKED": {
    "ru": "Браузер не открыл окно агента подписи. Разрешите всплывающие окна для этого сайта и повторите.",
    "en": "The browser did not open the signing agent's window. Allow pop-ups for this site and retry."
  },
  "AGENT_HOST_NOT_ALLOWED": {
    "ru": "Запрос пришёл не на адрес агента (127.0.0.1, [::1] или localhost). Обращайтесь к агенту по его адресу.",
    "en": "The request was not sent to the agent's address (127.0.0.1, [::1] or localhost). Call the agent by its address."
  },
  "ORIGIN_NOT_ALLOWED": {
    "ru": "Этот сайт не допущен к агенту подписи. Разрешите его в окне агента или на странице агента.",
    "en": "This site is not allowed to use the signing agent. Allow it in the agent's window or on the agent's page."
  },
  "AGENT_NONCE_INVALID": {
    "ru": "В запросе нет одноразового кода (nonce). Обновите библиотеку podpis-agent на сайте.",
    "en": "The request carries no nonce. Update the podpis-agent library on the site."
  },
  "AGENT_NONCE_REUSED": {
    "ru": "Запрос повторён (одноразовый код уже использован). Повторите действие на сайте.",
    "en": "The request was replayed (its nonce was used before). Repeat the action on the site."
  },
  "AGENT_BAD_REQUEST": {
    "ru": "Неверный запрос к агенту: {detail}. Сообщите владельцу сайта.",
    "en": "Bad request to the agent: {detail}. Tell the site's owner."
  },
  "AGENT_CERT_NOT_FOUND": {
    "ru": "Сертификат не найден у агента. Подключите токен или выберите другой сертификат.",
    "en": "The agent has no such certificate. Plug in the token or pick another certificate."
  },
  "CANCELLED": {
    "ru": "Подписание отменено пользователем.",
    "en": "The user cancelled signing."
  },
  "CONSENT_EXPIRED": {
    "ru": "Время на подтверждение истекло. Повторите подписание.",
    "en": "The time to confirm ran out. Sign again."
  },
  "CONSENT_NOT_FOUND": {
    "ru": "Запрос на подпись не найден. Повторите подписание на сайте.",
    "en": "No such signing request. Sign again on the site."
  },
  "CONSENT_USED": {
    "ru": "Этот запрос уже обработан; повторное подтверждение ничего не делает. Повторите подписание на сайте.",
    "en": "This request was already decided; confirming it again does nothing. Sign again on the site."
  },
  "PIN_INCORRECT": {
    "ru": "Неверный PIN-код. Осталось попыток: {triesLeft}; после этого PIN-код будет заблокирован.",
    "en": "Wrong PIN. {triesLeft} tries left before the PIN locks."
  },
  "PIN_LOCKED": {
    "ru": "PIN-код заблокирован после нескольких неверных попыток. Разблокируйте его PIN-кодом администратора (SO PIN): `podpis token unblock`.",
    "en": "The PIN is locked after too many wrong tries. Unblock it with the SO PIN: `podpis token unblock`."
  },
  "AGENT_SIGN_FAILED": {
    "ru": "Не удалось подписать ключом ({cause}). Проверьте контейнер или токен: `podpis token list`.",
    "en": "Signing with the key failed ({cause}). Check the container or token: `podpis token list`."
  },
  "AGENT_BUSY": {
    "ru": "Слишком много запросов ждут подтверждения. Завершите их и повторите.",
    "en": "Too many requests are waiting for confirmation. Finish them and retry."
  },
  "AGENT_ORIGINS_FILE": {
    "ru": "Не удалось прочитать или записать список разрешённых сайтов: {detail}. Проверьте права на файл.",
    "en": "Reading or writing the list of allowed sites failed: {detail}. Check the file's permissions."
  }
};
// catalogue:end

/** Every error code the SDK can raise, with its Russian and English message templates. */
export const ERRORS = CATALOGUE;

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (_, name) =>
    params[name] === undefined || params[name] === null ? '?' : String(params[name]));
}

/** An error with a stable code and messages in Russian and English. */
export class PodpisError extends Error {
  constructor(code, params = {}, lang = 'ru') {
    const entry = CATALOGUE[code] ?? CATALOGUE.AGENT_PROTOCOL;
    const messageRu = fill(entry.ru, params);
    const messageEn = fill(entry.en, params);
    super(lang === 'en' ? messageEn : messageRu);
    this.name = 'PodpisError';
    this.code = CATALOGUE[code] ? code : 'AGENT_PROTOCOL';
    this.messageRu = messageRu;
    this.messageEn = messageEn;
    if (params.triesLeft !== undefined) this.triesLeft = params.triesLeft;
    if (params.approvalUrl !== undefined) this.approvalUrl = params.approvalUrl;
    if (params.cause !== undefined) this.keyHolderCode = params.cause;
  }
}

function fromAgent(error, lang) {
  if (!error || typeof error.code !== 'string') return new PodpisError('AGENT_PROTOCOL', {}, lang);
  return new PodpisError(error.code, {
    triesLeft: error.triesLeft,
    approvalUrl: error.approvalUrl,
    cause: error.cause,
    detail: error.detail,
  }, lang);
}

function nonce() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function toBytes(data) {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('data must be a string, Uint8Array or ArrayBuffer');
}

function toHex(digest) {
  if (typeof digest === 'string') return digest.replace(/\s+/g, '').toLowerCase();
  return Array.from(toBytes(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether the browser lets this page reach the loopback agent (Local
 * Network Access, Chromium and Firefox): 'granted', 'prompt' (it asks the
 * user first), 'denied', or null when it does not gate the page (a page on
 * loopback itself, or a browser without the permission).
 */
async function loopbackAccess() {
  if (typeof location !== 'undefined' && LOOPBACK_HOST.test(location.hostname)) return null;
  try {
    return (await navigator.permissions.query({ name: 'loopback-network' })).state;
  } catch {
    return null;
  }
}

/** The error for an agent that could not be reached. */
async function unreachable(lang) {
  const access = await loopbackAccess();
  const blocked = access === 'prompt' || access === 'denied';
  return new PodpisError(blocked ? 'LOCAL_NETWORK_BLOCKED' : 'AGENT_NOT_RUNNING', {}, lang);
}

/**
 * POSTs one API call; returns `result` or throws the PodpisError. With
 * `timeoutMs`, gives up after that long, unless the browser is asking the
 * user for loopback access then: that answer gets `permissionWaitMs` more.
 */
async function post(url, path, body, lang, timeoutMs, permissionWaitMs = 0) {
  const sent = nonce();
  const controller = new AbortController();
  let done = false;
  let timer = null;
  const expire = async () => {
    if (permissionWaitMs && (await loopbackAccess()) === 'prompt') {
      if (!done) timer = setTimeout(() => controller.abort(), permissionWaitMs);
    } else {
      controller.abort();
    }
  };
  if (timeoutMs) timer = setTimeout(expire, timeoutMs);
  let response;
  try {
    response = await fetch(url + path, {
      method: 'POST',
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, nonce: sent }),
      signal: controller.signal,
      // Chromium's Private Network Access: the agent is on loopback.
      targetAddressSpace: 'loopback',
    });
  } catch {
    throw await unreachable(lang);
  } finally {
    done = true;
    if (timer) clearTimeout(timer);
  }
  let answer;
  try {
    answer = await response.json();
  } catch {
    throw new PodpisError('AGENT_PROTOCOL', {}, lang);
  }
  if (answer && answer.error) throw fromAgent(answer.error, lang);
  if (!answer || answer.nonce !== sent || answer.result === undefined) {
    throw new PodpisError('AGENT_PROTOCOL', {}, lang);
  }
  return answer.result;
}

/**
 * Finds the agent (within CONNECT_TIMEOUT_MS, or PERMISSION_WAIT_MS more
 * while the browser asks the user for loopback access) and checks that this
 * site is allowed. Rejects with AGENT_NOT_RUNNING, LOCAL_NETWORK_BLOCKED, or
 * ORIGIN_NOT_ALLOWED carrying `approvalUrl` (see requestAccess()).
 */
export async function connect(options = {}) {
  const url = (options.url ?? DEFAULT_URL).replace(/\/+$/, '');
  const lang = options.lang === 'en' ? 'en' : 'ru';
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  const permissionWaitMs = options.permissionWaitMs ?? PERMISSION_WAIT_MS;
  const info = await post(url, '/api/v1/version', {}, lang, timeoutMs, permissionWaitMs);
  if (!info || info.agent !== 'podpis-agent') throw new PodpisError('AGENT_PROTOCOL', {}, lang);
  return new Agent(url, lang, info);
}

function openWindow(name) {
  // Opened at once, inside the user's click: pop-up blockers allow that.
  return window.open('about:blank', name, 'popup,width=560,height=720');
}

/**
 * Asks the user to allow this site: opens the agent's approval page (call
 * it from a click handler) and resolves with the Agent once allowed.
 */
export async function requestAccess(options = {}) {
  const url = (options.url ?? DEFAULT_URL).replace(/\/+$/, '');
  const lang = options.lang === 'en' ? 'en' : 'ru';
  const popup = openWindow('podpis-agent-approval');
  try {
    return await connect(options);
  } catch (e) {
    if (!(e instanceof PodpisError) || e.code !== 'ORIGIN_NOT_ALLOWED' || !e.approvalUrl) {
      if (popup) popup.close();
      throw e;
    }
    const target = `${e.approvalUrl}?lang=${lang}`;
    if (popup) popup.location.href = target;
    else if (!window.open(target, 'podpis-agent-approval')) {
      throw new PodpisError('CONSENT_WINDOW_BLOCKED', {}, lang);
    }
  }
  const deadline = Date.now() + (options.waitMs ?? 5 * 60 * 1000);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    try {
      return await connect({ ...options, url });
    } catch (e) {
      if (!(e instanceof PodpisError) || e.code !== 'ORIGIN_NOT_ALLOWED') throw e;
    }
  }
  throw new PodpisError('ORIGIN_NOT_ALLOWED', {}, lang);
}

/** A connected agent. */
export class Agent {
  constructor(url, lang, info) {
    this.url = url;
    this.lang = lang;
    this.version = info.version;
    this.protocol = info.protocol;
  }

  /** The certificates whose keys the agent can use (public facts only). */
  async listCertificates() {
    const result = await post(this.url, '/api/v1/certificates', {}, this.lang);
    if (!result || !Array.isArray(result.certificates)) {
      throw new PodpisError('AGENT_PROTOCOL', {}, this.lang);
    }
    return result.certificates;
  }

  /**
   * Signs `data` (or a ready `digest`, detached only) as CAdES-BES after the
   * user confirms with the PIN in the agent's window. Call it from a click
   * handler: the window opens at once.
   */
  async sign({ certId, data, digest, detached = false, description }) {
    const popup = openWindow('podpis-agent-consent');
    try {
      const body = { certId, detached, description };
      if (data !== undefined) body.data = base64(toBytes(data));
      if (digest !== undefined) body.digest = toHex(digest);
      const started = await post(this.url, '/api/v1/sign', body, this.lang);
      const target = `${started.consentUrl}?lang=${this.lang}`;
      if (popup) popup.location.href = target;
      else if (!window.open(target, 'podpis-agent-consent')) {
        throw new PodpisError('CONSENT_WINDOW_BLOCKED', {}, this.lang);
      }
      const result = await this.#await(started.request);
      return {
        signature: fromBase64(result.signature),
        signatureBase64: result.signature,
        format: result.format,
        detached: result.detached,
        certId: result.certId,
        digest: result.digest,
      };
    } catch (e) {
      if (popup && e instanceof PodpisError && e.code !== 'CANCELLED' && !e.code.startsWith('PIN_')) {
        try { popup.close(); } catch { /* the window is the agent's now */ }
      }
      throw e;
    }
  }

  /** Waits for the user's decision: over the WebSocket, else by long polls. */
  async #await(request) {
    try {
      return await this.#awaitWs(request);
    } catch (e) {
      if (e instanceof PodpisError) throw e;
    }
    for (;;) {
      const r = await post(this.url, '/api/v1/sign/result', { request }, this.lang);
      if (r.status !== 'pending') return r;
    }
  }

  #awaitWs(request) {
    const lang = this.lang;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url.replace(/^http/, 'ws') + '/api/v1/ws');
      let id = 0;
      let sent = null;
      let settled = false;
      const ask = () => {
        sent = nonce();
        socket.send(JSON.stringify({ id: ++id, op: 'await', nonce: sent, request }));
      };
      socket.onopen = ask;
      socket.onmessage = (event) => {
        let answer;
        try { answer = JSON.parse(event.data); } catch { answer = null; }
        if (!answer || answer.nonce !== sent) {
          settled = true; socket.close(); reject(new PodpisError('AGENT_PROTOCOL', {}, lang)); return;
        }
        if (answer.error) {
          settled = true; socket.close(); reject(fromAgent(answer.error, lang)); return;
        }
        if (answer.result && answer.result.status === 'pending') { ask(); return; }
        settled = true; socket.close(); resolve(answer.result);
      };
      // A socket that fails before an answer: the caller falls back to HTTP.
      socket.onerror = () => { if (!settled) { settled = true; reject(new Error('websocket')); } };
      socket.onclose = () => { if (!settled) { settled = true; reject(new Error('websocket')); } };
    });
  }
}

// Types of podpis-agent.js, the SDK of the podpis signing agent (docs/agent.md).

/** The agent's default address. */
export declare const DEFAULT_URL: 'http://127.0.0.1:47213';

/** How long connect() looks for the agent, in milliseconds. */
export declare const CONNECT_TIMEOUT_MS: 1000;

/**
 * How long connect() waits, past its timeout, while the browser asks the
 * user whether this site may reach apps on the computer, in milliseconds.
 */
export declare const PERMISSION_WAIT_MS: 60000;

/** Every code a PodpisError can carry (docs/errors.md, "Signing agent and SDK"). */
export type ErrorCode =
  | 'AGENT_NOT_RUNNING'
  | 'AGENT_PROTOCOL'
  | 'LOCAL_NETWORK_BLOCKED'
  | 'CONSENT_WINDOW_BLOCKED'
  | 'AGENT_HOST_NOT_ALLOWED'
  | 'ORIGIN_NOT_ALLOWED'
  | 'AGENT_NONCE_INVALID'
  | 'AGENT_NONCE_REUSED'
  | 'AGENT_BAD_REQUEST'
  | 'AGENT_CERT_NOT_FOUND'
  | 'CANCELLED'
  | 'CONSENT_EXPIRED'
  | 'CONSENT_NOT_FOUND'
  | 'CONSENT_USED'
  | 'PIN_INCORRECT'
  | 'PIN_LOCKED'
  | 'AGENT_SIGN_FAILED'
  | 'AGENT_BUSY'
  | 'AGENT_ORIGINS_FILE';

/** The message templates of every code; `{name}` marks a parameter. */
export declare const ERRORS: Readonly<Record<ErrorCode, { readonly ru: string; readonly en: string }>>;

/** An error with a stable code and messages in Russian and English. */
export declare class PodpisError extends Error {
  readonly name: 'PodpisError';
  /** The stable code. */
  readonly code: ErrorCode;
  /** The message in Russian (what happened and what to do). */
  readonly messageRu: string;
  /** The message in English. */
  readonly messageEn: string;
  /** PIN_INCORRECT: wrong PINs left before the PIN locks, when the key holder tells. */
  readonly triesLeft?: number;
  /** ORIGIN_NOT_ALLOWED: the agent's page where the user can allow this site. */
  readonly approvalUrl?: string;
  /** AGENT_SIGN_FAILED: the key holder's own code (e.g. CONTAINER_CORRUPT). */
  readonly keyHolderCode?: string;
}

/** Where a certificate's key lives. */
export type KeyLocation =
  | { kind: 'container'; path: string; keyId: string }
  | { kind: 'pkcs11'; module: string; slot: number; tokenLabel: string; tokenSerial: string; keyId: string };

/** A certificate the agent can sign with: public facts only. */
export interface Certificate {
  /** The id to pass to sign(): the Streebog-256 fingerprint, hex. */
  id: string;
  /** The holder's common name. */
  name: string | null;
  /** The subject, RFC 4514. */
  subject: string;
  /** The issuer, RFC 4514. */
  issuer: string;
  /** The issuer's common name. */
  issuerName: string | null;
  /** The serial number, hex. */
  serial: string;
  /** Validity, RFC 3339. */
  notBefore: string;
  notAfter: string;
  /** Registration numbers of the holder, digits only. */
  snils: string | null;
  inn: string | null;
  innle: string | null;
  ogrn: string | null;
  ogrnip: string | null;
  /** Whether the certificate meets the qualified profile (КЭП). */
  qualified: boolean;
  /** Where the key is (never the key). */
  location: KeyLocation;
  /** The certificate, base64 DER. */
  certificate: string;
}

/** What to sign. Give `data`, or `digest` (with `detached: true`). */
export interface SignRequest {
  /** A certificate's id from listCertificates(). */
  certId: string;
  /** The document: a string (signed as UTF-8) or bytes. */
  data?: string | Uint8Array | ArrayBuffer | ArrayBufferView;
  /** Its GOST R 34.11-2012 digest of the key's size, hex or bytes. */
  digest?: string | Uint8Array | ArrayBuffer | ArrayBufferView;
  /** Leave the document out of the signature (default false). */
  detached?: boolean;
  /** What is signed, in words: shown to the user on the consent page. */
  description: string;
}

/** A signature. */
export interface SignResult {
  /** The CMS SignedData (CAdES-BES), DER. */
  signature: Uint8Array;
  /** The same, base64. */
  signatureBase64: string;
  format: 'CAdES-BES';
  detached: boolean;
  certId: string;
  /** The digest signed, hex. */
  digest: string;
}

export interface ConnectOptions {
  /** The agent's address (default DEFAULT_URL). */
  url?: string;
  /** The language of error messages (default 'ru'). */
  lang?: 'ru' | 'en';
  /** How long to look for the agent (default CONNECT_TIMEOUT_MS). */
  timeoutMs?: number;
  /**
   * How much longer to wait while the browser asks the user to let this
   * site reach the agent (default PERMISSION_WAIT_MS).
   */
  permissionWaitMs?: number;
}

export interface AccessOptions extends ConnectOptions {
  /** How long to wait for the user's approval (default 5 minutes). */
  waitMs?: number;
}

/** A connected agent. */
export declare class Agent {
  constructor(url: string, lang: 'ru' | 'en', info: { version?: string; protocol?: number });
  readonly url: string;
  readonly lang: 'ru' | 'en';
  /** The agent's podpis version. */
  readonly version: string;
  /** The agent's protocol version. */
  readonly protocol: number;
  /** The certificates whose keys the agent can use. */
  listCertificates(): Promise<Certificate[]>;
  /**
   * Signs after the user confirms with the PIN in the agent's window.
   * Call it from a click handler (the window opens at once).
   */
  sign(request: SignRequest): Promise<SignResult>;
}

/**
 * Finds the agent within `timeoutMs` (`permissionWaitMs` more while the
 * browser asks the user for access): rejects with AGENT_NOT_RUNNING,
 * LOCAL_NETWORK_BLOCKED (the browser did not let the site reach the
 * computer's apps), or with ORIGIN_NOT_ALLOWED (carrying `approvalUrl`) for
 * a site not allowed yet.
 */
export declare function connect(options?: ConnectOptions): Promise<Agent>;

/**
 * Opens the agent's approval page for this site (call it from a click
 * handler) and resolves with the Agent once the user allowed it.
 */
export declare function requestAccess(options?: AccessOptions): Promise<Agent>;

// Webhook authenticity, the Standard Webhooks way (https://www.standardwebhooks.com):
// every delivery carries `webhook-id`, `webhook-timestamp` (integer unix
// seconds) and `webhook-signature`, a space-separated list of
// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` entries. Following a
// published scheme instead of inventing one means receivers verify us with an
// off-the-shelf library in their language.
//
// Why each part is there: the id lets receivers drop duplicates (deliveries
// are at-least-once); the signed timestamp bounds replays to the tolerance
// window; signing the exact body bytes (never a re-serialisation) is what
// makes the check meaningful. Secrets are `whsec_<base64 of 24–64 random
// bytes>`. Rotation signs with every valid secret at once: during the overlap
// a delivery carries two `v1` entries, so a receiver holding either the old or
// the new secret verifies it, and nobody has to switch at the same instant.
//
// API:
//   generateWebhookSecret()                   a fresh `whsec_` secret
//   signWebhook({ id, at, body, secrets })    the three headers to send
//   verifyWebhook({ headers, body, secrets }) for receivers and tests: a typed
//                                             result, never a throw for bad input
// A malformed *secret* is a configuration error and throws WebhookSecretError.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

export const SECRET_PREFIX = 'whsec_';
/** The spec's bounds on the decoded key. */
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;
const DEFAULT_SECRET_BYTES = 32;

/** Five minutes either side of the receiver's clock, as the spec recommends. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** A v1 signature is a base64 SHA-256 MAC: 32 bytes, 44 characters with padding. */
const V1_SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
// eslint-disable-next-line security/detect-unsafe-regex -- fixed-width groups of four: linear
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Our own ids: no `.`, so `<id>.<timestamp>.<body>` splits only one way. */
const OUTGOING_ID = /^[A-Za-z0-9_:-]{1,128}$/;
/** What we accept from other senders: visible ASCII, bounded. */
const INCOMING_ID = /^[\x21-\x7e]{1,256}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
/** Bounds the work an attacker can ask for: a rotation needs two entries, not hundreds. */
const MAX_SIGNATURE_HEADER_LENGTH = 4096;
const MAX_SIGNATURE_ENTRIES = 16;

export class WebhookSecretError extends Error {
  override name = 'WebhookSecretError';
}

/**
 * A secret and, for one being rotated out, the moment it stops signing. The
 * current secret has no end; a plain string is shorthand for that.
 */
export type SigningSecret = string | { readonly secret: string; readonly expiresAt?: Date | null };

export interface SignInput {
  /** The message id; retries of one event reuse it so receivers can de-duplicate. */
  readonly id: string;
  /** When this attempt is sent; signed as whole unix seconds. */
  readonly at: Date;
  /** The exact bytes that go on the wire. */
  readonly body: string | Uint8Array;
  /** Every secret of the endpoint; the expired ones are skipped. Current secret first. */
  readonly secrets: readonly SigningSecret[];
}

/** A type, not an interface, so it passes as a plain header record. */
export type WebhookHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

export type HeaderSource =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

export interface VerifyInput {
  readonly headers: HeaderSource;
  /** The raw body as received, before any JSON parsing. */
  readonly body: string | Uint8Array;
  /** The receiver's secrets: one, or two while a rotation overlaps. */
  readonly secrets: readonly string[];
  readonly now?: Date;
  readonly toleranceSeconds?: number;
}

export type VerifyFailure =
  | 'missing_header'
  | 'malformed_id'
  | 'malformed_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'malformed_signature'
  | 'no_matching_signature';

export type VerifyResult =
  | { readonly ok: true; readonly id: string; readonly timestamp: Date }
  | { readonly ok: false; readonly reason: VerifyFailure };

/** A fresh secret: `whsec_` + base64 of `bytes` random bytes (32 by default). */
export function generateWebhookSecret(bytes = DEFAULT_SECRET_BYTES): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new WebhookSecretError(
      `a secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} random bytes`,
    );
  }
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The HMAC key inside a `whsec_` secret. Strict: canonical base64, 24–64 bytes. */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) {
    throw new WebhookSecretError(`a webhook secret starts with ${SECRET_PREFIX}`);
  }
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (encoded.length > 4 * Math.ceil(MAX_SECRET_BYTES / 3) || !STRICT_BASE64.test(encoded)) {
    throw new WebhookSecretError('a webhook secret is whsec_ followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new WebhookSecretError(
      `a webhook secret decodes to ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes`,
    );
  }
  return key;
}

function mac(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key)
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest();
}

function secretOf(entry: SigningSecret): string {
  return typeof entry === 'string' ? entry : entry.secret;
}

function stillSigns(entry: SigningSecret, at: Date): boolean {
  if (typeof entry === 'string') return true;
  const end = entry.expiresAt;
  return end === undefined || end === null || at.getTime() < end.getTime();
}

/** The headers for one delivery attempt, signed with every secret still valid at `at`. */
export function signWebhook(input: SignInput): WebhookHeaders {
  if (!OUTGOING_ID.test(input.id)) {
    throw new TypeError('a webhook id is 1-128 characters of A-Z a-z 0-9 _ : -');
  }
  const ms = input.at.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new TypeError('the signing time is not a valid date');
  const timestamp = String(Math.floor(ms / 1000));
  const keys = input.secrets
    .filter((entry) => stillSigns(entry, input.at))
    .map((entry) => webhookSecretKey(secretOf(entry)));
  if (keys.length === 0) {
    throw new WebhookSecretError('no webhook secret is valid at the signing time');
  }
  const signature = keys
    .map((key) => `v1,${mac(key, input.id, timestamp, input.body).toString('base64')}`)
    .join(' ');
  return {
    [WEBHOOK_ID_HEADER]: input.id,
    [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
    [WEBHOOK_SIGNATURE_HEADER]: signature,
  };
}

/**
 * One header's value, or undefined when absent. A header sent twice is
 * ambiguous: as an array (or two keys differing in case) it reads as `null`;
 * Node's comma-joined form fails the shape checks below.
 */
function readHeader(headers: HeaderSource, name: string): string | null | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let found: string | readonly string[] | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (found !== undefined) return null;
    found = value;
  }
  if (found === undefined) return undefined;
  if (typeof found !== 'string') return found.length === 1 ? found[0]! : null;
  return found;
}

/** The decoded `v1` signatures, `[]` when there are none, or undefined when the header is malformed. */
function parseSignatures(header: string): Buffer[] | undefined {
  if (header.length > MAX_SIGNATURE_HEADER_LENGTH) return undefined;
  const entries = header.split(' ').filter((entry) => entry !== '');
  if (entries.length === 0 || entries.length > MAX_SIGNATURE_ENTRIES) return undefined;
  const signatures: Buffer[] = [];
  for (const entry of entries) {
    const comma = entry.indexOf(',');
    if (comma <= 0 || comma === entry.length - 1) return undefined;
    const version = entry.slice(0, comma);
    const value = entry.slice(comma + 1);
    // Other versions (`v1a` asymmetric signatures, future ones) are skipped,
    // as the spec asks: a sender may add them without breaking us.
    if (version !== 'v1') continue;
    if (!V1_SIGNATURE.test(value)) return undefined;
    signatures.push(Buffer.from(value, 'base64'));
  }
  return signatures;
}

/**
 * Checks a delivery the way a receiver must: all three headers present and
 * well-formed, the timestamp within `toleranceSeconds` of `now` (either way:
 * a far-future timestamp would outlive the replay window), and at least one
 * `v1` entry equal, in constant time, to the MAC under one of `secrets`.
 */
export function verifyWebhook(input: VerifyInput): VerifyResult {
  const keys = input.secrets.map(webhookSecretKey);
  if (keys.length === 0) throw new WebhookSecretError('verifying needs at least one secret');
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = input.now ?? new Date();

  const id = readHeader(input.headers, WEBHOOK_ID_HEADER);
  const timestamp = readHeader(input.headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatureHeader = readHeader(input.headers, WEBHOOK_SIGNATURE_HEADER);
  if (id === undefined || timestamp === undefined || signatureHeader === undefined) {
    return { ok: false, reason: 'missing_header' };
  }
  if (id === null || !INCOMING_ID.test(id)) return { ok: false, reason: 'malformed_id' };
  if (timestamp === null || !TIMESTAMP.test(timestamp)) {
    return { ok: false, reason: 'malformed_timestamp' };
  }
  const signatures = signatureHeader === null ? undefined : parseSignatures(signatureHeader);
  if (signatures === undefined) return { ok: false, reason: 'malformed_signature' };

  const seconds = Number(timestamp);
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (seconds < nowSeconds - tolerance) return { ok: false, reason: 'timestamp_too_old' };
  if (seconds > nowSeconds + tolerance) return { ok: false, reason: 'timestamp_too_new' };

  for (const key of keys) {
    const expected = mac(key, id, timestamp, input.body);
    for (const presented of signatures) {
      if (timingSafeEqual(expected, presented)) {
        return { ok: true, id, timestamp: new Date(seconds * 1000) };
      }
    }
  }
  return { ok: false, reason: 'no_matching_signature' };
}

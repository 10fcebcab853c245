// A self-signed certificate for local HTTPS (and HTTP/2, which browsers only
// speak over TLS). Generated once and reused until it nears expiry, so a
// browser exception or a pinned `ca` keeps working across restarts.
import { X509Certificate, createPrivateKey, randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DevCertificate {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM private key (PKCS#8). */
  readonly key: string;
  /** Whether this call generated the pair (false: reused from disk). */
  readonly created: boolean;
}

export const DEV_CERT_FILE = 'dev-cert.pem';
export const DEV_KEY_FILE = 'dev-key.pem';

const DAY_MS = 24 * 60 * 60 * 1000;
const VALIDITY_DAYS = 30;
/** Regenerate when less than this remains, so a running server never outlives its cert. */
const RENEW_BEFORE_MS = DAY_MS;
/** Tolerates a client clock slightly behind ours. */
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * Returns a localhost certificate from `dir`, generating and storing a new one
 * when none exists, it expires within a day, or the key does not match it.
 */
export async function ensureDevCertificate(dir: string): Promise<DevCertificate> {
  const certPath = join(dir, DEV_CERT_FILE);
  const keyPath = join(dir, DEV_KEY_FILE);

  const existing = await readPair(certPath, keyPath);
  if (existing !== undefined && isUsable(existing.cert, existing.key)) {
    return { ...existing, created: false };
  }

  const { cert, key } = await generateCertificate(new Date());
  // The directory holds a private key: owner-only, even if it already existed.
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  // Write-then-rename so a concurrent reader never sees a half-written file.
  await writeAtomically(keyPath, key, 0o600);
  await writeAtomically(certPath, cert, 0o644);
  return { cert, key, created: true };
}

async function readPair(certPath: string, keyPath: string) {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    return { cert, key };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isUsable(certPem: string, keyPem: string): boolean {
  try {
    const certificate = new X509Certificate(certPem);
    const validTo = new Date(certificate.validTo).getTime();
    // Two processes generating at once can leave one's cert next to the
    // other's key; a mismatched pair is replaced rather than served.
    return (
      validTo - Date.now() > RENEW_BEFORE_MS &&
      certificate.checkPrivateKey(createPrivateKey(keyPem))
    );
  } catch {
    // Unparseable files are treated like missing ones.
    return false;
  }
}

async function generateCertificate(now: Date) {
  const notBeforeDate = new Date(now.getTime() - BACKDATE_MS);
  const notAfterDate = new Date(now.getTime() + VALIDITY_DAYS * DAY_MS);
  // Loaded here, not at the top: the generator is a large module that every
  // process starting without TLS would otherwise load for nothing.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      // ECDSA keys sign the handshake; they never encipher keys (RFC 5480 §3).
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      // Clients match names against subjectAltName only, not the CN (RFC 6125 §6.4.4).
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { mode, flag: 'wx' });
  await rename(temporary, path);
}

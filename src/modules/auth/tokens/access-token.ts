// JWT access tokens in the RFC 9068 profile, signed with the ring's current
// Ed25519 key. Verification follows RFC 8725 (JWT best current practices):
// a one-entry algorithm allow-list, keys found only by `kid` in our own ring
// (header `jwk`/`jku`/`x5u`/`x5c` are never used), an explicit `typ`, exact
// issuer and audience, and cheap structural checks before any cryptography.

import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { isRole, type Role } from '../../users/rbac.ts';
import { SIGNING_ALG, type KeyRing } from './signing-keys.ts';
import { rejectToken } from './token-errors.ts';

/** RFC 9068 §2.1: the media type that keeps an ID token from passing as an access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;
/** Our tokens are well under 1 KiB; anything past this is refused before parsing. */
export const MAX_ACCESS_TOKEN_LENGTH = 8 * 1024;

export interface IssueAccessTokenInput {
  readonly sub: string;
  readonly scope: readonly string[];
  readonly role: Role;
  /** The login session (refresh-token family); becomes the `sid` claim. */
  readonly sessionId?: string | undefined;
  readonly ttlSeconds?: number;
  readonly issuer: string;
  readonly audience: string;
  readonly now: Date;
}

export interface VerifyAccessTokenOptions {
  readonly issuer: string;
  readonly audience: string;
  readonly now: Date;
  readonly clockToleranceSeconds?: number;
  /**
   * The lifetime tokens are issued with (default 15 minutes). A token whose
   * `exp - iat` exceeds it by more than the clock tolerance is refused.
   */
  readonly maxLifetimeSeconds?: number;
}

export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  readonly jti: string;
  readonly scope: readonly string[];
  readonly role: Role;
  readonly sid: string | undefined;
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const REQUIRED_CLAIMS = ['iss', 'aud', 'sub', 'exp', 'iat', 'nbf', 'jti'];

/** Signs an access token with the ring's current key; returns the compact JWS. */
export async function issueAccessToken(
  ring: KeyRing,
  input: IssueAccessTokenInput,
): Promise<string> {
  const ttlSeconds = input.ttlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  // A token must expire before the key that signed it can be dropped.
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0 || ttlSeconds > ring.overlapSeconds) {
    throw new RangeError(
      `ttlSeconds must be a positive integer ≤ the key overlap (${ring.overlapSeconds}s), got ${ttlSeconds}`,
    );
  }
  for (const scope of input.scope) {
    if (!SCOPE_TOKEN.test(scope))
      throw new TypeError(`invalid scope token ${JSON.stringify(scope)}`);
  }
  const { kid, key } = ring.signingKey();
  const iat = Math.floor(input.now.getTime() / 1000);
  const claims: JWTPayload = { scope: input.scope.join(' '), role: input.role };
  if (input.sessionId !== undefined) claims.sid = input.sessionId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYP })
    .setIssuer(input.issuer)
    .setAudience(input.audience)
    .setSubject(input.sub)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ttlSeconds)
    .setJti(randomUUID())
    .sign(key);
}

/**
 * Returns the token's claims or throws AUTH_TOKEN_EXPIRED / AUTH_TOKEN_INVALID
 * (with a TokenRejection cause). Never throws anything else for bad input.
 */
export async function verifyAccessToken(
  ring: KeyRing,
  token: string,
  options: VerifyAccessTokenOptions,
): Promise<AccessTokenClaims> {
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  const header = inspectHeader(token);
  if (header.alg !== SIGNING_ALG) {
    throw rejectToken('alg_not_allowed', `alg ${JSON.stringify(header.alg)} is not allowed`);
  }
  if (header.typ !== ACCESS_TOKEN_TYP) {
    throw rejectToken('typ_mismatch', `typ ${JSON.stringify(header.typ)} is not at+jwt`);
  }
  if (typeof header.kid !== 'string') throw rejectToken('kid_missing', 'no kid in header');
  const key = ring.verificationKey(header.kid, options.now);
  if (key === undefined) throw rejectToken('kid_unknown', `kid "${header.kid}" is not in the ring`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [SIGNING_ALG],
      typ: ACCESS_TOKEN_TYP,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: REQUIRED_CLAIMS,
      currentDate: options.now,
      clockTolerance: tolerance,
    }));
  } catch (error) {
    throw translateJoseError(error);
  }
  return claimsFrom(payload, options, tolerance);
}

/** Structural checks on the raw string; returns the decoded protected header. */
function inspectHeader(token: string): Record<string, unknown> {
  if (typeof token !== 'string') throw rejectToken('malformed', 'token is not a string');
  if (token.length > MAX_ACCESS_TOKEN_LENGTH) {
    throw rejectToken('too_large', `token is ${token.length} characters`);
  }
  const segments = token.split('.');
  if (segments.length !== 3) {
    throw rejectToken('malformed', `expected 3 segments, got ${segments.length}`);
  }
  // An empty signature is how `alg: none` tokens end; they fail here.
  if (!segments.every((segment) => BASE64URL.test(segment))) {
    throw rejectToken('malformed', 'a segment is empty or not base64url');
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segments[0]!, 'base64url').toString('utf8'));
  } catch (error) {
    throw rejectToken('malformed', 'header is not JSON', error);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw rejectToken('malformed', 'header is not a JSON object');
  }
  return header as Record<string, unknown>;
}

function translateJoseError(error: unknown) {
  if (error instanceof errors.JWTExpired) return rejectToken('expired', error.message, error);
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return rejectToken('signature_invalid', error.message, error);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return rejectToken('claims_invalid', error.message, error);
  }
  return rejectToken('malformed', error instanceof Error ? error.message : 'unreadable', error);
}

/** Types what jose has checked and checks what it does not: claim types, iat, role. */
function claimsFrom(
  payload: JWTPayload,
  options: VerifyAccessTokenOptions,
  tolerance: number,
): AccessTokenClaims {
  const invalid = (message: string) => rejectToken('claims_invalid', message);
  const { iss, aud, sub, exp, iat, nbf, jti, scope, role, sid } = payload;
  // jose accepts an audience array containing ours; we issue one audience only.
  if (aud !== options.audience) throw invalid('aud must be exactly our audience');
  if (typeof sub !== 'string' || sub === '') throw invalid('sub must be a non-empty string');
  if (typeof jti !== 'string' || jti === '') throw invalid('jti must be a non-empty string');
  if (typeof scope !== 'string') throw invalid('scope must be a string');
  if (!isRole(role)) throw invalid('role is not a known role');
  if (sid !== undefined && typeof sid !== 'string') throw invalid('sid must be a string');
  // jose checks iat only with maxTokenAge; a token "issued" in the future is refused here.
  if (iat! > options.now.getTime() / 1000 + tolerance) throw invalid('iat is in the future');
  // We never issue a token that lives longer than the configured lifetime. One
  // that claims to (a key that leaked, a signer misconfigured) would stay valid
  // for as long as it says: its signature alone must not buy it ten years.
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  if (exp! - iat! > maxLifetime + tolerance) {
    throw invalid(`exp - iat is ${exp! - iat!}s, longer than the ${maxLifetime}s tokens live`);
  }
  return {
    iss: iss!,
    aud,
    sub,
    exp: exp!,
    iat: iat!,
    nbf: nbf!,
    jti,
    scope: scope.split(' ').filter((item) => item !== ''),
    role,
    sid,
  };
}

// Access-token failures. Clients learn only "expired" (refresh and retry) or
// "invalid" (log in again): saying which check failed would tell an attacker
// which part of a forgery to fix next. The precise reason travels in `cause`
// as a TokenRejection, which the error handler logs and never sends.

import { defineErrors, errorFactory, type AppError } from '../../../errors/index.ts';

export const tokenErrors = defineErrors({
  AUTH_TOKEN_INVALID: { status: 401, title: 'Invalid access token', level: 'info' },
  AUTH_TOKEN_EXPIRED: { status: 401, title: 'Access token expired', level: 'info' },
});

export type TokenErrorCode = keyof typeof tokenErrors;

export const tokenError = errorFactory(tokenErrors);

/** Why a token was refused: stable values for logs, metrics and tests. */
export type TokenRejectionReason =
  | 'too_large'
  | 'malformed'
  | 'alg_not_allowed'
  | 'typ_mismatch'
  | 'kid_missing'
  | 'kid_unknown'
  | 'signature_invalid'
  | 'claims_invalid'
  | 'expired';

/** The log-only explanation attached as `cause` to every token error. */
export class TokenRejection extends Error {
  override readonly name = 'TokenRejection';
  readonly reason: TokenRejectionReason;

  constructor(reason: TokenRejectionReason, message: string, options?: { cause?: unknown }) {
    super(`${reason}: ${message}`, options);
    this.reason = reason;
  }
}

// RFC 6750 §3.1: a request with a bad bearer token gets `invalid_token`; the
// challenge is what tells a client this 401 is about the token it sent.
const INVALID_CHALLENGE = 'Bearer error="invalid_token"';
const EXPIRED_CHALLENGE =
  'Bearer error="invalid_token", error_description="The access token expired"';

/** Builds the client-facing error for a rejection; only `expired` is told apart. */
export function rejectToken(
  reason: TokenRejectionReason,
  message: string,
  cause?: unknown,
): AppError<TokenErrorCode> {
  const rejection = new TokenRejection(
    reason,
    message,
    cause === undefined ? undefined : { cause },
  );
  if (reason === 'expired') {
    return tokenError('AUTH_TOKEN_EXPIRED', {
      cause: rejection,
      headers: { 'www-authenticate': EXPIRED_CHALLENGE },
    });
  }
  return tokenError('AUTH_TOKEN_INVALID', {
    cause: rejection,
    headers: { 'www-authenticate': INVALID_CHALLENGE },
  });
}

/** The rejection reason behind a token error, for logs and tests. */
export function rejectionReason(error: unknown): TokenRejectionReason | undefined {
  if (!(error instanceof Error) || !(error.cause instanceof TokenRejection)) return undefined;
  return error.cause.reason;
}

// One configured OpenID Connect provider, as the sign-in flow uses it.
//
// openid-client does the protocol: discovery, the authorization URL with
// PKCE (S256), `state` and `nonce`, the code exchange, and the id_token's
// claims (iss, aud, azp, exp, iat, nonce). The id_token arrives straight from
// the token endpoint, which OIDC Core §3.1.3.7 lets a client trust without a
// signature check; we check the signature anyway, against the provider's
// published keys (jose's remote key set), so a compromised or spoofed token
// endpoint cannot mint identities. That key set is cached and refetched when
// a token names a key it does not hold — which is how a provider's key
// rotation is picked up — at most once per `jwksRefreshCooldownSeconds`.

import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { oidcError } from './errors.ts';

export interface OidcProviderSettings {
  readonly id: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string | undefined;
  readonly scopes: readonly string[];
  readonly jwksRefreshCooldownSeconds: number;
}

/** What the sign-in needs from a verified id_token (and UserInfo, when the token lacks an address). */
export interface ProviderIdentity {
  readonly subject: string;
  readonly email: string | undefined;
  /** Only `email_verified: true` counts; absent means unverified. */
  readonly emailVerified: boolean;
  readonly name: string | undefined;
}

/** Why a provider's answer was refused, for the audit trail. */
export class OidcRefusal extends Error {
  readonly reason: string;
  /** The provider itself answered with an error (the user declined…). */
  readonly denied: boolean;
  constructor(reason: string, denied = false) {
    super(reason);
    this.reason = reason;
    this.denied = denied;
  }
}

export interface OidcClient {
  readonly id: string;
  readonly redirectUri: string;
  authorizationUrl(checks: { state: string; nonce: string; codeVerifier: string }): Promise<URL>;
  /** Exchanges the code in the callback's query; throws OidcRefusal when anything fails a check. */
  exchange(
    callbackQuery: string,
    checks: { state: string; nonce: string; codeVerifier: string },
  ): Promise<ProviderIdentity>;
}

export function createOidcClient(
  settings: OidcProviderSettings,
  options: { publicUrl: string; allowHttp: boolean },
): OidcClient {
  const redirectUri = `${options.publicUrl}/api/v1/auth/oidc/${settings.id}/callback`;
  let configuration: Promise<oidc.Configuration> | undefined;
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;

  /** Discovery once; a failure is forgotten so the next sign-in tries again. */
  function configured(): Promise<oidc.Configuration> {
    configuration ??= oidc
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        settings.clientSecret === undefined
          ? oidc.None()
          : oidc.ClientSecretBasic(settings.clientSecret),
        options.allowHttp && settings.issuer.startsWith('http:')
          ? // Deprecated only as a warning sign: development and test issuers speak plain HTTP.
            // eslint-disable-next-line @typescript-eslint/no-deprecated
            { execute: [oidc.allowInsecureRequests] }
          : undefined,
      )
      .catch((error: unknown) => {
        configuration = undefined;
        throw oidcError('AUTH_OIDC_PROVIDER_UNAVAILABLE', { cause: error });
      });
    return configuration;
  }

  function keySet(config: oidc.Configuration) {
    const jwksUri = config.serverMetadata().jwks_uri;
    if (jwksUri === undefined) throw new OidcRefusal('no_jwks_uri');
    keys ??= createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: settings.jwksRefreshCooldownSeconds * 1000,
    });
    return keys;
  }

  async function verifySignature(config: oidc.Configuration, idToken: string): Promise<void> {
    try {
      await jwtVerify(idToken, keySet(config), {
        issuer: config.serverMetadata().issuer,
        audience: settings.clientId,
      });
    } catch (error) {
      throw new OidcRefusal(`signature:${(error as { code?: string }).code ?? 'failed'}`);
    }
  }

  return {
    id: settings.id,
    redirectUri,

    async authorizationUrl({ state, nonce, codeVerifier }) {
      const config = await configured();
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: settings.scopes.join(' '),
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
    },

    async exchange(callbackQuery, { state, nonce, codeVerifier }) {
      const config = await configured();
      // The URL the provider redirected to, rebuilt from our own redirect URI
      // and the query: the request's Host header never decides it.
      const currentUrl = new URL(redirectUri);
      currentUrl.search = callbackQuery;
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: codeVerifier,
          expectedState: state,
          expectedNonce: nonce,
          idTokenExpected: true,
        });
      } catch (error) {
        throw refusalOf(error);
      }
      const claims = tokens.claims();
      if (claims === undefined || tokens.id_token === undefined) {
        throw new OidcRefusal('no_id_token');
      }
      await verifySignature(config, tokens.id_token);
      let email = typeof claims.email === 'string' ? claims.email : undefined;
      let emailVerified = claims.email_verified === true;
      if (email === undefined && config.serverMetadata().userinfo_endpoint !== undefined) {
        // Some providers keep the address out of the id_token; UserInfo is
        // bound to the same subject (the third argument is checked).
        try {
          const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
          email = typeof info.email === 'string' ? info.email : undefined;
          emailVerified = info.email_verified === true;
        } catch (error) {
          throw refusalOf(error);
        }
      }
      return {
        subject: claims.sub,
        email,
        emailVerified,
        name: typeof claims.name === 'string' ? claims.name : undefined,
      };
    },
  };
}

/** openid-client's failure, reduced to a short reason (the code and, for a claim, its name). */
function refusalOf(error: unknown): OidcRefusal {
  if (error instanceof oidc.AuthorizationResponseError) {
    return new OidcRefusal(`provider:${error.error}`, true);
  }
  if (error instanceof oidc.ResponseBodyError) return new OidcRefusal(`exchange:${error.error}`);
  type Failure = { code?: string; cause?: Failure & { claim?: unknown } };
  const { code, cause } = error as Failure;
  // openid-client wraps oauth4webapi's error, whose cause names the claim.
  const named = cause?.claim ?? cause?.cause?.claim;
  const claim = typeof named === 'string' ? `:${named}` : '';
  if (code !== undefined) return new OidcRefusal(`${code}${claim}`);
  // A network failure talking to the token endpoint.
  throw oidcError('AUTH_OIDC_PROVIDER_UNAVAILABLE', { cause: error });
}

// A real OpenID Connect provider (oidc-provider), run as its own process by
// the sign-in tests: 127.0.0.1, port 0, issuer printed as the first stdout
// line. Its "login page" (/interaction/:uid) signs in whoever the query
// names — `?sub=…&email=…&verified=true` — and grants the requested scopes:
// the tests play the user. Commands on stdin, one per line, answered with a
// JSON line:
//   rotate   replace the signing key with a new one (new `kid`)
// CLOCK_OFFSET_S shifts this process's clock (tokens issued in the past).

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import Provider from 'oidc-provider';

const offsetMs = Number(process.env.CLOCK_OFFSET_S ?? '0') * 1000;
if (offsetMs !== 0) {
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offsetMs;
}

interface Client {
  readonly client_id: string;
  readonly client_secret: string;
  readonly redirect_uris: string[];
}
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]') as Client[];
const accounts = new Map<string, { email?: string; verified: boolean; name?: string }>();

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handle: Handler = (_req, res) => {
  res.writeHead(503).end();
};
const server = createServer((req, res) => {
  handle(req, res);
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as { port: number };
const issuer = `http://127.0.0.1:${port}`;

function build(key: ReturnType<typeof signingKey>): Provider {
  return new Provider(issuer, {
    clients: clients.map((client) => ({
      ...client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [key] },
    cookies: { keys: ['throughline-test-provider-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Scope-requested claims in the id_token itself, as most providers do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      if (account === undefined) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          ...(account.email === undefined
            ? {}
            : { email: account.email, email_verified: account.verified }),
          ...(account.name === undefined ? {} : { name: account.name }),
        }),
      };
    },
  });
}

let provider = build(signingKey());

async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const query = new URL(req.url ?? '/', issuer).searchParams;
  const sub = query.get('sub') ?? 'anonymous';
  accounts.set(sub, {
    email: query.get('email') ?? undefined,
    verified: query.get('verified') === 'true',
    name: query.get('name') ?? undefined,
  });
  const clientId = String(details.params.client_id);
  const grant = new provider.Grant({ accountId: sub, clientId });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: sub }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

function serve(): void {
  const callback = provider.callback();
  handle = (req, res) => {
    if (req.url?.startsWith('/interaction/') === true) {
      interaction(req, res).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
      return;
    }
    void callback(req, res);
  };
}

serve();
process.stdout.write(`${JSON.stringify({ issuer })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'rotate') {
    const key = signingKey();
    provider = build(key);
    serve();
    process.stdout.write(`${JSON.stringify({ rotated: key.kid })}\n`);
  }
}
server.close();

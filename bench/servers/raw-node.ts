// The floor: hand-written node:http handlers with no framework. Reasonable
// code a careful engineer would write, not a micro-optimised stunt: a Map for
// static routes, segment-wise matching for the dynamic ones, and a
// hand-written validator for the POST body with the same rules as the schema
// the frameworks use.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { GENERATED_ROUTES } from '../lib/route-table.ts';
import { listenAndAnnounce } from './listen.ts';

type Params = Record<string, string>;
type Handler = (req: IncomingMessage, res: ServerResponse, params: Params) => void;

interface DynamicRoute {
  /** Static text, `:name` for a parameter or `*name` for the rest of the path. */
  readonly segments: readonly string[];
  readonly wildcard: boolean;
  readonly handler: Handler;
}

const statics = new Map<string, Handler>();
/** Dynamic GET routes grouped by first segment, in registration order. */
const dynamicByFirst = new Map<string, DynamicRoute[]>();

function addRoute(method: string, pattern: string, handler: Handler): void {
  const segments = pattern.slice(1).split('/');
  if (!segments.some((s) => s.startsWith(':') || s.startsWith('*'))) {
    statics.set(`${method} ${pattern}`, handler);
    return;
  }
  const first = segments[0]!;
  const list = dynamicByFirst.get(first) ?? [];
  list.push({ segments, wildcard: segments.at(-1)!.startsWith('*'), handler });
  dynamicByFirst.set(first, list);
}

function decode(segment: string): string {
  return segment.includes('%') ? decodeURIComponent(segment) : segment;
}

function matchDynamic(route: DynamicRoute, parts: readonly string[]): Params | null {
  const segments = route.segments;
  const fixed = route.wildcard ? segments.length - 1 : segments.length;
  if (route.wildcard ? parts.length < fixed : parts.length !== fixed) return null;
  const params: Params = {};
  for (let i = 0; i < fixed; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if (segment.startsWith(':')) {
      if (part === '') return null;
      params[segment.slice(1)] = decode(part);
    } else if (segment !== part) {
      return null;
    }
  }
  if (route.wildcard) params[segments[fixed]!.slice(1)] = parts.slice(fixed).join('/');
  return params;
}

function sendJson(res: ServerResponse, status: number, data: unknown): void {
  const body = JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

const HELLO = 'Hello, World!';

addRoute('GET', '/plaintext', (_req, res) => {
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(HELLO),
  });
  res.end(HELLO);
});
addRoute('GET', '/json', (_req, res) => {
  sendJson(res, 200, { message: HELLO });
});
for (const pattern of GENERATED_ROUTES) {
  addRoute('GET', pattern, (_req, res, params) => {
    sendJson(res, 200, params);
  });
}
addRoute('POST', '/users', createUser);

const MAX_BODY = 1024 * 1024;

function createUser(req: IncomingMessage, res: ServerResponse): void {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    sendJson(res, 415, { error: 'expected application/json' });
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      sendJson(res, 413, { error: 'body too large' });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      sendJson(res, 400, { error: 'malformed JSON' });
      return;
    }
    const problems = validateUser(body);
    if (problems.length > 0) sendJson(res, 400, { errors: problems });
    else sendJson(res, 201, body);
  });
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ZIP = /^[0-9A-Za-z -]{3,10}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isText(value: unknown, min: number, max: number): boolean {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

function onlyKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  at: string,
): string[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => `${at}${key}: unknown field`);
}

const USER_KEYS = ['email', 'name', 'age', 'newsletter', 'tags', 'address'];
const ADDRESS_KEYS = ['street', 'city', 'zip', 'country'];

/** The same rules as the Zod and JSON schemas of the other contenders. */
function validateUser(body: unknown): string[] {
  if (!isRecord(body)) return ['body: expected an object'];
  const problems = onlyKeys(body, USER_KEYS, '');
  if (typeof body.email !== 'string' || !EMAIL.test(body.email)) problems.push('email: invalid');
  if (!isText(body.name, 1, 100)) problems.push('name: invalid');
  const age = body.age;
  if (typeof age !== 'number' || !Number.isInteger(age) || age < 0 || age > 150) {
    problems.push('age: invalid');
  }
  if (typeof body.newsletter !== 'boolean') problems.push('newsletter: invalid');
  const tags = body.tags;
  if (!Array.isArray(tags) || tags.length > 10 || !tags.every((t) => isText(t, 1, 32))) {
    problems.push('tags: invalid');
  }
  const address = body.address;
  if (!isRecord(address)) {
    problems.push('address: expected an object');
  } else {
    problems.push(...onlyKeys(address, ADDRESS_KEYS, 'address.'));
    if (!isText(address.street, 1, 200)) problems.push('address.street: invalid');
    if (!isText(address.city, 1, 100)) problems.push('address.city: invalid');
    if (typeof address.zip !== 'string' || !ZIP.test(address.zip))
      problems.push('address.zip: invalid');
    if (!isText(address.country, 2, 2)) problems.push('address.country: invalid');
  }
  return problems;
}

const EMPTY: Params = {};

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const method = req.method ?? 'GET';
  const fixed = statics.get(`${method} ${path}`);
  if (fixed !== undefined) {
    fixed(req, res, EMPTY);
    return;
  }
  if (method === 'GET') {
    const parts = path.slice(1).split('/');
    for (const route of dynamicByFirst.get(parts[0]!) ?? []) {
      const params = matchDynamic(route, parts);
      if (params !== null) {
        route.handler(req, res, params);
        return;
      }
    }
  }
  sendJson(res, 404, { error: 'not found' });
});

listenAndAnnounce(server);

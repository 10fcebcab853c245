// The OpenAPI document as the contract tests read it: the few object shapes
// they use, JSON pointers into it, and `$ref` resolution within it.

import { createHash } from 'node:crypto';

export type JsonObject = Record<string, unknown>;

export interface ParameterObject {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly schema?: JsonObject;
  readonly example?: unknown;
}

export interface MediaTypeObject {
  readonly schema?: JsonObject;
  readonly example?: unknown;
  readonly examples?: Readonly<Record<string, { value?: unknown } | { $ref: string }>>;
}

export interface ResponseObject {
  readonly description?: string;
  readonly content?: Readonly<Record<string, MediaTypeObject>>;
  readonly headers?: Readonly<Record<string, { required?: boolean; schema?: JsonObject }>>;
}

export interface OperationObject {
  readonly operationId?: string;
  readonly parameters?: readonly (ParameterObject | { $ref: string })[];
  readonly requestBody?: {
    readonly required?: boolean;
    readonly content: Readonly<Record<string, MediaTypeObject>>;
  };
  readonly responses: Readonly<Record<string, ResponseObject | { $ref: string }>>;
  readonly security?: readonly Record<string, readonly string[]>[];
}

export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
  readonly components?: JsonObject;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Stable name for one document's content: identical documents share compiled validators. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** `['paths', '/a/{id}']` → `#/paths/~1a~1%7Bid%7D` (RFC 6901 escaped, then URI-encoded). */
export function pointer(parts: readonly string[]): string {
  return `#${parts
    .map((part) => `/${encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1'))}`)
    .join('')}`;
}

/** Follows a local `$ref` (`#/components/...`) until it reaches an object without one. */
export function resolveRef<T>(document: OpenApiDocument, value: T | { $ref: string }): T {
  return resolveAt<T>(document, value, []).value;
}

/**
 * Like resolveRef, and also where the object found lives (JSON pointer parts),
 * so a schema inside it can be addressed in the document. `at` is where
 * `value` itself sits.
 */
export function resolveAt<T>(
  document: OpenApiDocument,
  value: T | { $ref: string },
  at: readonly string[],
): { value: T; at: readonly string[] } {
  let current: unknown = value;
  let parts = at;
  for (let hops = 0; hops < 20; hops += 1) {
    const ref = (current as { $ref?: unknown }).$ref;
    if (typeof ref !== 'string') return { value: current as T, at: parts };
    if (!ref.startsWith('#/')) throw new Error(`only local references are supported: ${ref}`);
    parts = ref
      .slice(2)
      .split('/')
      .map((part) => decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~'));
    current = parts.reduce<unknown>(
      (node, part) => (node as JsonObject | undefined)?.[part],
      document,
    );
    if (current === undefined) throw new Error(`unresolved reference ${ref}`);
  }
  throw new Error('reference chain too long');
}

/** Every operation as `[method, path, operation]`, in document order. */
export function operationsOf(
  document: OpenApiDocument,
): [method: string, path: string, operation: OperationObject][] {
  const out: [string, string, OperationObject][] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (HTTP_METHODS.includes(method)) out.push([method, path, operation]);
    }
  }
  return out;
}

/** `application/json; charset=utf-8` → `application/json`. */
export function mediaEssence(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

export function isJsonMedia(essence: string): boolean {
  return essence === 'application/json' || essence.endsWith('+json');
}

/** The documented media type a response's type falls under (exact, `type/*`, `*\/*`). */
export function matchMediaType(documented: readonly string[], essence: string): string | undefined {
  const exact = documented.find((key) => mediaEssence(key) === essence);
  if (exact !== undefined) return exact;
  const major = essence.split('/', 1)[0];
  return (
    documented.find((key) => mediaEssence(key) === `${major}/*`) ??
    documented.find((key) => mediaEssence(key) === '*/*')
  );
}

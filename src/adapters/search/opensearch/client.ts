// The one door to OpenSearch: the official client for connections, TLS and
// credentials (from the URL), JSON and NDJSON serialisation and its error
// classes; every call through `request`, with a timeout, no retries of its
// own (the fallback answers in the meantime, and writers retry through the
// outbox), and one way of failing for an outage: SEARCH_ENGINE_UNAVAILABLE
// (../unavailable.ts) for connection refused or reset, timeouts, 429, 5xx
// and a missing index. Any other error answer is a bug in the request and
// passes through as it is.
//
// Requests go through `client.transport.request` rather than the generated
// per-endpoint methods: the adapter describes the small part of the API it
// uses with its own types (and its tests check them against the documented
// shapes), where the generated request types lack fields it needs, such as
// a terms aggregation's `field`.

import { Client, errors } from '@opensearch-project/opensearch';
import { searchEngineUnavailable } from '../unavailable.ts';
import { WorkAbortedError } from '../../../platform/unit-of-work.ts';
import type { BulkLine } from './documents.ts';
import type { JsonObject } from './index-settings.ts';

export const ENGINE_NAME = 'opensearch';

export interface OpenSearchConnectionOptions {
  /** http(s)://[user:password@]host:port */
  readonly url: string;
  /** Default per-call timeout, ms. */
  readonly timeoutMs: number;
}

export interface RequestOptions {
  readonly body?: JsonObject;
  readonly bulkBody?: readonly BulkLine[];
  readonly querystring?: Readonly<Record<string, string | number | boolean>>;
  /** Overrides the default timeout (index writes take longer than queries). */
  readonly timeoutMs?: number;
  /** Error statuses that are answers, not failures (e.g. 404 for "no such alias"). */
  readonly ignore?: readonly number[];
  readonly signal?: AbortSignal | undefined;
}

export interface OpenSearchResponse<T> {
  readonly statusCode: number;
  readonly body: T;
}

export interface OpenSearchConnection {
  request<T>(
    method: string,
    path: string,
    options?: RequestOptions,
  ): Promise<OpenSearchResponse<T>>;
  close(): Promise<void>;
}

/** Error types that mean the index is not there (yet): searches wait for a rebuild. */
const MISSING_INDEX = new Set(['index_not_found_exception', 'alias_not_found_exception']);

export function createOpenSearchConnection(
  options: OpenSearchConnectionOptions,
): OpenSearchConnection {
  const client = new Client({
    node: options.url,
    requestTimeout: options.timeoutMs,
    maxRetries: 0,
    // One node behind a URL (a load balancer or a managed endpoint): no sniffing.
    sniffOnStart: false,
    sniffOnConnectionFault: false,
  });

  return {
    async request<T>(
      method: string,
      path: string,
      request: RequestOptions = {},
    ): Promise<OpenSearchResponse<T>> {
      const { signal } = request;
      // A function, not a property read: the answer changes while the request runs.
      const cutOff = (): boolean => signal?.aborted === true;
      if (cutOff()) throw abandoned(signal!);
      const pending = client.transport.request(
        {
          method,
          path,
          ...(request.body === undefined ? {} : { body: request.body }),
          ...(request.bulkBody === undefined ? {} : { bulkBody: [...request.bulkBody] }),
          ...(request.querystring === undefined ? {} : { querystring: { ...request.querystring } }),
        },
        {
          requestTimeout: request.timeoutMs ?? options.timeoutMs,
          maxRetries: 0,
          ...(request.ignore === undefined ? {} : { ignore: [...request.ignore] }),
        },
      );
      const abort = () => {
        pending.abort();
      };
      signal?.addEventListener('abort', abort, { once: true });
      try {
        const response = await pending;
        return { statusCode: response.statusCode ?? 0, body: response.body as T };
      } catch (error) {
        if (cutOff()) throw abandoned(signal!, error);
        throw toSearchError(error);
      } finally {
        signal?.removeEventListener('abort', abort);
      }
    },
    close: () => client.close(),
  };
}

/** A request cut off because its caller gave up: not the engine's failure. */
function abandoned(signal: AbortSignal, error?: unknown): WorkAbortedError {
  return new WorkAbortedError('the search was abandoned by its caller', {
    cause: error ?? signal.reason,
  });
}

/** An outage as SEARCH_ENGINE_UNAVAILABLE; any other failure unchanged. */
export function toSearchError(error: unknown): unknown {
  const reason = outageReason(error);
  return reason === undefined ? error : searchEngineUnavailable(ENGINE_NAME, reason, error);
}

function outageReason(error: unknown): string | undefined {
  if (error instanceof errors.TimeoutError) return 'timed out';
  if (error instanceof errors.RequestAbortedError) return 'request aborted';
  if (error instanceof errors.NoLivingConnectionsError) return 'no connection';
  if (error instanceof errors.ConnectionError) return 'connection failed';
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode;
    if (status === 429) return 'too many requests (429)';
    if (status >= 500) return `server error (${status})`;
    const body = error.body as { error?: { type?: unknown } } | undefined;
    const type = body?.error?.type;
    if (status === 404 && typeof type === 'string' && MISSING_INDEX.has(type)) {
      return 'the index does not exist yet (run a rebuild)';
    }
  }
  return undefined;
}

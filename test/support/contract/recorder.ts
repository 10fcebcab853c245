// Response validation for a running service: every response its listener
// writes is captured (capture.ts) and checked against the OpenAPI document
// the same app serves (response-check.ts). Mismatches are collected; the test
// support's close() turns them into a failure with a readable list.

import type { App } from '../../../src/http/app.ts';
import {
  Context,
  type NodeRequest,
  type NodeResponse,
} from '../../../src/http/pipeline/context.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { capturingHandler } from './capture.ts';
import { documentHash, type OpenApiDocument } from './document.ts';
import { isKnownGap } from './known-gaps.ts';
import { ServedContract, type Exchange, type Mismatch } from './response-check.ts';

type Handler = (req: NodeRequest, res: NodeResponse) => void;

export interface ContractStats {
  /** Responses written. */
  responses: number;
  /** Responses checked against a documented operation. */
  operations: number;
  /** Responses on paths no route matched (checked as problem+json when errors). */
  unmatched: number;
  /** Responses of hidden routes, redirects and OPTIONS answers (not checked). */
  skipped: number;
  /** Mismatches excused by the known-gaps list. */
  excused: number;
  /** Time spent checking, in ms (capture and decoding excluded). */
  checkMs: number;
}

export class ContractRecorder {
  readonly contract: ServedContract;
  /** Mismatches not excused by the known-gaps list, in arrival order. */
  readonly mismatches: Mismatch[] = [];
  readonly stats: ContractStats = {
    responses: 0,
    operations: 0,
    unmatched: 0,
    skipped: 0,
    excused: 0,
    checkMs: 0,
  };

  constructor(contract: ServedContract) {
    this.contract = contract;
  }

  wrap(handler: Handler): Handler {
    return capturingHandler(handler, (exchange) => {
      this.record(exchange);
    });
  }

  record(exchange: Exchange): void {
    const started = performance.now();
    this.stats.responses += 1;
    let found: Mismatch[];
    try {
      const located = this.contract.locate(exchange.method, exchange.path);
      if (located.type === 'operation') this.stats.operations += 1;
      else if (located.type === 'unmatched') this.stats.unmatched += 1;
      else this.stats.skipped += 1;
      found = this.contract.check(exchange);
    } catch (error) {
      // A fault in the checker must surface, not pass as a clean response.
      found = [
        {
          operation: `${exchange.method} ${exchange.path}`,
          status: exchange.status,
          kind: 'body',
          detail: `the response check failed: ${String(error)}`,
          request: `${exchange.method} ${exchange.path}`,
        },
      ];
    }
    for (const mismatch of found) {
      if (isKnownGap(mismatch)) this.stats.excused += 1;
      else this.mismatches.push(mismatch);
    }
    this.stats.checkMs += performance.now() - started;
  }

  /** The mismatches as a readable list (identical ones counted once), or undefined. */
  report(): string | undefined {
    if (this.mismatches.length === 0) return undefined;
    const groups = new Map<string, { first: Mismatch; count: number }>();
    for (const mismatch of this.mismatches) {
      const key = `${mismatch.operation}|${mismatch.status}|${mismatch.kind}|${mismatch.detail}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, { first: mismatch, count: 1 });
      else group.count += 1;
    }
    const lines = [
      `${this.mismatches.length} response(s) do not match the service's OpenAPI document:`,
    ];
    for (const { first, count } of groups.values()) {
      lines.push(
        `- ${first.operation} → ${first.status} [${first.kind}] ${first.detail}${count > 1 ? ` (×${count})` : ''}`,
        `    e.g. ${first.request}`,
      );
      if (first.body !== undefined) lines.push(`    body: ${first.body}`);
    }
    lines.push(
      'Fix the document or the server; a deliberate, tracked exception goes in test/support/contract/known-gaps.ts.',
    );
    return lines.join('\n');
  }
}

/** Validation for `app`, built from the document it serves at /openapi.json. */
export async function contractRecorder(app: App): Promise<ContractRecorder> {
  const text = await servedDocument(app);
  const document = JSON.parse(text) as OpenApiDocument;
  return new ContractRecorder(new ServedContract(document, documentHash(text), app.routes()));
}

const silent = createLogger({ level: 'silent' });

/**
 * The document exactly as the app serves it, produced by the app's own
 * /openapi.json handler in process: no request goes through the listener, so
 * rate limits, access logs and request counts the tests look at are untouched.
 */
export async function servedDocument(app: App): Promise<string> {
  const record = app.routes().find((r) => r.method === 'GET' && r.pattern === '/openapi.json');
  if (record === undefined) throw new Error('the app serves no /openapi.json');
  const req = { method: 'GET', url: '/openapi.json', headers: {}, rawHeaders: [] };
  const context = new Context(
    { logger: silent, trustedHops: 0, errorMappers: [] },
    req as unknown as NodeRequest,
    {} as NodeResponse,
    'contract-check',
    performance.now(),
  );
  const returned: unknown = await record.options.handler(context);
  const body =
    returned !== undefined && returned !== context ? JSON.stringify(returned) : context.body;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  throw new Error('the /openapi.json handler produced no document');
}

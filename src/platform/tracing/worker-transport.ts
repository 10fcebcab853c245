// The exporters' POST of encoded span batches, made from a worker thread
// (export-worker.ts) rather than the serving thread.
//
// Why: an HTTP client in the serving thread runs node's socket and stream
// code, which the server's own responses also run, with objects and
// arguments of other shapes; V8 then compiles that shared code for both,
// and every response pays for it. Measured on the json benchmark at 10 %
// sampling (docs/performance.md, "Span exports from a worker thread"):
// posting the batches from the serving thread took 3–4 µs of its CPU a
// request, about ten times what the POSTs themselves cost. In a worker, the
// client has an isolate and compiled code of its own; the batch's bytes are
// handed over without a copy.
//
// The worker holds the process open only while an export is out, so an idle
// exporter never delays an exit; `close` ends it once the last batches are sent.

import { Worker } from 'node:worker_threads';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { FetchExporterOptions } from './fetch-exporter.ts';

export interface ExportRequestMessage {
  readonly id: number;
  readonly body: Uint8Array;
  readonly timeoutMillis: number;
}

export type ExportResultMessage =
  | { readonly id: number; readonly status: 'success'; readonly data?: Uint8Array | undefined }
  | {
      readonly id: number;
      readonly status: 'failure' | 'retryable';
      readonly error: string;
      readonly retryInMillis?: number;
    };

export interface WorkerTransport extends IExporterTransport {
  /** Ends the worker; exports still out fail. */
  close(): Promise<void>;
}

const WORKER = new URL('./export-worker.ts', import.meta.url);

export function workerTransport(options: FetchExporterOptions): WorkerTransport {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, (response: ExportResponse) => void>();

  const settle = (id: number, response: ExportResponse): void => {
    const resolve = pending.get(id);
    if (resolve === undefined) return;
    pending.delete(id);
    if (pending.size === 0) worker?.unref();
    resolve(response);
  };

  const failAll = (reason: string): void => {
    for (const id of [...pending.keys()]) {
      settle(id, { status: 'failure', error: new Error(reason) });
    }
  };

  const started = (): Worker => {
    if (worker !== undefined) return worker;
    // None of the process's own node flags: the worker only posts bytes, and
    // some flags are refused in a worker (`--input-type` of an `--eval`).
    const created = new Worker(WORKER, { workerData: { ...options }, execArgv: [] });
    created.unref();
    created.on('message', (answer: ExportResultMessage) => {
      settle(answer.id, toResponse(answer));
    });
    created.on('error', (error: Error) => {
      failAll(`the export worker failed: ${error.message}`);
    });
    created.on('exit', () => {
      if (worker === created) worker = undefined;
      failAll('the export worker stopped');
    });
    worker = created;
    return created;
  };

  return {
    send(data, timeoutMillis) {
      const thread = started();
      const id = nextId++;
      return new Promise<ExportResponse>((resolve) => {
        pending.set(id, resolve);
        thread.ref();
        const message: ExportRequestMessage = { id, body: data, timeoutMillis };
        // The batch's own buffer moves to the worker: no copy. Only a buffer
        // that is the array's alone can move; a view into a larger one is copied.
        const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
        thread.postMessage(message, owned ? [data.buffer as ArrayBuffer] : []);
      });
    },
    // The SDK's exporter calls this on its own shutdown, while the server
    // spans' batches may still be sending through the same worker: `close` ends it.
    shutdown() {},
    async close() {
      const thread = worker;
      worker = undefined;
      if (thread !== undefined) await thread.terminate();
      failAll('the export worker was closed');
    },
  };
}

function toResponse(answer: ExportResultMessage): ExportResponse {
  if (answer.status === 'success') {
    return answer.data === undefined
      ? { status: 'success' }
      : { status: 'success', data: answer.data };
  }
  const error = new Error(answer.error);
  if (answer.status === 'failure') return { status: 'failure', error };
  return answer.retryInMillis === undefined
    ? { status: 'retryable', error }
    : { status: 'retryable', error, retryInMillis: answer.retryInMillis };
}

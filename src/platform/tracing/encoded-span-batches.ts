// The batches of the arriving calls' spans, kept as OTLP protobuf bytes:
// each span is encoded as it ends (otlp-span-encoding.ts) and only its bytes
// wait for the batch, so no span object outlives its call.
//
// The batching is OpenTelemetry's batch processor's: a batch goes when it
// holds `maxBatchSpans` spans or `delayMs` after its first span, one export
// at a time; spans that arrive while one is out wait, up to `maxQueuedSpans`,
// and past that are dropped and counted (a warning says how many); shutdown
// sends what is left. The POST and its retries are the exporter's
// (fetch-exporter.ts). The SDK's own spans (queries, jobs, outbound calls)
// still go through its processor, in requests of their own.

import { diag } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { writeExportRequest, writeSpanEntry } from './otlp-span-encoding.ts';
import { ProtobufWriter } from './protobuf-writer.ts';

export interface SpanBatchSettings {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly transport: IExporterTransport;
  readonly exportTimeoutMs: number;
  /** OpenTelemetry's batch processor's defaults unless given. */
  readonly maxBatchSpans?: number;
  readonly maxQueuedSpans?: number;
  readonly delayMs?: number;
}

export class EncodedSpanBatches {
  readonly #settings: SpanBatchSettings;
  readonly #maxBatch: number;
  readonly #maxQueued: number;
  readonly #delayMs: number;
  /** The spans waiting, one `ScopeSpans.spans` entry after another. */
  readonly #entries = new ProtobufWriter(64 * 1024);
  /** Where each waiting span's bytes end, so a batch takes whole spans. */
  #ends: number[] = [];
  readonly #request = new ProtobufWriter(64 * 1024);
  #dropped = 0;
  #timer: NodeJS.Timeout | undefined;
  #exporting: Promise<void> | undefined;
  #closed = false;

  constructor(settings: SpanBatchSettings) {
    this.#settings = settings;
    // As OpenTelemetry's processor does: a batch no larger than the queue.
    this.#maxQueued = settings.maxQueuedSpans ?? 2048;
    this.#maxBatch = Math.min(settings.maxBatchSpans ?? 512, this.#maxQueued);
    this.#delayMs = settings.delayMs ?? 5000;
  }

  /** Encodes a span that has just ended, and sends a batch when one is full. */
  add(span: ReadableSpan): void {
    if (this.#closed) return;
    if (this.#ends.length >= this.#maxQueued) {
      this.#dropped++;
      return;
    }
    writeSpanEntry(this.#entries, span);
    this.#ends.push(this.#entries.pos);
    this.#schedule();
  }

  /** Sends every waiting span; resolves once they are out (or given up on). */
  async flush(): Promise<void> {
    while (this.#exporting !== undefined || this.#ends.length > 0) {
      if (this.#exporting === undefined) this.#exportOne();
      await this.#exporting;
    }
  }

  /** Takes no more spans and sends those waiting. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#clearTimer();
    await this.flush();
  }

  #schedule(): void {
    if (this.#exporting !== undefined) return;
    if (this.#ends.length >= this.#maxBatch) {
      this.#exportOne();
      return;
    }
    if (this.#timer !== undefined || this.#ends.length === 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#exporting === undefined) this.#exportOne();
    }, this.#delayMs);
    this.#timer.unref();
  }

  #exportOne(): void {
    this.#clearTimer();
    const count = Math.min(this.#ends.length, this.#maxBatch);
    if (count === 0) return;
    const body = this.#takeRequest(count);
    this.#exporting = this.#send(body, count).finally(() => {
      this.#exporting = undefined;
      this.#schedule();
    });
  }

  /** The export request of the first `count` waiting spans; they stop waiting. */
  #takeRequest(count: number): Uint8Array {
    const cut = this.#ends[count - 1]!;
    this.#request.reset();
    writeExportRequest(
      this.#request,
      this.#settings.resource,
      this.#settings.scope,
      this.#entries.written(0, cut),
    );
    // The request's own copy: the writer is reused while this one is out.
    const body = this.#request.written().slice();
    this.#entries.dropFront(cut);
    this.#ends = count === this.#ends.length ? [] : this.#ends.slice(count).map((end) => end - cut);
    return body;
  }

  async #send(body: Uint8Array, count: number): Promise<void> {
    if (this.#dropped > 0) {
      diag.warn(`dropped ${this.#dropped} spans: the export queue was full`);
      this.#dropped = 0;
    }
    try {
      const result = await this.#settings.transport.send(body, this.#settings.exportTimeoutMs);
      if (result.status !== 'success') {
        diag.warn(`could not export ${count} spans: ${result.error?.message ?? result.status}`);
        return;
      }
      const rejected = rejectedSpans(result.data);
      if (rejected !== undefined) diag.warn(`the collector rejected ${rejected}`);
    } catch (error) {
      diag.warn(`could not export ${count} spans: ${String(error)}`);
    }
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The collector's partial-success answer, when it kept only some spans. */
function rejectedSpans(data: Uint8Array | undefined): string | undefined {
  if (data === undefined || data.length === 0) return undefined;
  try {
    const partial = ProtobufTraceSerializer.deserializeResponse(data).partialSuccess;
    const count = partial?.rejectedSpans ?? 0;
    if (count === 0) return undefined;
    return `${count} spans${partial?.errorMessage ? `: ${partial.errorMessage}` : ''}`;
  } catch {
    return undefined;
  }
}

// Tracing started for a test, exporting to an OTLP receiver of its own;
// both are stopped when the test ends.

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startTracing, type Tracing } from '../../src/platform/tracing/tracing.ts';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.ts';

export async function startTracedReceiver(
  t: TestContext,
  settings: { readonly serviceName: string; readonly sampleRatio: number; readonly role?: string },
): Promise<{ collector: OtlpReceiver; tracing: Tracing }> {
  const collector = await startOtlpReceiver();
  t.after(() => collector.close());
  const tracing = await startTracing(
    {
      endpoint: collector.endpoint,
      serviceName: settings.serviceName,
      sampleRatio: settings.sampleRatio,
    },
    { serviceVersion: 'test', role: settings.role ?? 'web' },
  );
  assert.ok(tracing);
  t.after(() => tracing.shutdown());
  return { collector, tracing };
}

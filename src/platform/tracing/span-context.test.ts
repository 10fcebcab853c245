// The arriving call's context against the OpenTelemetry API's own readers
// and writers: the API finds the span in it, contexts made from it by the
// API (a child span, a value, a deletion) keep or hide what they should,
// and the parent's values stay visible.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  context,
  createContextKey,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Span,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { suppressTracing, isTracingSuppressed } from '@opentelemetry/core';
import { contextWithSpan } from './span-context.ts';

function spanWithId(spanId: string): Span {
  return trace.wrapSpanContext({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId,
    traceFlags: TraceFlags.SAMPLED,
  });
}

test("the API's readers find the span, and the parent's values stay visible", () => {
  const key = createContextKey('span-context test key');
  const parent = ROOT_CONTEXT.setValue(key, 'from the parent');
  const span = spanWithId('00f067aa0ba902b7');
  const active = contextWithSpan(parent, span);
  assert.equal(trace.getSpan(active), span);
  assert.equal(trace.getSpanContext(active)?.spanId, '00f067aa0ba902b7');
  assert.equal(active.getValue(key), 'from the parent');
  // The parent is not changed by its child.
  assert.equal(trace.getSpan(parent), undefined);
});

test('contexts the API makes from it: a child span wins, a deletion hides, a value adds', () => {
  const span = spanWithId('00f067aa0ba902b7');
  const active = contextWithSpan(ROOT_CONTEXT, span);
  const child = spanWithId('b7ad6b7169203331');
  const childContext = trace.setSpan(active, child);
  assert.equal(trace.getSpan(childContext), child);
  assert.equal(trace.getSpan(active), span, 'the call keeps its own span');
  assert.equal(trace.getSpan(trace.deleteSpan(active)), undefined);
  const suppressed = suppressTracing(active);
  assert.equal(isTracingSuppressed(suppressed), true);
  assert.equal(isTracingSuppressed(active), false);
  assert.equal(trace.getSpan(suppressed), span);
});

test('entered with the async-hooks context manager, it is the active context in awaited work', async () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  try {
    const span = spanWithId('00f067aa0ba902b7');
    const seen = await context.with(contextWithSpan(ROOT_CONTEXT, span), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return trace.getActiveSpan();
    });
    assert.equal(seen, span);
    assert.equal(trace.getActiveSpan(), undefined);
  } finally {
    context.disable();
    manager.disable();
  }
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OrderStatus } from './tables.ts';
import { actionsFrom, ORDER_ACTIONS, transition } from './state-machine.ts';

const STATUSES: readonly OrderStatus[] = ['pending', 'paid', 'shipped', 'delivered', 'cancelled'];

describe('order state machine', () => {
  test('the legal transitions, exactly', () => {
    const legal: string[] = [];
    for (const status of STATUSES) {
      for (const action of ORDER_ACTIONS) {
        const step = transition(status, action);
        if (step.ok) legal.push(`${status} -${action}-> ${step.to}`);
      }
    }
    assert.deepEqual(legal.sort(), [
      'paid -cancel-> cancelled',
      'paid -ship-> shipped',
      'pending -cancel-> cancelled',
      'pending -pay-> paid',
      'shipped -deliver-> delivered',
    ]);
  });

  test('an illegal transition says which statuses would allow it', () => {
    assert.deepEqual(transition('shipped', 'cancel'), {
      ok: false,
      from: 'shipped',
      allowedFrom: ['pending', 'paid'],
    });
    assert.deepEqual(transition('pending', 'ship'), {
      ok: false,
      from: 'pending',
      allowedFrom: ['paid'],
    });
  });

  test('delivered and cancelled are final', () => {
    assert.deepEqual(actionsFrom('delivered'), []);
    assert.deepEqual(actionsFrom('cancelled'), []);
    assert.deepEqual(actionsFrom('pending'), ['pay', 'cancel']);
    assert.deepEqual(actionsFrom('paid'), ['ship', 'cancel']);
  });
});

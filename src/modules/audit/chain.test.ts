import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  auditEntryHash,
  canonicalJson,
  ChainVerifier,
  GENESIS_HASH,
  type AuditHashedFields,
  type ChainedAuditEntry,
} from './chain.ts';

describe('canonicalJson', () => {
  test('sorts keys recursively and prints no whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { z: [3, { y: true, x: null }], c: 'd' } }),
      '{"a":{"c":"d","z":[3,{"x":null,"y":true}]},"b":1}',
    );
  });

  test('is the same for the same value built in any key order', () => {
    const one = { user: { id: '7', roles: ['a', 'b'] }, ip: '::1' };
    const two = { ip: '::1', user: { roles: ['a', 'b'], id: '7' } };
    assert.equal(canonicalJson(one), canonicalJson(two));
    // Array order is data, not presentation.
    assert.notEqual(canonicalJson(['a', 'b']), canonicalJson(['b', 'a']));
  });

  test('orders keys by UTF-16 code units, as RFC 8785 does', () => {
    assert.equal(
      canonicalJson({ b: 0, a: 0, B: 0, '10': 0, '9': 0 }),
      '{"10":0,"9":0,"B":0,"a":0,"b":0}',
    );
    // U+1F600 is a surrogate pair starting 0xD83D, which sorts before U+FF61
    // in UTF-16 although its code point is larger.
    assert.equal(canonicalJson({ '\uff61': 1, '\u{1f600}': 2 }), '{"\u{1f600}":2,"\uff61":1}');
  });

  test('prints strings and numbers as JSON.stringify does', () => {
    assert.equal(canonicalJson('line\n"quote"\u0001'), '"line\\n\\"quote\\"\\u0001"');
    assert.equal(canonicalJson([0.1, -0, 1e21, 1e-7, 5]), '[0.1,0,1e+21,1e-7,5]');
    assert.equal(canonicalJson({}), '{}');
    assert.equal(canonicalJson([]), '[]');
  });

  test('refuses what JSON cannot carry faithfully instead of dropping it', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    // A sparse array: JSON.stringify would print null for the hole.
    const sparse: unknown[] = new Array(3);
    sparse[0] = 1;
    for (const bad of [
      { a: undefined },
      [Number.NaN],
      { n: Number.POSITIVE_INFINITY },
      { b: 1n },
      { d: new Date(0) },
      { f: () => 1 },
      sparse,
      cycle,
    ]) {
      assert.throws(() => canonicalJson(bad), TypeError);
    }
  });

  test('allows the same object twice when it is not its own ancestor', () => {
    const shared = { k: 1 };
    assert.equal(canonicalJson({ a: shared, b: [shared] }), '{"a":{"k":1},"b":[{"k":1}]}');
  });
});

const FIELDS: AuditHashedFields = {
  id: '1',
  occurredAt: new Date('2026-03-01T09:30:00.123Z'),
  actorId: '7',
  actorIp: '203.0.113.9',
  action: 'auth.login',
  targetType: null,
  targetId: null,
  outcome: 'success',
  details: { method: 'password', mfa: true },
};

describe('auditEntryHash', () => {
  test('is sha256(prev_hash + newline + canonical JSON of every field)', () => {
    const canonical =
      '{"action":"auth.login","actorId":"7","actorIp":"203.0.113.9",' +
      '"details":{"method":"password","mfa":true},"id":"1",' +
      '"occurredAt":"2026-03-01T09:30:00.123Z","outcome":"success","targetId":null,"targetType":null}';
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n${canonical}`).digest('hex');
    assert.equal(auditEntryHash(GENESIS_HASH, FIELDS), expected);
  });

  test('changes with any field, with the id, and with the previous hash', () => {
    const base = auditEntryHash(GENESIS_HASH, FIELDS);
    const variants: AuditHashedFields[] = [
      { ...FIELDS, id: '2' },
      { ...FIELDS, occurredAt: new Date('2026-03-01T09:30:00.124Z') },
      { ...FIELDS, actorId: null },
      { ...FIELDS, outcome: 'failure' },
      { ...FIELDS, targetType: '' },
      { ...FIELDS, details: { method: 'password', mfa: false } },
    ];
    for (const variant of variants) assert.notEqual(auditEntryHash(GENESIS_HASH, variant), base);
    assert.notEqual(auditEntryHash('f'.repeat(64), FIELDS), base);
  });
});

function buildChain(length: number): ChainedAuditEntry[] {
  const chain: ChainedAuditEntry[] = [];
  let prevHash = GENESIS_HASH;
  for (let index = 1; index <= length; index += 1) {
    const fields = { ...FIELDS, id: String(index), details: { n: index } };
    const hash = auditEntryHash(prevHash, fields);
    chain.push({ ...fields, prevHash, hash });
    prevHash = hash;
  }
  return chain;
}

/** The id of the first entry the verifier refuses and why, or 'ok'. */
function verifyAll(entries: readonly ChainedAuditEntry[]): string {
  const verifier = new ChainVerifier();
  for (const entry of entries) {
    const reason = verifier.accept(entry);
    if (reason !== undefined) return `${entry.id}:${reason}`;
  }
  return `ok:${verifier.count}`;
}

describe('ChainVerifier', () => {
  test('accepts an intact chain and reports its head', () => {
    const chain = buildChain(4);
    const verifier = new ChainVerifier();
    assert.equal(verifier.lastHash, GENESIS_HASH);
    for (const entry of chain) assert.equal(verifier.accept(entry), undefined);
    assert.equal(verifier.count, 4);
    assert.equal(verifier.lastHash, chain[3]!.hash);
  });

  test('pins an edited entry to its own id', () => {
    const chain = buildChain(4);
    chain[1] = { ...chain[1]!, details: { n: 99 } };
    assert.equal(verifyAll(chain), '2:hash-mismatch');
  });

  test('notices a deleted entry at the one after it', () => {
    const chain = buildChain(4);
    chain.splice(1, 1);
    assert.equal(verifyAll(chain), '3:prev-hash-mismatch');
  });

  test('notices a deleted first entry', () => {
    assert.equal(verifyAll(buildChain(3).slice(1)), '2:prev-hash-mismatch');
  });

  test('notices swapped entries, whether or not the ids are swapped too', () => {
    const chain = buildChain(4);
    const [second, third] = [chain[1]!, chain[2]!];
    assert.equal(verifyAll([chain[0]!, third, second, chain[3]!]), '3:prev-hash-mismatch');
    const renumbered = [chain[0]!, { ...third, id: '2' }, { ...second, id: '3' }, chain[3]!];
    assert.equal(verifyAll(renumbered), '2:prev-hash-mismatch');
  });

  test('notices an entry inserted outside the chain', () => {
    const chain = buildChain(3);
    const forged: ChainedAuditEntry = {
      ...chain[2]!,
      id: '4',
      prevHash: chain[2]!.hash,
      hash: 'a'.repeat(64),
    };
    assert.equal(verifyAll([...chain, forged]), '4:hash-mismatch');
    const spliced = { ...chain[1]!, id: '9' };
    assert.equal(verifyAll([chain[0]!, spliced, ...chain.slice(1)]), '9:hash-mismatch');
  });
});

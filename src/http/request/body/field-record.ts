// Name/value collections built from client input (urlencoded and multipart
// fields). They are null-prototype objects, and the names that matter to the
// prototype chain are dropped rather than rejected: a client sending them is
// either probing or buggy, and silently ignoring them keeps the rest of an
// otherwise valid request usable while making pollution impossible even if
// later code merges the record into an ordinary object.

export type FieldRecord = Record<string, string | string[]>;

const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** True for keys that can reach or replace an object's prototype chain. */
export function isPrototypeKey(key: string): boolean {
  return PROTOTYPE_KEYS.has(key);
}

export function createFieldRecord(): FieldRecord {
  return Object.create(null) as FieldRecord;
}

/** Adds one value; a repeated name turns the entry into an array in arrival order. */
export function appendField(record: FieldRecord, name: string, value: string): void {
  if (isPrototypeKey(name)) return;
  const existing = record[name];
  if (existing === undefined) record[name] = value;
  else if (typeof existing === 'string') record[name] = [existing, value];
  else existing.push(value);
}

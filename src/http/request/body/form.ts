// application/x-www-form-urlencoded bodies, parsed with the WHATWG
// URLSearchParams algorithm (the one browsers use to produce them).

import { isUtf8 } from 'node:buffer';
import { httpError } from '../../errors.ts';
import { appendField, createFieldRecord, type FieldRecord } from './field-record.ts';
import { decodeUtf8Strict } from './utf8.ts';
import { payloadTooLargeError } from './read-body.ts';

// eslint-disable-next-line security/detect-unsafe-regex -- fixed-width groups that each start with "%": linear
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * URLSearchParams silently turns percent-encoded bytes that are not UTF-8
 * into U+FFFD, which would let a client written for another charset store
 * mangled text without anyone noticing. Each run of escapes is checked here.
 */
function assertPercentEscapesAreUtf8(text: string): void {
  for (const match of text.matchAll(PERCENT_RUN)) {
    if (!isUtf8(Buffer.from(match[0].replaceAll('%', ''), 'hex'))) {
      throw httpError('HTTP_MALFORMED_BODY', {
        detail: 'The form body contains percent-encoded bytes that are not valid UTF-8.',
      });
    }
  }
}

/**
 * Parses a urlencoded text into a null-prototype record. Repeated names become
 * arrays in arrival order; prototype keys are dropped (see field-record.ts);
 * more than `maxFields` pairs is a 413.
 */
export function parseFormText(text: string, maxFields: number): FieldRecord {
  assertPercentEscapesAreUtf8(text);
  const record = createFieldRecord();
  let count = 0;
  for (const [name, value] of new URLSearchParams(text)) {
    count++;
    if (count > maxFields) {
      throw payloadTooLargeError(`The form body has more than the limit of ${maxFields} fields.`);
    }
    appendField(record, name, value);
  }
  return record;
}

/** Decodes and parses a raw urlencoded body. */
export function parseFormBytes(bytes: Uint8Array, maxFields: number): FieldRecord {
  return parseFormText(decodeUtf8Strict(bytes, 'form body'), maxFields);
}

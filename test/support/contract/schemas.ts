// JSON Schema validation against the served OpenAPI document.
//
// Why Ajv: OpenAPI 3.1 schemas are JSON Schema 2020-12, and Ajv is the
// validator that implements that dialect fully (`ajv/dist/2020`), compiles a
// schema once into a plain function (validation is then a synchronous call,
// cheap enough to run on every response of every integration test) and
// resolves `$ref` across a whole document.
//
// One Ajv instance per test process. Each distinct document is added once,
// keyed by a hash of its text, so services started by different tests of a
// file share every compiled validator. A schema is compiled the first time a
// response needs it, as a `$ref` into the document, so `#/components/...`
// references inside it resolve against the document itself.

import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formatsPlugin from 'ajv-formats';
import { pointer, type OpenApiDocument } from './document.ts';

// ajv-formats is CommonJS whose default export TypeScript sees as the module namespace.
const addFormats = formatsPlugin as unknown as (ajv: Ajv2020) => Ajv2020;

let shared: Ajv2020 | undefined;
const added = new Set<string>();
/** By pointer, and by the schema's text: most error responses share one `$ref` to Problem. */
const byPointer = new Map<string, ValidateFunction>();
const byText = new Map<string, ValidateFunction>();

function ajv(): Ajv2020 {
  if (shared !== undefined) return shared;
  // strict: false because the document carries OpenAPI's own keywords inside
  // schemas (`example`, and on other documents `discriminator`, `xml`) that
  // strict mode refuses as unknown. allErrors: a report lists every failing
  // member, not only the first. validateSchema: false because the document as
  // a whole (openapi, info, paths) is not itself a JSON Schema. Unoptimised
  // code compiles in about two thirds of the time, and each schema here is
  // compiled once for a handful of validations. multipleOfPrecision: a
  // decimal step (0.01) is judged as a person would, not by binary floating
  // point (0.07 / 0.01 is 7.000000000000001).
  shared = new Ajv2020({
    strict: false,
    multipleOfPrecision: 6,
    allErrors: true,
    validateSchema: false,
    code: { optimize: false },
  });
  addFormats(shared);
  return shared;
}

/** Makes `document` referable as `urn:throughline:openapi:<hash>`. */
export function registerDocument(document: OpenApiDocument, hash: string): string {
  const id = `urn:throughline:openapi:${hash}`;
  if (!added.has(id)) {
    ajv().addSchema({ ...document, $id: id });
    added.add(id);
  }
  return id;
}

/**
 * The compiled validator for the schema at `parts` in the document
 * `documentId`. Passing the schema itself lets schemas of the same text
 * (and so, within one document, the same meaning) share one compilation.
 */
export function validatorAt(
  documentId: string,
  parts: readonly string[],
  schema?: unknown,
): ValidateFunction {
  const ref = `${documentId}${pointer(parts)}`;
  let validate = byPointer.get(ref);
  if (validate !== undefined) return validate;
  const text = schema === undefined ? undefined : `${documentId} ${JSON.stringify(schema)}`;
  validate = text === undefined ? undefined : byText.get(text);
  if (validate === undefined) {
    validate = ajv().compile({ $ref: ref });
    if (text !== undefined) byText.set(text, validate);
  }
  byPointer.set(ref, validate);
  return validate;
}

const formats = new Map<string, ValidateFunction>();

/** Whether `text` is of the JSON Schema `format` (unknown formats accept anything). */
export function hasFormat(format: string, text: string): boolean {
  let validate = formats.get(format);
  if (validate === undefined) {
    validate = ajv().compile({ type: 'string', format });
    formats.set(format, validate);
  }
  return validate(text);
}

/** Ajv's errors as short lines: `/items/0/price must be integer`. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined, max = 5): string {
  if (errors === null || errors === undefined || errors.length === 0) return 'invalid';
  const lines = errors.slice(0, max).map((error) => {
    const where = error.instancePath === '' ? '(root)' : error.instancePath;
    const extra =
      error.keyword === 'additionalProperties'
        ? ` '${String((error.params as { additionalProperty?: unknown }).additionalProperty)}'`
        : error.keyword === 'enum'
          ? ` ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}`
          : '';
    return `${where} ${error.message ?? error.keyword}${extra}`;
  });
  if (errors.length > max) lines.push(`… and ${errors.length - max} more`);
  return lines.join('; ');
}

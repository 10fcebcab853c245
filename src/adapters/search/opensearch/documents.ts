// A SearchDocument as OpenSearch keeps it, and the bulk operations that
// write and delete documents.
//
// Writes carry the product row's version as an external version: OpenSearch
// keeps a write only if its version is higher than the one it holds, so an
// event applied late or twice never rolls a document back (the bulk answers
// 409 for that item, which the indexer ignores).

import type { SearchDocument } from '../../../ports/search.ts';
import type { JsonObject } from './index-settings.ts';

/** What `_source` holds: the port's document, its description as plain text. */
export type StoredDocument = SearchDocument;

const TAG = /<[^>]*>/g;
const SPACES = /\s+/g;

/**
 * Descriptions may hold markup; the index keeps the text only, as
 * PostgreSQL's fragments do, so highlights never cut a tag in half.
 */
export function plainText(html: string): string {
  return html.replace(TAG, ' ').replace(SPACES, ' ').trim();
}

export function toStoredDocument(document: SearchDocument): StoredDocument {
  return {
    id: document.id,
    title: document.title,
    description: plainText(document.description),
    brand: { slug: document.brand.slug, name: document.brand.name },
    category: { slug: document.category.slug, name: document.category.name },
    tags: [...document.tags],
    price: { amount: document.price.amount, currency: document.price.currency.trim() },
    stock: document.stock,
    createdAt: document.createdAt,
    version: document.version,
  };
}

/** NDJSON lines of a bulk request: an action, and for writes its document. */
export type BulkLine = JsonObject | StoredDocument;

export function upsertLines(documents: readonly SearchDocument[]): BulkLine[] {
  return documents.flatMap((document) => [
    { index: { _id: document.id, version: document.version, version_type: 'external' } },
    toStoredDocument(document),
  ]);
}

export function deleteLines(ids: readonly string[]): BulkLine[] {
  return ids.map((id) => ({ delete: { _id: id } }));
}

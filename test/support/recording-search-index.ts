// A fake SearchIndex for tests: an in-memory copy of the catalog that obeys
// the port's rules (versioned upserts, removes of unknown ids ignored, a
// rebuild into a fresh copy swapped in at the end, resumable) and records
// every write with the time it arrived. It stands in for an engine with its
// own copy (OpenSearch), which cannot run here; `recordingSearchEngine` puts
// it beside the real PostgreSQL engine, so the service's searches still
// work while the tests watch what the outbox sends the index.

import type {
  RebuildProgress,
  SearchDocument,
  SearchEngine,
  SearchIndex,
} from '../../src/ports/search.ts';

export interface RecordedWrite {
  readonly kind: 'upsert' | 'remove';
  readonly ids: readonly string[];
  /** performance.now() when the write arrived. */
  readonly at: number;
  /** Of `ids`, those the write changed (a stale or repeated upsert changes nothing). */
  readonly changed: readonly string[];
}

export class RecordingSearchIndex implements SearchIndex {
  /** The copy searches would read. */
  documents = new Map<string, SearchDocument>();
  readonly writes: RecordedWrite[] = [];
  /** The batches each rebuild call received, in order (ids only). */
  readonly rebuildBatches: (readonly string[])[][] = [];
  /** The copy an interrupted rebuild left, for `resume`. */
  #building: Map<string, SearchDocument> | undefined;

  upsert(documents: readonly SearchDocument[]): Promise<void> {
    const changed: string[] = [];
    for (const document of documents) {
      if (apply(this.documents, document)) changed.push(document.id);
      // Live writes reach a copy being built too, as an engine's alias would.
      if (this.#building !== undefined) apply(this.#building, document);
    }
    this.writes.push({
      kind: 'upsert',
      ids: documents.map((document) => document.id),
      at: performance.now(),
      changed,
    });
    return Promise.resolve();
  }

  remove(ids: readonly string[]): Promise<void> {
    const changed = ids.filter((id) => this.documents.delete(id));
    for (const id of ids) this.#building?.delete(id);
    this.writes.push({ kind: 'remove', ids: [...ids], at: performance.now(), changed });
    return Promise.resolve();
  }

  async rebuild(
    batches: AsyncIterable<readonly SearchDocument[]>,
    options: { readonly resume?: boolean; readonly onProgress?: (p: RebuildProgress) => void } = {},
  ): Promise<{ readonly indexed: number }> {
    const copy =
      options.resume === true && this.#building !== undefined ? this.#building : new Map();
    this.#building = copy;
    const received: (readonly string[])[] = [];
    this.rebuildBatches.push(received);
    let indexed = 0;
    for await (const batch of batches) {
      for (const document of batch) apply(copy, document);
      received.push(batch.map((document) => document.id));
      indexed += batch.length;
      const last = batch.at(-1);
      if (last !== undefined) options.onProgress?.({ indexed, lastId: last.id });
    }
    this.documents = copy;
    this.#building = undefined;
    return { indexed };
  }

  /** The first write of `kind` that changed `id`'s document, if any arrived yet. */
  firstChange(kind: RecordedWrite['kind'], id: string): RecordedWrite | undefined {
    return this.writes.find((write) => write.kind === kind && write.changed.includes(id));
  }
}

/** Stores `document` unless an equal or newer version is held; whether it changed anything. */
function apply(into: Map<string, SearchDocument>, document: SearchDocument): boolean {
  const held = into.get(document.id);
  if (held !== undefined && held.version > document.version) return false;
  if (held !== undefined && JSON.stringify(held) === JSON.stringify(document)) return false;
  into.set(document.id, document);
  return true;
}

/** `engine` (the real PostgreSQL one) with a recording index beside it. */
export function recordingSearchEngine(engine: SearchEngine): SearchEngine & {
  readonly index: RecordingSearchIndex;
} {
  const index = new RecordingSearchIndex();
  return {
    name: 'recording',
    search: (query) => engine.search(query),
    suggest: (prefix, limit) => engine.suggest(prefix, limit),
    index,
  };
}

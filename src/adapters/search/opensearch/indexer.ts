// The SearchIndex side of the OpenSearch adapter: the copy of the catalog
// that searches read, behind an alias (`products` by default).
//
// - upsert: one bulk request of `index` actions with the product's version
//   as an external version: a document older than the one held is refused
//   item by item (409), which is the point, and is ignored.
// - remove: one bulk request of `delete` actions; ids not held (404) are
//   ignored.
//   Both write through the alias with `require_alias`, so a write before the
//   first rebuild fails (unavailable: the writer retries) instead of
//   creating an index named like the alias with guessed mappings.
// - rebuild: a new physical index `<alias>-<timestamp>`, filled by bulk
//   requests from the batches while searches keep reading the old one (no
//   refreshes while filling: the copy is searched only once it is whole),
//   then the alias moved to it in one `_aliases` request — searches see the
//   old copy or the new, never neither — and the old copy deleted. With
//   `resume`, the newest physical index not behind the alias (the one an
//   interrupted rebuild left) is filled on instead of a new one; writing a
//   document it already holds is a version conflict, ignored like any other.

import type { RebuildProgress, SearchIndex } from '../../../ports/search.ts';
import { searchEngineUnavailable } from '../unavailable.ts';
import { ENGINE_NAME, type OpenSearchConnection } from './client.ts';
import { deleteLines, upsertLines, type BulkLine } from './documents.ts';
import { createIndexBody } from './index-settings.ts';

export interface IndexerOptions {
  readonly alias: string;
  /** Bulk requests and index administration take longer than queries, ms. */
  readonly writeTimeoutMs: number;
  /**
   * `true` makes each upsert and remove visible to searches before it
   * returns (a refresh per call: for tests and tools, not for production
   * write rates, where the index's 1 s refresh interval does it).
   */
  readonly refresh?: boolean;
  /** The clock, for index names. */
  readonly now?: () => number;
}

interface BulkItemResult {
  readonly _id: string;
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string };
}

export interface BulkResponseBody {
  readonly errors: boolean;
  readonly items: readonly Readonly<Record<string, BulkItemResult>>[];
}

/** What an interrupted or finished rebuild leaves: physical indices and the alias's target. */
type AliasTargets = Readonly<
  Record<string, { readonly aliases?: Readonly<Record<string, unknown>> }>
>;

/**
 * The failures of one bulk response that matter: a stale version (409 on
 * an index action) and a delete of what is not there (404) are the outcomes
 * asked for. Rejections under load (429) are an outage; anything else is a
 * document the index refuses, a bug to report with its id.
 */
export function bulkFailures(body: BulkResponseBody): {
  readonly overloaded: boolean;
  readonly refused: string[];
} {
  const refused: string[] = [];
  let overloaded = false;
  if (!body.errors) return { overloaded, refused };
  for (const item of body.items) {
    for (const [action, result] of Object.entries(item)) {
      if (result.status < 300) continue;
      if (action === 'index' && result.status === 409) continue;
      if (action === 'delete' && result.status === 404) continue;
      if (result.status === 429 || result.status >= 500) {
        overloaded = true;
        continue;
      }
      refused.push(
        `${result._id}: ${result.error?.type ?? result.status} ${result.error?.reason ?? ''}`.trim(),
      );
    }
  }
  return { overloaded, refused };
}

const STAMP = /^\d+$/;

export function createOpenSearchIndex(
  connection: OpenSearchConnection,
  options: IndexerOptions,
): SearchIndex {
  const { alias, writeTimeoutMs } = options;
  const now = options.now ?? Date.now;

  async function bulk(
    lines: readonly BulkLine[],
    target: { index: string; requireAlias: boolean },
    refresh: boolean,
  ): Promise<void> {
    if (lines.length === 0) return;
    const querystring: Record<string, string | boolean> = { require_alias: target.requireAlias };
    if (refresh) querystring.refresh = 'true';
    const { body } = await connection.request<BulkResponseBody>(
      'POST',
      `/${encodeURIComponent(target.index)}/_bulk`,
      { bulkBody: lines, querystring, timeoutMs: writeTimeoutMs },
    );
    const { overloaded, refused } = bulkFailures(body);
    if (refused.length > 0) {
      throw new Error(
        `OpenSearch refused ${refused.length} document(s): ${refused.slice(0, 5).join('; ')}`,
      );
    }
    if (overloaded) {
      throw searchEngineUnavailable(
        ENGINE_NAME,
        'bulk items rejected (429 or 5xx); retry the batch',
      );
    }
  }

  /** Physical indices of this alias's family, and which of them the alias points to. */
  async function family(): Promise<{ indices: string[]; live: string[] }> {
    const { body, statusCode } = await connection.request<AliasTargets>(
      'GET',
      `/${encodeURIComponent(`${alias}-*`)}/_alias`,
      { timeoutMs: writeTimeoutMs, ignore: [404] },
    );
    if (statusCode === 404) return { indices: [], live: [] };
    const indices = Object.keys(body).filter((name) => STAMP.test(name.slice(alias.length + 1)));
    const live = indices.filter((name) => body[name]?.aliases?.[alias] !== undefined);
    return { indices, live };
  }

  const stamp = (name: string) => Number(name.slice(alias.length + 1));

  return {
    async upsert(documents) {
      await bulk(
        upsertLines(documents),
        { index: alias, requireAlias: true },
        options.refresh === true,
      );
    },

    async remove(ids) {
      await bulk(deleteLines(ids), { index: alias, requireAlias: true }, options.refresh === true);
    },

    async rebuild(batches, rebuildOptions = {}) {
      const before = await family();
      const left = before.indices
        .filter((name) => !before.live.includes(name))
        .sort((a, b) => stamp(b) - stamp(a))[0];
      let target: string;
      if (rebuildOptions.resume === true && left !== undefined) {
        target = left;
      } else {
        target = `${alias}-${now()}`;
        await connection.request('PUT', `/${encodeURIComponent(target)}`, {
          body: createIndexBody({ refreshInterval: '-1' }),
          timeoutMs: writeTimeoutMs,
        });
      }

      let indexed = 0;
      for await (const batch of batches) {
        if (batch.length === 0) continue;
        await bulk(upsertLines(batch), { index: target, requireAlias: false }, false);
        indexed += batch.length;
        const progress: RebuildProgress = { indexed, lastId: batch.at(-1)!.id };
        rebuildOptions.onProgress?.(progress);
      }

      // Searchable, as every index is, then made the one searches read.
      await connection.request('PUT', `/${encodeURIComponent(target)}/_settings`, {
        body: { index: { refresh_interval: '1s' } },
        timeoutMs: writeTimeoutMs,
      });
      await connection.request('POST', `/${encodeURIComponent(target)}/_refresh`, {
        timeoutMs: writeTimeoutMs,
      });
      const current = await family();
      const actions = [
        ...current.live
          .filter((name) => name !== target)
          .map((name) => ({ remove: { index: name, alias } })),
        { add: { index: target, alias } },
      ];
      await connection.request('POST', '/_aliases', {
        body: { actions },
        timeoutMs: writeTimeoutMs,
      });
      // The copy just replaced, and any that an older interrupted rebuild
      // left; never a newer one, which another rebuild may be filling.
      const stale = current.indices.filter(
        (name) => name !== target && (current.live.includes(name) || stamp(name) < stamp(target)),
      );
      if (stale.length > 0) {
        await connection.request('DELETE', `/${stale.map(encodeURIComponent).join(',')}`, {
          timeoutMs: writeTimeoutMs,
          ignore: [404],
        });
      }
      return { indexed };
    },
  };
}

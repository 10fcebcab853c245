// The operators' command line as a real process (`npm run cli`'s entry)
// against a seeded database — the embedded one under DATA_DIR, and a
// PostgreSQL database when DATABASE_URL is set: its output as a table and
// as JSON, its exit codes, and a role granted from it showing in the audit
// chain under the operator's name, with the chain still verifying.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createAuditService } from '../../src/modules/audit/service.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { runScript, type ScriptResult } from '../support/process.ts';

const CLI = fileURLToPath(new URL('../../src/wiring/cli.ts', import.meta.url));
const OPERATOR = `cli:${userInfo().username}`;

interface Target {
  readonly env: Record<string, string>;
  /** Runs `check` on the database while no command holds it (PGlite has one owner at a time). */
  inspect<T>(check: (sql: SqlDatabase<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function pgliteTarget(): Promise<Target> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-cli-'));
  await preparePgliteDataDir(dir);
  return {
    env: { DATA_DIR: dir },
    async inspect(check) {
      const sql = await createPgliteDatabase<Database>({ dataDir: join(dir, 'pglite') });
      try {
        return await check(sql);
      } finally {
        await sql.close();
      }
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

async function postgresTarget(): Promise<Target> {
  const database: EngineDatabase = await ENGINES.find((e) => e.name === 'postgres')!.open();
  const dir = await mkdtemp(join(tmpdir(), 'throughline-cli-'));
  return {
    env: { DATA_DIR: dir, DATABASE_URL: database.fresh!.url },
    inspect: (check) => check(database.sql),
    async close() {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const TARGETS = [
  { name: 'pglite', skip: false, open: pgliteTarget },
  {
    name: 'postgres',
    skip: ENGINES.find((e) => e.name === 'postgres')!.skip,
    open: postgresTarget,
  },
] as const;

for (const engine of TARGETS) {
  describe(`the command line on ${engine.name}`, { skip: engine.skip }, () => {
    let target: Target;
    const cli = (...args: string[]): Promise<ScriptResult> =>
      runScript(CLI, args, { NODE_ENV: 'test', ...target.env });

    before(async () => {
      target = await engine.open();
    });
    after(() => target.close());

    test('products list pages as JSON and prints a table', async () => {
      const first = await cli('products', 'list', '--limit', '2', '--sort', 'id', '--json');
      assert.equal(first.code, 0, first.stderr);
      const page = JSON.parse(first.stdout) as {
        products: { id: string; sku: string }[];
        nextCursor: string | null;
        total: number;
      };
      assert.deepEqual(
        page.products.map((p) => p.id),
        ['1', '2'],
      );
      assert.ok(page.nextCursor);

      const second = await cli(
        'products',
        'list',
        '--limit',
        '2',
        '--sort',
        'id',
        '--after',
        page.nextCursor,
      );
      assert.equal(second.code, 0, second.stderr);
      const lines = second.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^id\s+sku\s+title\s+price\s+stock$/);
      assert.match(lines[1]!, /^3\s+SKU-000003\s/);
      assert.match(lines[2]!, /^4\s+SKU-000004\s/);
      assert.match(lines[3]!, new RegExp(`^2 of ${page.total}; next: --after \\S+$`));

      const tooMany = await cli('products', 'list', '--limit', '500');
      assert.equal(tooMany.code, 2);
      assert.match(tooMany.stderr, /--limit/);
    });

    test('orders show prints the order and its lines; a missing one exits 1 with its code', async () => {
      const { order, lineCount } = await target.inspect(async (sql) => {
        const first = await sql.db
          .selectFrom('orders')
          .select(['id', 'status'])
          .orderBy('id')
          .limit(1)
          .executeTakeFirstOrThrow();
        const items = await sql.db
          .selectFrom('order_items')
          .select('product_id')
          .where('order_id', '=', first.id)
          .execute();
        return { order: first, lineCount: items.length };
      });
      const shown = await cli('orders', 'show', order.id);
      assert.equal(shown.code, 0, shown.stderr);
      const [header, summary, blank, linesHeader, ...lines] = shown.stdout.trimEnd().split('\n');
      assert.match(header!, /^id\s+user\s+status\s+total\s+created$/);
      assert.match(summary!, new RegExp(`^${order.id}\\s+\\d+\\s+${order.status}\\s`));
      assert.equal(blank, '');
      assert.match(linesHeader!, /^product\s+title\s+quantity\s+unit price\s+line total$/);
      assert.equal(lines.length, lineCount);

      const missing = await cli('orders', 'show', '999999999');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^ORDERS_NOT_FOUND: /m);
    });

    test('users grant-role changes the role, audited under the operator, and the chain verifies', async () => {
      const { email } = DEMO_ACCOUNTS.customer;
      const granted = await cli('users', 'grant-role', email, 'editor', '--json');
      assert.equal(granted.code, 0, granted.stderr);
      const user = JSON.parse(granted.stdout) as { id: string; email: string; role: string };
      assert.equal(user.email, email);
      assert.equal(user.role, 'editor');

      const { role, entry, verification } = await target.inspect(async (sql) => {
        const row = await sql.db
          .selectFrom('users')
          .select('role')
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        const audit = createAuditService({ sql });
        const page = await audit.list({ action: 'admin.role_changed' });
        return { role: row.role, entry: page.entries[0], verification: await audit.verify() };
      });
      assert.equal(role, 'editor');
      assert.ok(entry);
      assert.equal(entry.actorId, OPERATOR);
      assert.equal(entry.targetId, user.id);
      assert.equal(entry.outcome, 'success');
      assert.deepEqual(entry.details, { from: 'customer', to: 'editor' });
      assert.equal(verification.ok, true, JSON.stringify(verification));

      const unknown = await cli('users', 'grant-role', 'nobody@example.com', 'admin');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^USERS_NOT_FOUND: /m);
      const badRole = await cli('users', 'grant-role', email, 'overlord');
      assert.equal(badRole.code, 2);
      assert.match(badRole.stderr, /the role must be one of admin, editor, customer/);
    });
  });
}

// The operators' command line (`npm run cli -- <command>`): opens the
// configured database the way the worker does (same config, same engines:
// DATABASE_URL, or the embedded database under DATA_DIR, whose directory
// lock it takes, so it waits for nobody and refuses to run beside a web
// process using the same directory), builds the services the routes use,
// runs one command (commands.ts) as `cli:<os user>`, prints the result and
// closes everything. No migrations run here: a database the migrations
// have not reached is refused by its queries, not changed.
//
// Exit codes: 0 done, 1 the service refused (its code and detail on
// stderr, as an HTTP client would get them), 2 a usage mistake.

import '../../platform/compiled-validation.ts';
import { userInfo } from 'node:os';
import { z } from 'zod';
import { isAppError } from '../../errors/index.ts';
import { createAudit } from '../../modules/audit/module.ts';
import { createSignOutEverywhere } from '../../modules/auth/sign-out-everywhere.ts';
import { createCursorCodec } from '../../modules/catalog/cursor.ts';
import { createCatalogService } from '../../modules/catalog/service.ts';
import { ReadinessChecks } from '../../modules/health/readiness.ts';
import { ordersService } from '../../modules/orders/module.ts';
import { usersService } from '../../modules/users/module.ts';
import { permissionsOf } from '../../modules/users/rbac.ts';
import { ConfigError, loadConfig, type Config } from '../../platform/config.ts';
import { deriveKey, loadDataKey } from '../../platform/data-key.ts';
import { Lifecycle } from '../../platform/lifecycle.ts';
import { createLogger, type Logger } from '../../platform/logger.ts';
import { toSqlError } from '../../platform/sql/sql-errors.ts';
import { createSessionStore, createSharedState } from '../engines.ts';
import { openDatabase } from '../sql-engine.ts';
import { parseCommandLine } from './arguments.ts';
import { COMMANDS, UsageError, type CommandContext, type CommandResult } from './commands.ts';

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage: npm run cli -- <command> [--json]\n\ncommands:\n${lines.join('\n')}\n`;
}

/** Who the audit trail names: the operating-system account that ran the command. */
export function operatorName(): string {
  return `cli:${userInfo().username}`;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  const [group, verb, ...args] = parsed.positionals;
  const command = COMMANDS[`${group ?? ''} ${verb ?? ''}`];
  if (parsed.values.help === true || command === undefined) {
    (command === undefined && group !== undefined ? process.stderr : process.stdout).write(usage());
    return command === undefined && group !== undefined ? 2 : 0;
  }

  let config: Config;
  try {
    // Config flags are not taken here: the command line's own options would clash.
    config = loadConfig({ argv: [], env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // stdout is the command's output; the log goes to stderr, quiet unless asked.
  const level = process.env.LOG_LEVEL === undefined ? 'warn' : config.log.level;
  const logger = createLogger({ level, destination: process.stderr });
  const lifecycle = new Lifecycle(logger);
  try {
    const context = await open(config, logger, lifecycle);
    const result = await command.run(context, args, parsed.values as Record<string, string>);
    print(result, parsed.values.json === true);
    return 0;
  } catch (error) {
    return report(error, logger);
  } finally {
    await lifecycle.stop('command done');
  }
}

async function open(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<CommandContext> {
  const { sql } = await openDatabase(config, logger);
  lifecycle.add({ name: 'database', close: () => sql.close() });
  // Sessions live in the database, or in Redis beside the shared state: a
  // role change ends them wherever they are. Nobody asks this readiness.
  const shared = createSharedState(config, {
    logger,
    lifecycle,
    readiness: new ReadinessChecks(() => 'ready'),
  });
  await shared.connected();
  const sessions = createSessionStore(config, { sql, shared });
  // The web instances' data key: the list cursors printed here work there too.
  const { key: dataKey } = await loadDataKey(config.security.dataKey, config.dataDir);
  const audit = createAudit(sql).sink;
  return {
    actor: { id: operatorName(), permissions: permissionsOf('admin'), ip: 'local' },
    sql,
    catalog: createCatalogService({ sql }),
    cursors: createCursorCodec(deriveKey(dataKey, 'catalog-cursor')),
    orders: ordersService({ sql, audit, productCache: undefined }),
    users: usersService({
      config,
      sql,
      audit,
      signOut: createSignOutEverywhere({ sql, sessions, logger }),
    }),
  };
}

function print(result: CommandResult, json: boolean): void {
  process.stdout.write(json ? `${JSON.stringify(result.json, null, 2)}\n` : `${result.text}\n`);
}

function report(error: unknown, logger: Logger): number {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n\n${usage()}`);
    return 2;
  }
  if (error instanceof z.ZodError) {
    const problems = error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
    process.stderr.write(`${problems.join('\n')}\n`);
    return 2;
  }
  const appError = isAppError(error) ? error : toSqlError(error);
  if (appError === undefined) {
    logger.error({ err: error }, 'command failed');
    process.stderr.write(`failed: ${(error as Error).message}\n`);
    return 1;
  }
  const fields = (appError.errors ?? []).map((field) => `\n  ${field.field}: ${field.message}`);
  process.stderr.write(
    `${appError.code}: ${appError.detail ?? appError.title}${fields.join('')}\n`,
  );
  return 1;
}

process.exitCode = await main();

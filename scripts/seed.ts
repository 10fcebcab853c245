// Loads the deterministic demo data set (an admin, an editor, customers,
// 10,000 products over categories and brands, orders) into an empty database:
//
//   npm run seed
//
// Applies pending migrations first. Uses the same configuration as the
// service (DATABASE_URL, or the embedded PGlite database in DATA_DIR). A
// database that already has users is left alone (exit 0).

import { openDatabase } from '../src/wiring/sql-engine.ts';
import { MIGRATIONS_DIR } from '../src/wiring/database.ts';
import { DEMO_ACCOUNTS, isDatabaseEmpty, seedDemoData } from '../src/wiring/seed.ts';
import { configuredPasswordHasher } from '../src/modules/users/passwords.ts';
import { loadConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { migrate } from '../src/platform/sql/migrator.ts';

const config = loadConfig({ argv: [], env: process.env });
const logger = createLogger({ level: config.log.level, destination: process.stderr });
const { sql, target } = await openDatabase(config, logger);
try {
  await migrate(sql, { dir: MIGRATIONS_DIR, logger });
  if (!(await isDatabaseEmpty(sql.db))) {
    process.stdout.write(`${target}: already has data, nothing seeded\n`);
  } else {
    const started = performance.now();
    const counts = await seedDemoData(sql, {
      passwords: configuredPasswordHasher(config.security),
    });
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      `${target}: seeded ${counts.products} products, ${counts.customers} customers, ` +
        `${counts.orders} orders in ${ms} ms\n`,
    );
    if (config.nodeEnv !== 'production') {
      const { email, password } = DEMO_ACCOUNTS.admin;
      process.stdout.write(`demo admin: ${email} / ${password}\n`);
    }
  }
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await sql.close();
}

// `npm run bench:startup`: how long the service takes from `node
// src/wiring/main.ts` to a 200 from /readyz, on the embedded database and the
// default (development) settings, as `npm start` runs it:
//
//   first start                  an empty DATA_DIR: create the database, migrate, load the demo data
//   restart (10k products)       that directory again, after a clean SIGTERM stop
//   first start, no demo data    an empty DATA_DIR with SEED_ON_START=false
//   restart (schema only)        that directory again
//   first start, nothing cached  an empty DATA_DIR and an empty template directory
//                                (PGLITE_TEMPLATE_DIR): what the very first start on a machine costs
//
// `--entry` times another checkout's main.ts; `--baseline <main.ts>` times a
// second one in the same rounds, alternating which goes first, and adds the
// ratio of the medians — a before/after that a busy machine slows alike.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { wholeNumber } from '../lib/options.ts';
import { DEFAULT_ENTRY, formatTable, measureStartups, ROWS } from './startups.ts';

const USAGE = `Usage: npm run bench:startup -- [options]

  --rounds <n>      rounds; medians are taken over them (default 5)
  --entry <file>    the entry to time (default src/wiring/main.ts of this checkout)
  --baseline <file> another checkout's src/wiring/main.ts, timed in the same rounds
  --rows <list>     comma-separated subset of: ${ROWS.map((row) => row.id).join(', ')}
`;

function parseOptions(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rounds: { type: 'string', default: '5' },
      entry: { type: 'string', default: DEFAULT_ENTRY },
      baseline: { type: 'string' },
      rows: { type: 'string', default: ROWS.map((row) => row.id).join(',') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const rows = values.rows.split(',').map((id) => {
    const row = ROWS.find((candidate) => candidate.id === id.trim());
    if (row === undefined) throw new Error(`unknown row ${id}\n${USAGE}`);
    return row;
  });
  return {
    rounds: wholeNumber('rounds', values.rounds, 1),
    entry: resolve(values.entry),
    baseline: values.baseline === undefined ? undefined : resolve(values.baseline),
    rows,
    help: values.help,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const entries =
    options.baseline === undefined ? [options.entry] : [options.entry, options.baseline];
  const [after, before] = await measureStartups({
    entries,
    rows: options.rows,
    rounds: options.rounds,
  });
  process.stdout.write(`\n${formatTable(options.rows, after!, before)}\n`);
}

await main();

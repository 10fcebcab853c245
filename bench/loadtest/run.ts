// `npm run loadtest -- --url http://127.0.0.1:3000 --rate 5 --duration 30`:
// the scripted customer journey at an open-loop arrival rate against any
// running service (or a balancer in front of several), then PASS/FAIL
// against the SLO as the exit code (0 pass, 1 fail, 2 could not run).
// The journeys credit their new customers through an admin account:
// LOADTEST_ADMIN_EMAIL and LOADTEST_ADMIN_PASSWORD (from the environment,
// so the password is not in the process list), by default the demo admin
// of a seeded database. Each journey signs up a new account: point it at a
// database you can spare, and lift the sign-up rate limits there.

import { parseArgs } from 'node:util';
import { DEMO_ACCOUNTS } from '../../src/wiring/demo-accounts.ts';
import { LoadSetupError, runLoad } from './load.ts';
import { formatReport } from './report.ts';
import { judge } from './stats.ts';

const USAGE = `usage: npm run loadtest -- [--url URL] [--rate JOURNEYS_PER_S] [--duration S]
       [--slo-p99-ms MS] [--max-error-rate FRACTION] [--timeout-ms MS] [--json]`;

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`--${name} must be a number above 0`);
  return value;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string', default: 'http://127.0.0.1:3000' },
        rate: { type: 'string', default: '5' },
        duration: { type: 'string', default: '30' },
        'slo-p99-ms': { type: 'string', default: '500' },
        'max-error-rate': { type: 'string', default: '0.01' },
        'timeout-ms': { type: 'string', default: '10000' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let slo;
  let options;
  try {
    const maxErrorRate = Number(values['max-error-rate']);
    if (!(maxErrorRate >= 0 && maxErrorRate <= 1)) {
      throw new RangeError('--max-error-rate must be a fraction from 0 to 1');
    }
    slo = { p99Ms: positive('slo-p99-ms', values['slo-p99-ms']), maxErrorRate };
    options = {
      url: new URL(values.url).origin,
      ratePerSecond: positive('rate', values.rate),
      durationMs: positive('duration', values.duration) * 1000,
      timeoutMs: positive('timeout-ms', values['timeout-ms']),
      admin: {
        email: process.env.LOADTEST_ADMIN_EMAIL ?? DEMO_ACCOUNTS.admin.email,
        password: process.env.LOADTEST_ADMIN_PASSWORD ?? DEMO_ACCOUNTS.admin.password,
      },
    };
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const report = await runLoad(options);
    const verdict = judge(report.measurements, slo);
    if (values.json) {
      const { orders, ...rest } = report;
      process.stdout.write(
        `${JSON.stringify({ ...rest, orders: orders.length, slo, verdict }, null, 2)}\n`,
      );
    } else {
      process.stdout.write(`${formatReport(report, slo, verdict)}\n`);
    }
    return verdict.pass ? 0 : 1;
  } catch (error) {
    if (!(error instanceof LoadSetupError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
}

process.exitCode = await main();

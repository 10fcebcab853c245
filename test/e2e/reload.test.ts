// SIGHUP on the real process: a config file and a `*_FILE` secret changed on
// disk, then the signal. A changed rate limit applies from the next request
// on the same kept-alive connection (not dropped); a static setting that
// changed is refused, named, with a restart asked for; an invalid reload
// keeps everything as it was and logs every problem; every secret file read
// is in the audit log by name.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { apiClient } from '../support/api.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { listeningUrl, spawnMain } from '../support/process.ts';
import type { LogRecord } from '../support/start.ts';

const TEST_TIMEOUT_MS = 120_000;

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;

interface KeptAliveResponse {
  readonly status: number;
  readonly policy: string;
  readonly reused: boolean;
  readonly localPort: number;
}

/** GET over one kept-alive connection (an agent with a single socket). */
function get(agent: http.Agent, url: string, path: string): Promise<KeptAliveResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, url), { agent }, (res) => {
      // Read now: once the body ends, the socket goes back to the agent.
      const localPort = res.socket.localPort ?? 0;
      res.resume();
      res.once('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          policy: String(res.headers['ratelimit-policy'] ?? ''),
          reused: req.reusedSocket,
          localPort,
        });
      });
    });
    req.once('error', reject);
  });
}

test(
  'SIGHUP reloads what may change, refuses the rest, survives bad input',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-reload-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const dataDir = join(dir, 'data');
    await preparePgliteDataDir(dataDir);
    const configFile = join(dir, 'config.json');
    const secretFile = join(dir, 'mail-events-secret');
    const writeConfig = (value: unknown) => writeFile(configFile, JSON.stringify(value));
    await writeConfig({ rateLimit: { ipLimit: 1000 }, cache: { productTtlMs: 60_000 } });
    await writeFile(secretFile, `${whsec()}\n`);

    const main = spawnMain({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      CONFIG_FILE: configFile,
      MAIL_EVENTS_SECRET_FILE: secretFile,
    });
    t.after(async () => {
      if (main.child.exitCode === null && main.child.signalCode === null) {
        main.child.kill('SIGKILL');
        await main.exited;
      }
    });
    const url = await listeningUrl(main);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => {
      agent.destroy();
    });
    const products = '/api/v1/products?limit=1';

    const first = await get(agent, url, products);
    assert.equal(first.status, 200);
    assert.match(first.policy, /"ip";q=1000;/);

    /** Sends SIGHUP and waits for the reload's last line after the ones seen so far. */
    const hangUp = async (last: (record: LogRecord) => boolean) => {
      const seen = main.logs.length;
      main.child.kill('SIGHUP');
      await main.waitForLog((record) => main.logs.indexOf(record) >= seen && last(record));
      return main.logs.slice(seen);
    };

    // A reloadable change (the limit), a static one (the cache TTL) and a new secret.
    await writeConfig({ rateLimit: { ipLimit: 500 }, cache: { productTtlMs: 1234 } });
    await writeFile(secretFile, `${whsec()}\n`);
    const reloaded = await hangUp((record) => record.msg === 'configuration reloaded');
    const summary = reloaded.at(-1)!;
    assert.deepEqual(summary.applied, ['rateLimit.ipLimit', 'mail.eventsSecret']);
    assert.deepEqual(summary.refused, ['cache.productTtlMs']);
    const refusal = reloaded.find((record) => record.setting === 'cache.productTtlMs');
    assert.ok(refusal !== undefined && refusal.level === 'warn');
    assert.match(refusal.msg, /CACHE_PRODUCT_TTL_MS changed but needs a restart/);

    const second = await get(agent, url, products);
    assert.equal(second.status, 200);
    assert.match(second.policy, /"ip";q=500;/);
    assert.ok(second.reused, 'the kept-alive connection was not dropped');
    assert.equal(second.localPort, first.localPort);

    // Invalid: two bad values. Nothing changes; both are logged.
    await writeConfig({ rateLimit: { ipLimit: -1, userLimit: 'lots' } });
    const refused = await hangUp(
      (record) => record.msg === 'configuration reload refused: nothing changed',
    );
    const problems = refused
      .filter((record) => record.msg === 'configuration reload refused: invalid setting')
      .map((record) => record.setting);
    assert.deepEqual(problems.sort(), ['rateLimit.ipLimit', 'rateLimit.userLimit']);
    const third = await get(agent, url, products);
    assert.match(third.policy, /"ip";q=500;/);
    assert.ok(third.reused);

    // Every read of the secret file — start and the two reloads — audited by name, never its path.
    const api = apiClient(url);
    const admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
      .accessToken;
    const audit = await api.call('/api/v1/admin/audit?action=config.file_read', { token: admin });
    assert.equal(audit.status, 200);
    const entries = (
      (await audit.json()) as {
        data: { targetId: string; details: { phase: string } }[];
      }
    ).data;
    assert.deepEqual(entries.map((entry) => [entry.targetId, entry.details.phase]).reverse(), [
      ['MAIL_EVENTS_SECRET_FILE', 'start'],
      ['MAIL_EVENTS_SECRET_FILE', 'reload'],
      ['MAIL_EVENTS_SECRET_FILE', 'reload'],
    ]);
    assert.ok(!JSON.stringify(entries).includes(dir), 'no path in the audit log');
    assert.ok(!main.stdout().includes('whsec_'), 'no secret in the log');

    main.child.kill('SIGTERM');
    assert.deepEqual(await main.exited, { code: 0, signal: null });
  },
);

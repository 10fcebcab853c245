// The gRPC listener in the real web process (`npm start`): off without
// GRPC_PORT, on with it, answering reflection (what grpcurl asks) and calls,
// and closed by SIGTERM through the lifecycle — a stream still open when the
// grace period ends is cut, and the process exits 0.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { preparePgliteDataDir } from '../support/database.ts';
import { grpcClients } from '../support/grpc-client.ts';
import { listeningUrl, spawnMain, type MainProcess } from '../support/process.ts';

const REFLECTION_PROTO = fileURLToPath(
  new URL(
    '../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto',
    import.meta.url,
  ),
);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'throughline-grpc-'));
  await preparePgliteDataDir(dir);
});
after(() => rm(dir, { recursive: true, force: true }));

function start(extra: Record<string, string>): MainProcess {
  return spawnMain({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '500',
    ...extra,
  });
}

async function stop(main: MainProcess): Promise<void> {
  main.child.kill('SIGTERM');
  assert.deepEqual(await main.exited, { code: 0, signal: null }, main.stderr());
}

test('without GRPC_PORT nothing listens for gRPC', async () => {
  const main = start({});
  await listeningUrl(main);
  await stop(main);
  assert.equal(
    main.logs.find((record) => record.msg === 'gRPC listening'),
    undefined,
  );
});

test('with GRPC_PORT the process serves calls and reflection, and SIGTERM closes it', async () => {
  const main = start({ GRPC_PORT: '0', GRPC_HOST: '127.0.0.1' });
  const listening = await main.waitForLog((record) => record.msg === 'gRPC listening');
  const port = listening.port as number;
  await listeningUrl(main);

  const grpc = grpcClients(port);
  const product = await grpc.call('CatalogService', 'GetProduct', { id: '1' });
  assert.ok(product.ok, JSON.stringify(product));
  grpc.close();

  // What `grpcurl list` asks: the services, from reflection.
  const reflection = loadPackageDefinition(
    loadSync(REFLECTION_PROTO, { keepCase: false, defaults: true, oneofs: true }),
  ) as unknown as { grpc: { reflection: { v1: Record<string, ServiceClientConstructor> } } };
  const client = new reflection.grpc.reflection.v1.ServerReflection!(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as unknown as {
    serverReflectionInfo(): NodeJS.EventEmitter & { write(message: object): void };
    close(): void;
  };
  const stream = client.serverReflectionInfo();
  stream.on('error', () => {
    // Cut by the shutdown below: expected.
  });
  const answered = new Promise<{ listServicesResponse: { service: { name: string }[] } }>(
    (resolve) => stream.once('data', resolve),
  );
  stream.write({ listServices: '' });
  const services = (await answered).listServicesResponse.service.map((s) => s.name);
  for (const name of ['throughline.v1.CatalogService', 'throughline.v1.OrdersService']) {
    assert.ok(services.includes(name), `${name} in ${services.join(', ')}`);
  }

  // The stream is still open: tryShutdown waits for it until the grace
  // period ends, then the listener is cut and the process exits 0.
  await stop(main);
  client.close();
  const closed = main.logs.find(
    (record) => record.msg === 'closed' && record.resource === 'grpc-server',
  );
  assert.ok(closed, 'the lifecycle closed the gRPC server');
  assert.ok((closed.ms as number) >= 400, `waited for the grace period (${String(closed.ms)} ms)`);
});

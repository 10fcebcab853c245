// The gRPC core on a real listener with a real client, with handlers of the
// test's own behind the catalog's .proto: a client's cancel reaches the
// handler's signal (inside `around`) and ends as GRPC_CANCELLED; a method
// declared in the .proto file without a handler stops the start; an error
// that is no AppError is INTERNAL, its cause kept out of the status.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  credentials,
  loadPackageDefinition,
  Metadata,
  status,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { eventually } from '../../test/support/eventually.ts';
import type { AppError } from '../errors/index.ts';
import { loadProtos, startGrpcServer } from './server.ts';
import { unary, type CallHooks, type GrpcService } from './unary.ts';

const PROTO_ROOT = new URL('../../proto/', import.meta.url).pathname;
const PROTO_FILES = ['throughline/v1/catalog.proto'];

function recordingHooks(seen: AbortSignal[], failures: AppError[]): CallHooks {
  return {
    authenticate: () => Promise.reject(new Error('not used: the methods are public')),
    errorMappers: [],
    around: (signal, work) => {
      seen.push(signal);
      return work();
    },
    failed: ({ error }) => failures.push(error),
  };
}

function catalogClient(port: number) {
  const loaded = loadPackageDefinition(loadProtos(PROTO_ROOT, PROTO_FILES)) as unknown as {
    throughline: { v1: Record<string, ServiceClientConstructor> };
  };
  return new loaded.throughline.v1.CatalogService!(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as unknown as Record<
    string,
    (
      request: object,
      metadata: Metadata,
      callback: (error: ServiceError | null, response: unknown) => void,
    ) => { cancel(): void }
  > & { close(): void };
}

test('a cancelled call aborts its handler’s signal and ends as GRPC_CANCELLED', async () => {
  const seen: AbortSignal[] = [];
  const failures: AppError[] = [];
  let started = false;
  const service: GrpcService = {
    name: 'throughline.v1.CatalogService',
    methods: {
      GetProduct: unary({
        auth: 'public',
        handle: (_request: object, call) =>
          new Promise((_resolve, reject) => {
            started = true;
            call.signal.addEventListener('abort', () => {
              reject(call.signal.reason as Error);
            });
          }),
      }),
      ListProducts: unary({ auth: 'public', handle: () => Promise.reject(new Error('boom')) }),
    },
  };
  const server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    protoRoot: PROTO_ROOT,
    protoFiles: PROTO_FILES,
    services: [service],
    hooks: recordingHooks(seen, failures),
  });
  const client = catalogClient(server.port);
  try {
    const ended = new Promise<ServiceError | null>((resolve) => {
      const call = client.GetProduct!({ id: '1' }, new Metadata(), (error) => {
        resolve(error);
      });
      void eventually('the handler started', () => started).then(() => {
        call.cancel();
      });
    });
    assert.equal((await ended)?.code, status.CANCELLED);
    await eventually('the failure was reported', () => failures.length === 1);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.aborted, true);
    assert.equal(failures[0]!.code, 'GRPC_CANCELLED');

    const internal = await new Promise<ServiceError | null>((resolve) => {
      client.ListProducts!({}, new Metadata(), (error) => {
        resolve(error);
      });
    });
    assert.equal(internal?.code, status.INTERNAL);
    assert.equal(internal.metadata.get('throughline-error-code')[0], 'GRPC_INTERNAL');
    assert.doesNotMatch(internal.details, /boom/);
  } finally {
    client.close();
    await server.close(0);
  }
});

test('a .proto method without a handler stops the start', async () => {
  await assert.rejects(
    startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      protoRoot: PROTO_ROOT,
      protoFiles: PROTO_FILES,
      services: [
        {
          name: 'throughline.v1.CatalogService',
          methods: { GetProduct: unary({ auth: 'public', handle: () => Promise.resolve({}) }) },
        },
      ],
      hooks: recordingHooks([], []),
    }),
    /ListProducts is in the \.proto file but has no handler/,
  );
});

// A real grpc-js client for the service's gRPC listener, loaded from the
// same .proto files, with each unary call as a promise that settles to the
// response or to the status it failed with (code, message, trailers).

import {
  credentials,
  loadPackageDefinition,
  Metadata,
  type Client,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadProtos } from '../../src/grpc/server.ts';
import { PROTO_FILES, PROTO_ROOT } from '../../src/wiring/grpc.ts';

export interface GrpcFailure {
  readonly code: number;
  readonly details: string;
  /** The trailing metadata, one value per key. */
  readonly trailers: Readonly<Record<string, string>>;
}

export type GrpcResult<T> = { ok: true; value: T } | ({ ok: false } & GrpcFailure);

export interface GrpcClients {
  call<T = Record<string, unknown>>(
    service: 'CatalogService' | 'OrdersService',
    method: string,
    request: object,
    metadata?: Readonly<Record<string, string>>,
  ): Promise<GrpcResult<T>>;
  close(): void;
}

export function grpcClients(port: number): GrpcClients {
  const loaded = loadPackageDefinition(loadProtos(PROTO_ROOT, PROTO_FILES)) as unknown as {
    throughline: { v1: Record<string, ServiceClientConstructor> };
  };
  const address = `127.0.0.1:${port}`;
  const clients = new Map<string, Client>();
  const clientFor = (service: string) => {
    let client = clients.get(service);
    if (client === undefined) {
      client = new loaded.throughline.v1[service]!(address, credentials.createInsecure());
      clients.set(service, client);
    }
    return client;
  };
  return {
    call(service, method, request, sent = {}) {
      const metadata = new Metadata();
      for (const [key, value] of Object.entries(sent)) metadata.set(key, value);
      const client = clientFor(service) as unknown as Record<
        string,
        (
          request: object,
          metadata: Metadata,
          options: { deadline: Date },
          callback: (error: ServiceError | null, response: unknown) => void,
        ) => void
      >;
      return new Promise((resolve) => {
        client[method]!.call(
          client,
          request,
          metadata,
          { deadline: new Date(Date.now() + 30_000) },
          (error, response) => {
            if (error === null) {
              resolve({ ok: true, value: response as never });
              return;
            }
            const trailers: Record<string, string> = {};
            for (const [key, value] of Object.entries(error.metadata.getMap())) {
              trailers[key] = String(value);
            }
            resolve({ ok: false, code: error.code, details: error.details, trailers });
          },
        );
      });
    },
    close() {
      for (const client of clients.values()) client.close();
    },
  };
}

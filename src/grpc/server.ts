// The gRPC listener: the services' .proto files loaded at start-up (no
// generated code to keep in step), each declared service bound to its
// methods (unary.ts), server reflection so grpcurl and similar tools can
// list and call methods without the files, and a close that lets running
// calls finish within the grace period before cutting the rest.

import {
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type GrpcObject,
  type ServiceClientConstructor,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { bindUnary, type CallHooks, type GrpcService } from './unary.ts';

/** How request and response messages look in JavaScript (also for clients: tests). */
export const PROTO_LOADER_OPTIONS = {
  // JSON's names (productId), as the services' schemas spell them.
  keepCase: false,
  // int64 money amounts: integer minor units, far below 2^53.
  longs: Number,
  enums: String,
  // Absent scalars read as their zero value; `optional` ones stay absent.
  defaults: true,
  oneofs: true,
} as const;

export interface GrpcServerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** The .proto files, relative to `protoRoot`. */
  readonly protoFiles: readonly string[];
  readonly protoRoot: string;
  readonly services: readonly GrpcService[];
  readonly hooks: CallHooks;
}

export interface RunningGrpcServer {
  readonly port: number;
  /** Stops taking calls, waits up to `graceMs` for running ones, then cuts them. */
  close(graceMs: number): Promise<void>;
}

export function loadProtos(root: string, files: readonly string[]): PackageDefinition {
  return loadSync([...files], { ...PROTO_LOADER_OPTIONS, includeDirs: [root] });
}

export async function startGrpcServer(options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const definition = loadProtos(options.protoRoot, options.protoFiles);
  const loaded = loadPackageDefinition(definition);
  const server = new Server();
  for (const service of options.services) {
    const constructor = lookup(loaded, service.name);
    const implementation: UntypedServiceImplementation = {};
    for (const name of Object.keys(constructor.service)) {
      const method = service.methods[name];
      if (method === undefined) {
        throw new Error(`${service.name}.${name} is in the .proto file but has no handler`);
      }
      implementation[name] = bindUnary(`/${service.name}/${name}`, method, options.hooks);
    }
    for (const name of Object.keys(service.methods)) {
      if (!(name in constructor.service)) {
        throw new Error(`${service.name}.${name} has a handler but is not in the .proto file`);
      }
    }
    server.addService(constructor.service, implementation);
  }
  new ReflectionService(definition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${hostPart(options.host)}:${options.port}`,
      // Plaintext (h2c), as the HTTP listener without TLS: a proxy or mesh terminates TLS.
      ServerCredentials.createInsecure(),
      (error, bound) => {
        if (error === null) resolve(bound);
        else reject(error);
      },
    );
  });
  return {
    port,
    async close(graceMs) {
      await new Promise<void>((resolve) => {
        const cut = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      });
    },
  };
}

function lookup(loaded: GrpcObject, name: string): ServiceClientConstructor {
  let node: unknown = loaded;
  for (const part of name.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  if (typeof node !== 'function' || !('service' in node)) {
    throw new Error(`no service ${name} in the loaded .proto files`);
  }
  return node as ServiceClientConstructor;
}

/** IPv6 addresses go in brackets in a `host:port` target. */
function hostPart(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

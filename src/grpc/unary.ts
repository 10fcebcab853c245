// A unary method as services declare it: who may call it (deny by default:
// a method is authenticated unless it says `auth: 'public'`, and may name
// the permissions it needs, like an HTTP route), and the function that
// answers. `bindUnary` turns it into grpc-js's handler: it authenticates
// from the `authorization` metadata, checks the permissions, runs the
// handler with a signal that aborts when the client cancels or its deadline
// passes, and turns whatever is thrown into a status (status.ts); a tracker,
// when the root gives one, watches each call from its start to its status
// (the service's metrics and spans, without this layer knowing either).

import { randomUUID } from 'node:crypto';
import {
  status as Status,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type handleUnaryCall,
} from '@grpc/grpc-js';
import { isAppError, type AppError, type ErrorMapper } from '../errors/index.ts';
import { grpcError } from './errors.ts';
import { toServiceError } from './status.ts';

/** The caller as the services take it (structurally the HTTP core's identity). */
export interface GrpcIdentity {
  readonly subject: string;
  readonly method: string;
  readonly permissions: ReadonlySet<string>;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

export interface GrpcCall {
  /** Set on authenticated methods; undefined on public ones. */
  readonly identity: GrpcIdentity | undefined;
  /** The client's address, without the port. */
  readonly ip: string;
  readonly metadata: Metadata;
  /** Aborts when the client cancels or the call's deadline passes. */
  readonly signal: AbortSignal;
  readonly requestId: string;
}

export interface UnaryMethod<Req = never, Res = unknown> {
  /** `public` ignores credentials; the default requires one. */
  readonly auth?: 'public';
  /** Every one of them is required (PERMISSION_DENIED otherwise). */
  readonly permissions?: readonly string[];
  readonly handle: (request: Req, call: GrpcCall) => Promise<Res>;
}

/** One service of a .proto package, e.g. `throughline.v1.CatalogService`. */
export interface GrpcService {
  readonly name: string;
  readonly methods: Readonly<Record<string, UnaryMethod>>;
}

/** Declares a method; the identity, there to infer the request type. */
export function unary<Req, Res>(method: UnaryMethod<Req, Res>): UnaryMethod {
  return method;
}

export interface CallHooks {
  /** Resolves an `authorization` metadata value (`Bearer …`) to the caller, or throws a 401. */
  readonly authenticate: (authorization: string) => Promise<GrpcIdentity>;
  /** Turn lower layers' errors (a database driver's) into AppErrors. */
  readonly errorMappers: readonly ErrorMapper[];
  /**
   * Runs each call's handler, so that what it starts can find the call's
   * signal (the root enters a unit of work: the SQL layer then stops the
   * call's statements once the client has gone). Default: runs it as is.
   */
  readonly around?: <R>(signal: AbortSignal, work: () => Promise<R>) => Promise<R>;
  /** Told of every call that ended with an error, with the AppError it became. */
  readonly failed: (details: { method: string; error: AppError; cause: unknown }) => void;
  /** Watches each call from its start to its status (metrics, a span); nothing when unset. */
  readonly track?: (call: TrackedCall) => CallTracker;
}

/** What a tracker is told of a call as it starts. */
export interface TrackedCall {
  /** The service's full name, `throughline.v1.CatalogService`. */
  readonly service: string;
  /** The method's name in it, `GetProduct`. */
  readonly method: string;
  readonly metadata: Metadata;
  readonly requestId: string;
}

export interface CallTracker {
  /** Runs the call's work (inside the tracker's context, e.g. its span). */
  run<R>(work: () => Promise<R>): Promise<R>;
  /** The call ended with `code` (0: OK); `error` is the AppError of a failed one. */
  end(code: Status, error?: AppError, cause?: unknown): void;
}

export function bindUnary(
  path: string,
  method: UnaryMethod,
  hooks: CallHooks,
): handleUnaryCall<unknown, unknown> {
  // `/throughline.v1.CatalogService/GetProduct`
  const slash = path.lastIndexOf('/');
  const named = { service: path.slice(1, slash), method: path.slice(slash + 1) };
  return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const requestId = requestIdOf(call.metadata);
    const controller = new AbortController();
    const abort = () => {
      controller.abort(new Error('the client cancelled the call or its deadline passed'));
    };
    call.once('cancelled', abort);
    const tracker = hooks.track?.({ ...named, metadata: call.metadata, requestId }) ?? UNTRACKED;
    // The failure is told inside the tracker's run, so that its log line
    // belongs to the call's span (carries its ids) like the call's own lines.
    void tracker
      .run(async (): Promise<Outcome> => {
        try {
          return {
            response: await run(method, call, hooks, { requestId, signal: controller.signal }),
          };
        } catch (thrown) {
          const error = controller.signal.aborted
            ? grpcError('GRPC_CANCELLED', { cause: thrown })
            : toAppError(thrown, hooks.errorMappers);
          hooks.failed({ method: path, error, cause: thrown });
          return { error, thrown };
        }
      })
      .then((outcome) => {
        call.off('cancelled', abort);
        if ('response' in outcome) {
          tracker.end(Status.OK);
          callback(null, outcome.response);
          return;
        }
        const serviceError = toServiceError(outcome.error, requestId);
        tracker.end(serviceError.code ?? Status.UNKNOWN, outcome.error, outcome.thrown);
        callback(serviceError);
      });
  };
}

/** How a call ended: its response, or the AppError it failed with and what was thrown. */
type Outcome =
  { readonly response: unknown } | { readonly error: AppError; readonly thrown: unknown };

async function run(
  method: UnaryMethod,
  call: ServerUnaryCall<unknown, unknown>,
  hooks: CallHooks,
  context: { requestId: string; signal: AbortSignal },
): Promise<unknown> {
  let identity: GrpcIdentity | undefined;
  if (method.auth !== 'public') {
    const authorization = call.metadata.get('authorization')[0];
    if (typeof authorization !== 'string') {
      throw grpcError('GRPC_UNAUTHENTICATED', {
        detail: 'send `authorization: Bearer <access token or API key>` in the metadata',
      });
    }
    identity = await hooks.authenticate(authorization);
    const missing = (method.permissions ?? []).filter((p) => !identity!.permissions.has(p));
    if (missing.length > 0) {
      throw grpcError('GRPC_PERMISSION_DENIED', { detail: `requires ${missing.join(', ')}` });
    }
  }
  const handle = () =>
    method.handle(call.request as never, {
      identity,
      ip: ipOf(call.getPeer()),
      metadata: call.metadata,
      signal: context.signal,
      requestId: context.requestId,
    });
  return hooks.around === undefined ? handle() : hooks.around(context.signal, handle);
}

const UNTRACKED: CallTracker = {
  run: (work) => work(),
  end: () => {},
};

function toAppError(thrown: unknown, mappers: readonly ErrorMapper[]): AppError {
  if (isAppError(thrown)) return thrown;
  for (const mapper of mappers) {
    const mapped = mapper(thrown);
    if (mapped !== undefined) return mapped;
  }
  return grpcError('GRPC_INTERNAL', { cause: thrown });
}

/** The client's `x-request-id` when it is a sane one, else a new id (as over HTTP). */
function requestIdOf(metadata: Metadata): string {
  const sent = metadata.get('x-request-id')[0];
  return typeof sent === 'string' && /^[\w.:-]{1,128}$/.test(sent) ? sent : randomUUID();
}

/** `ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000` or `127.0.0.1:5000` → the address. */
function ipOf(peer: string): string {
  const address = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed !== null) return bracketed[1]!;
  const colon = address.lastIndexOf(':');
  return colon === -1 || address.indexOf(':') !== colon ? address : address.slice(0, colon);
}

// The errors the gRPC core itself raises (GRPC_*), as a registry like every
// module's: a call without a credential, one whose credential lacks the
// method's permission, a request message that fails its schema. Errors the
// services raise keep their own codes; status.ts maps every one to a status.

import { defineErrors, errorFactory } from '../errors/index.ts';

export const grpcErrors = defineErrors({
  GRPC_UNAUTHENTICATED: { status: 401, title: 'Authentication required', level: 'info' },
  GRPC_PERMISSION_DENIED: { status: 403, title: 'Permission denied', level: 'info' },
  GRPC_INVALID_ARGUMENT: { status: 422, title: 'Invalid request message', level: 'info' },
  // The client cancelled, or its deadline passed, while the call ran: nobody
  // reads this status, it exists for the log (HTTP's 499).
  GRPC_CANCELLED: { status: 499, title: 'Call cancelled by the client', level: 'debug' },
  GRPC_INTERNAL: { status: 500, title: 'Internal server error', level: 'error' },
});

export type GrpcErrorCode = keyof typeof grpcErrors;

export const grpcError = errorFactory(grpcErrors);

// `Expect: 100-continue` (RFC 9110 §10.1.1): the client sends the headers,
// then waits for `100 Continue` before sending the body. Node's default is to
// answer 100 at once, before any of our code has looked at the request — so
// an upload that its route would refuse (too large, wrong type, bad
// signature) is sent in full anyway. Here the request runs through the
// handler first, and the 100 goes out only when something starts reading the
// body. A request refused before that gets its final status with no 100;
// Node then closes the connection after the response (`_expect_continue`
// without `_sent100`), since the peer may still send the body it announced.
//
// Any other expectation cannot be met: 417 (RFC 9110 §10.1.1), with the
// problem body like every other refusal, and the connection closed.

import type { Server } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { NodeRequest, NodeResponse } from '../pipeline/context.ts';
import { problemPayload } from './client-errors.ts';

type Listener = (req: NodeRequest, res: NodeResponse) => void;

/** The readable side's pull hook: called whenever a consumer wants bytes. */
interface Pullable {
  _read(size: number): void;
}

/** Writes `100 Continue` the first time the body is pulled, unless the answer started already. */
function continueOnFirstRead(req: NodeRequest, res: NodeResponse): void {
  const readable = req as unknown as Pullable;
  const original = readable._read.bind(readable);
  readable._read = (size: number) => {
    readable._read = original;
    // After the final response started, a read is Node draining what the
    // peer sent anyway: no 100 may follow a final status.
    if (!res.headersSent && !res.writableEnded) res.writeContinue();
    original(size);
  };
}

export function handleExpectations(server: Server | Http2SecureServer, handler: Listener): void {
  // Both node:http and the HTTP/2 compatibility layer (h2 streams, and
  // HTTP/1.1 on the TLS listener) emit these instead of answering themselves.
  server.on('checkContinue', (req: NodeRequest, res: NodeResponse) => {
    continueOnFirstRead(req, res);
    handler(req, res);
  });
  server.on('checkExpectation', (req: NodeRequest, res: NodeResponse) => {
    const problem = problemPayload(
      'HTTP_EXPECTATION_FAILED',
      'only the expectation 100-continue is supported',
    );
    // HTTP/2 forbids connection-specific headers; its stream ends with the response.
    const headers: Record<string, string> = { ...problem.headers };
    if (req.httpVersionMajor >= 2) delete headers['connection'];
    res.statusCode = problem.status;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.end(problem.body);
  });
}

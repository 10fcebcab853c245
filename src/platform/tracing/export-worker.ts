// The span exports' POSTs, in a worker thread of their own (started by
// worker-transport.ts): each message is an encoded export request to post
// with the exporter's settings and retries (fetch-exporter.ts); the answer
// goes back with the message's id.

import { parentPort, workerData } from 'node:worker_threads';
import { otlpFetchTransport, type FetchExporterOptions } from './fetch-exporter.ts';
import type { ExportRequestMessage, ExportResultMessage } from './worker-transport.ts';

const port = parentPort;
if (port === null) throw new Error('export-worker.ts runs as a worker thread');
const { transport } = otlpFetchTransport(workerData as FetchExporterOptions);

port.on('message', (message: ExportRequestMessage) => {
  void transport.send(message.body, message.timeoutMillis).then(
    (result) => {
      const answer: ExportResultMessage =
        result.status === 'success'
          ? { id: message.id, status: 'success', data: result.data }
          : {
              id: message.id,
              status: result.status,
              error: result.error?.message ?? result.status,
              ...(result.status === 'retryable' && result.retryInMillis !== undefined
                ? { retryInMillis: result.retryInMillis }
                : {}),
            };
      port.postMessage(answer);
    },
    (error: unknown) => {
      const answer: ExportResultMessage = {
        id: message.id,
        status: 'failure',
        error: String(error),
      };
      port.postMessage(answer);
    },
  );
});

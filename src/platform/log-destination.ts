// Where log lines go (stdout, or a file): written asynchronously in batches
// by pino's own writer (sonic-boom), set to keep each line as UTF-8 bytes.
//
// Why not pino's default destination as it comes: in its text mode, the
// lines that arrive while a write is out are appended to one string, and
// every new line measures that whole string's UTF-8 length again (and
// flattens it to do so), so a line costs as much as the batch it joins, up to
// 16 KB. Under load a write is nearly always out: that was 6–12 % of the
// production pipeline's instructions on a small JSON response, varying with
// how long the writes took (docs/performance.md, "Log lines encoded once").
// In buffer mode the writer keeps a list of buffers and their lengths: here
// each line is encoded once, as it arrives, and costs its own length only.
//
// Everything else is pino's destination as before: asynchronous, flushed
// synchronously when the process exits, silent once the reader has gone
// (EPIPE), retrying a busy pipe.

import { pino, type DestinationStream } from 'pino';

export interface LogDestination extends DestinationStream {
  /**
   * Starts writing what is waiting (pino's `logger.flush()` calls it). `done`
   * may run before all of it is out: `flushSync` is the one that waits.
   */
  flush(done?: (error?: Error) => void): void;
  /** Writes what is waiting before returning (for an exit without an event loop). */
  flushSync(): void;
}

/** A destination writing to file descriptor `target` (stdout by default) or the file at that path. */
export function logDestination(target: number | string = 1): LogDestination {
  const writer = pino.destination({
    dest: target,
    sync: false,
    minLength: 0,
    contentMode: 'buffer',
  });
  return {
    write(line: string): void {
      // In buffer mode the writer takes buffers, although its type says
      // strings. (`writer.write` is looked up at each call: after EPIPE, pino
      // replaces it with a no-op.)
      writer.write(Buffer.from(line) as unknown as string);
    },
    flush(done) {
      writer.flush(done);
    },
    flushSync() {
      writer.flushSync();
    },
  };
}

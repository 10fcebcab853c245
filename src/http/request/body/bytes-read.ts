// How many bytes of a request's body the service has read, for the access
// log's `bytesIn`. Every reader counts as it consumes (the body parsers chunk
// by chunk, a streamed upload once stored), on the request object itself, so
// the count is right whichever reader took the body and stays 0 for a body
// nobody read — a 413 refused on its Content-Length reads nothing.

const BYTES_READ = Symbol('throughline.bodyBytesRead');

interface Counted {
  [BYTES_READ]?: number;
}

/** Adds `bytes` to what has been read of `req`'s body. */
export function countBodyBytes(req: object, bytes: number): void {
  const counted = req as Counted;
  counted[BYTES_READ] = (counted[BYTES_READ] ?? 0) + bytes;
}

/** The bytes of `req`'s body read so far (0 when none was). */
export function bodyBytesRead(req: object): number {
  return (req as Counted)[BYTES_READ] ?? 0;
}

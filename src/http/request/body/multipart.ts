// multipart/form-data (RFC 7578) streamed through busboy. Files go straight to
// disk under a caller-chosen directory with random names; nothing the client
// sends ever becomes part of a path. Any failure, including the client going
// away or the caller's signal firing, deletes every file written so far.

import { randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import { httpError } from '../../errors.ts';
import { countBodyBytes } from './bytes-read.ts';
import { appendField, createFieldRecord, type FieldRecord } from './field-record.ts';
import type { MultipartLimits } from './limits.ts';
import {
  abortReason,
  clientAbortedError,
  declaredContentLength,
  payloadTooLargeError,
  unreadableReason,
  type BodySource,
} from './read-body.ts';

export interface UploadedFile {
  /** Form field name the file was sent under. */
  readonly field: string;
  /** Client-supplied name reduced to a safe basename; '' when absent. Display only. */
  readonly filename: string;
  /** Declared media type of the part (not sniffed, so not trustworthy). */
  readonly mimeType: string;
  readonly size: number;
  /** Where the bytes are on disk, under the configured temp directory. */
  readonly path: string;
}

export interface MultipartBody {
  readonly fields: FieldRecord;
  readonly files: UploadedFile[];
  /** Deletes the uploaded temp files; safe to call more than once, and unbound. */
  readonly cleanup: () => Promise<void>;
}

export interface MultipartOptions {
  readonly tmpDir: string;
  readonly signal?: AbortSignal;
}

// busboy caps one part's header block at 16 KiB; add room for the delimiter
// line, and a little for preamble and epilogue (RFC 2046 §5.1.1).
const PART_FRAMING_BYTES = 16 * 1024 + 128;
const BODY_FRAMING_BYTES = 16 * 1024;

/**
 * The most bytes a body within `limits` can take. Without this, bytes busboy
 * skips (a preamble, or a part without Content-Disposition) would be unbounded.
 */
export function multipartByteCeiling(limits: MultipartLimits): number {
  return (
    limits.files * limits.fileSize +
    limits.fields * limits.fieldSize +
    limits.parts * PART_FRAMING_BYTES +
    BODY_FRAMING_BYTES
  );
}

/** Keeps the last path segment, without control characters; never '.' or '..'. */
export function sanitiseFilename(raw: string | undefined): string {
  if (raw === undefined) return '';
  const base = raw.slice(Math.max(raw.lastIndexOf('/'), raw.lastIndexOf('\\')) + 1);
  const printable = Array.from(base).filter((char) => {
    const code = char.codePointAt(0)!;
    return code >= 0x20 && (code < 0x7f || code > 0x9f);
  });
  const name = printable.slice(0, 255).join('').trim();
  return name === '.' || name === '..' ? '' : name;
}

function limitError(name: keyof MultipartLimits, value: number, what: string): Error {
  return payloadTooLargeError(`The multipart body exceeds the ${name} limit: ${what} ${value}.`);
}

function totalTooLargeError(ceiling: number): Error {
  return payloadTooLargeError(
    `The multipart body exceeds ${ceiling} bytes, the most its part limits allow.`,
  );
}

interface PendingFile {
  readonly entry: { -readonly [K in keyof UploadedFile]: UploadedFile[K] };
  readonly sink: WriteStream;
  /** Settles (never rejects) once the file is fully written and its descriptor closed. */
  readonly done: Promise<void>;
}

function removeFiles(paths: readonly string[]): Promise<void> {
  return Promise.all(paths.map((path) => rm(path, { force: true }))).then(() => undefined);
}

/**
 * Streams a multipart/form-data body. `boundary` must already be validated;
 * it is re-serialised for busboy so both parsers agree on it.
 */
export async function parseMultipart(
  req: BodySource,
  boundary: string,
  limits: MultipartLimits,
  options: MultipartOptions,
): Promise<MultipartBody> {
  const { signal, tmpDir } = options;
  const ceiling = multipartByteCeiling(limits);
  const declared = declaredContentLength(req.headers);
  if (declared !== undefined && declared > ceiling) throw totalTooLargeError(ceiling);
  const early = unreadableReason(req, signal);
  if (early !== undefined) throw early;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the upload folder comes from configuration and file names are random UUIDs
  await mkdir(tmpDir, { recursive: true, mode: 0o700 });
  const late = unreadableReason(req, signal);
  if (late !== undefined) throw late;

  // Busboy reports "reached N" for fileSize, fieldSize and parts, so it gets
  // N + 1 to make exactly N allowed; files and fields already mean "more than N".
  const parser = busboy({
    headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` },
    defParamCharset: 'utf8',
    limits: {
      fileSize: limits.fileSize + 1,
      fieldSize: limits.fieldSize + 1,
      parts: limits.parts + 1,
      files: limits.files,
      fields: limits.fields,
    },
  });

  const fields = createFieldRecord();
  const pending: PendingFile[] = [];
  const paths: string[] = [];
  const cleanup = (): Promise<void> => removeFiles(paths);

  return new Promise<MultipartBody>((resolve, reject) => {
    let settled = false;
    let received = 0;

    const detachRequest = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onRequestError);
      req.off('close', onRequestClose);
      signal?.removeEventListener('abort', onAbort);
      // Leave the unread rest of the body alone (see read-body.ts).
      if (!req.readableEnded) req.pause();
    };

    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      detachRequest();
      // Deferred: limit events fire from inside busboy's write path, which
      // must unwind before the parser and its file streams are destroyed.
      process.nextTick(() => {
        parser.destroy();
        for (const file of pending) file.sink.destroy();
        void Promise.all(pending.map((file) => file.done))
          .then(cleanup)
          // A file we cannot delete must not replace the client's error (a
          // 413 would become a 500); rm with `force` only fails on I/O faults.
          .catch(() => undefined)
          .then(() => {
            reject(error);
          });
      });
    };

    function onData(chunk: Buffer | string): void {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      countBodyBytes(req, buffer.length);
      if (received > ceiling) {
        fail(totalTooLargeError(ceiling));
        return;
      }
      if (!parser.write(buffer)) req.pause();
    }
    function onEnd(): void {
      parser.end();
    }
    function onRequestError(error: Error): void {
      fail(clientAbortedError(error));
    }
    function onRequestClose(): void {
      if (!req.readableEnded) fail(clientAbortedError());
    }
    function onAbort(): void {
      fail(abortReason(signal!));
    }

    parser.on('drain', () => {
      if (!settled) req.resume();
    });
    parser.on('field', (name, value, info) => {
      if (settled) return;
      if (info.valueTruncated) fail(limitError('fieldSize', limits.fieldSize, 'bytes per field'));
      else appendField(fields, name, value);
    });
    parser.on('file', (field, stream, info) => {
      if (settled) {
        stream.resume();
        return;
      }
      stream.on('limit', () => {
        fail(limitError('fileSize', limits.fileSize, 'bytes per file'));
      });
      pending.push(writeToTempFile(stream, field, info, tmpDir, paths, fail));
    });
    parser.on('filesLimit', () => {
      fail(limitError('files', limits.files, 'files'));
    });
    parser.on('fieldsLimit', () => {
      fail(limitError('fields', limits.fields, 'fields'));
    });
    parser.on('partsLimit', () => {
      fail(limitError('parts', limits.parts, 'parts'));
    });
    // Busboy's messages are fixed strings ("Unexpected end of form"), safe to show.
    parser.on('error', (error: unknown) => {
      const reason = error instanceof Error ? error.message.toLowerCase() : 'parse error';
      fail(
        httpError('HTTP_MALFORMED_BODY', {
          detail: `The multipart body is malformed (${reason}).`,
          cause: error,
        }),
      );
    });
    parser.on('close', () => {
      if (settled) return;
      void Promise.all(pending.map((file) => file.done)).then(() => {
        if (settled) return;
        settled = true;
        detachRequest();
        resolve({ fields, files: pending.map((file) => file.entry), cleanup });
      });
    });

    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onRequestError);
    req.on('close', onRequestClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function writeToTempFile(
  stream: Readable,
  field: string,
  info: busboy.FileInfo,
  tmpDir: string,
  paths: string[],
  fail: (error: Error) => void,
): PendingFile {
  const path = join(tmpDir, `upload-${randomUUID()}`);
  paths.push(path);
  const entry = {
    field,
    filename: sanitiseFilename(info.filename),
    mimeType: info.mimeType,
    size: 0,
    path,
  };
  // 'wx': never follow or reuse an existing file; 0o600: uploads are private.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the upload folder comes from configuration and file names are random UUIDs
  const sink = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  const done = pipeline(stream, sink).then(
    () => {
      entry.size = sink.bytesWritten;
    },
    () => {
      // Source-side errors come from busboy being torn down and are reported
      // through its own 'error' event or our fail(); only disk errors are new.
      if (sink.errored) fail(sink.errored);
    },
  );
  const closed = done.then(() =>
    sink.closed ? undefined : new Promise<void>((resolve) => sink.once('close', resolve)),
  );
  return { entry, sink, done: closed };
}

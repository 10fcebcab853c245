// The console's browser files, read and prepared once at start-up and then
// served from memory. The browser code is TypeScript, type-checked with the
// rest of the project (client/tsconfig.json adds the DOM); Node's own type
// stripping turns it into JavaScript here, so `npm start` needs no build step
// and no bundler. Stripping only blanks the annotations out (positions stay
// where they were), so a browser's stack trace points at the real source line.
//
// Every file is served under a version made from the digest of all of them:
// the URLs change whenever any file does, so responses can be cached for a
// year as immutable, and a page never mixes files from two releases. The
// modules import each other by relative path (`./api.ts`), which the browser
// resolves inside the same version.

/* eslint-disable security/detect-non-literal-fs-filename -- reads the console's own client folder, shipped with the code */

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConsoleAsset {
  readonly body: string;
  readonly contentType: string;
}

export interface ConsoleAssets {
  /** Digest of every file: the path segment that makes the URLs cacheable forever. */
  readonly version: string;
  /** The prepared file, or undefined for a name that is not one. */
  get(file: string): ConsoleAsset | undefined;
}

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  // Served as JavaScript: the browser goes by the media type, not the name.
  '.ts': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Reads and prepares every browser file in `dir` (the console's client folder by default). */
export function loadConsoleAssets(dir = CLIENT_DIR): ConsoleAssets {
  const files = new Map<string, ConsoleAsset>();
  const digest = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const contentType = TYPES[extname(name)];
    if (contentType === undefined || name.endsWith('.d.ts')) continue;
    const source = readFileSync(join(dir, name), 'utf8');
    const body = name.endsWith('.ts') ? stripTypeScriptTypes(source) : source;
    files.set(name, { body, contentType });
    digest.update(name).update('\0').update(body).update('\0');
  }
  return {
    version: digest.digest('base64url').slice(0, 16),
    get: (file) => files.get(file),
  };
}

// Which licences production dependencies may carry. Permissive licences only:
// each lets us ship the code inside a closed deployment without publishing
// ours. Anything else needs an entry in LICENCE_EXCEPTIONS with the reason it
// is acceptable; a reviewer reads that reason, so it must say why, not what.

export const ALLOWED_LICENCES: readonly string[] = [
  'MIT',
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'Apache-2.0',
  '0BSD',
  'BlueOak-1.0.0',
  'Unlicense',
  'CC0-1.0',
  'Python-2.0',
  'Zlib',
];

export interface LicenceException {
  readonly name: string;
  /** The licence exactly as the package declares it; a change re-opens the question. */
  readonly declared: string;
  readonly reason: string;
}

/** What a package that declares no usable licence is recorded as. */
export const UNDECLARED = 'UNDECLARED';

const LIBVIPS =
  'libvips, the image library sharp loads as a separate shared library (or wasm module) and ' +
  'that we use unmodified; the LGPL-3.0 allows that in closed software, and its source is ' +
  'public (github.com/lovell/sharp-libvips)';

const libvips = (name: string, declared: string): LicenceException => ({
  name,
  declared,
  reason: LIBVIPS,
});

export const LICENCE_EXCEPTIONS: readonly LicenceException[] = [
  libvips('@img/sharp-libvips-darwin-arm64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-darwin-x64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linux-arm', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linux-arm64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linux-ppc64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linux-riscv64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linux-s390x', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linux-x64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linuxmusl-arm64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-libvips-linuxmusl-x64', 'LGPL-3.0-or-later'),
  libvips('@img/sharp-win32-arm64', 'Apache-2.0 AND LGPL-3.0-or-later'),
  libvips('@img/sharp-win32-ia32', 'Apache-2.0 AND LGPL-3.0-or-later'),
  libvips('@img/sharp-win32-x64', 'Apache-2.0 AND LGPL-3.0-or-later'),
  libvips('@img/sharp-wasm32', 'Apache-2.0 AND LGPL-3.0-or-later AND MIT'),
];

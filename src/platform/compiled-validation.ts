// Zod's schema compiler, switched on for the whole process: every schema
// constructed after this module has been evaluated compiles itself on its
// first parse into a generated fast path, and keeps the runtime parser for
// what the compiler cannot follow (a schema it refuses stays on the runtime
// parser for good). Measured on a 6-field body: several times faster than
// the runtime parser, and below Ajv. What clients see does not change: a
// test compares both parsers on every request body the service declares
// (test/http/compiled-schemas.test.ts).
//
// Import order matters: schemas built by modules evaluated before this one
// are not compiled. Entry points import this file first.

import 'zod/compile';

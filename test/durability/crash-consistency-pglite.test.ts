// Crash consistency on pglite: see crash-suite.ts.
import { runCrashConsistency } from './crash-suite.ts';

runCrashConsistency('pglite');

// Crash consistency on postgres: see crash-suite.ts.
import { runCrashConsistency } from './crash-suite.ts';

runCrashConsistency('postgres');

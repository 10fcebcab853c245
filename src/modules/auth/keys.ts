// Where signing keys come from: the JWT_SIGNING_KEYS secret when set
// (required in production), otherwise a development key generated and kept
// in DATA_DIR/keys, rotated when it gets old.

import { join } from 'node:path';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { loadOrCreateDevKeys } from './tokens/dev-keys.ts';
import { keyRingFromSecret } from './tokens/key-secret.ts';
import type { KeyRing } from './tokens/signing-keys.ts';

export async function loadKeyRing(config: Config, logger: Logger): Promise<KeyRing> {
  const now = new Date();
  // Keys must stay valid for verification at least as long as the tokens they sign.
  const overlapSeconds = 2 * config.auth.accessTokenTtlSeconds;
  if (config.auth.signingKeys !== undefined) {
    return keyRingFromSecret(config.auth.signingKeys, { now, overlapSeconds });
  }
  const dir = join(config.dataDir, 'keys');
  const dev = await loadOrCreateDevKeys(dir, now, { overlapSeconds });
  if (dev.created || dev.rotated) {
    logger.warn(
      { path: dev.path, created: dev.created, rotated: dev.rotated },
      'using a generated development signing key (set JWT_SIGNING_KEYS in production)',
    );
  }
  return dev.ring;
}

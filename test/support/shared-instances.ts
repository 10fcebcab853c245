// The environment every instance of a multi-instance test shares, as a real
// deployment does: one PostgreSQL database, one Redis prefix, one signing key
// (a token from one instance verifies on the others) and one data key.

import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';

export async function sharedInstanceEnv(options: {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  /** The signing key's id. */
  readonly kid: string;
}): Promise<Record<string, string>> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: options.kid, alg: 'EdDSA' };
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    // info: a test learns each process's URL from its "listening" line.
    LOG_LEVEL: 'info',
    DATABASE_URL: options.databaseUrl,
    MIGRATE_ON_START: 'false',
    SEED_ON_START: 'false',
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.redisPrefix,
    JWT_SIGNING_KEYS: JSON.stringify([jwk]),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}

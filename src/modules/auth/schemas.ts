import { z } from 'zod';
import { email, password } from '../users/schemas.ts';

export const loginBody = z.strictObject({ email, password });

export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) });

export const tokenPair = z
  .strictObject({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires' }),
    refreshToken: z.string(),
    refreshExpiresIn: z.number().int(),
  })
  .meta({ id: 'TokenPair' });

export const jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'JsonWebKeySet' });

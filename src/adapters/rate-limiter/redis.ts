// The rate limiter on Redis: limits shared by every instance of the service.
//
// Each decision is one Lua script (one per algorithm), so reading the
// bucket, deciding and writing it back is atomic: a hundred instances racing
// for the last token cannot all get it, where GET-then-SET from the service
// would let them. The scripts mirror the in-process adapter's arithmetic
// (memory.ts) and pass the same contract suite.
//
// - Time comes from Redis (`TIME` inside the script), not from the caller:
//   instances whose clocks disagree still agree on every bucket. Scripts that
//   read TIME are replicated by their effects (the default since Redis 5; the
//   script asks for it on older servers).
// - The scripts are sent once: EVALSHA by their SHA-1, and EVAL only when the
//   server answers NOSCRIPT (first use, or after a restart or SCRIPT FLUSH),
//   which caches them again.
// - Every key expires when its state becomes the same as no state (a full
//   bucket, two empty windows), so idle clients leave nothing behind.
// - Cluster-ready: each call touches one key. The prefix (REDIS_KEY_PREFIX +
//   `rl:`) has no braces, so it never decides a key's hash slot.
//
// The connection belongs to whoever opened it: `close` releases the adapter,
// not the connection another adapter may share.

import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis/client.ts';
import { redisCall } from '../redis/errors.ts';
import {
  assertValidCall,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitPolicy,
} from '../../ports/rate-limiter.ts';

export interface RedisRateLimiterOptions {
  readonly connection: RedisConnection;
  /** Prepended to every key. Default `throughline:rl:`. No braces or whitespace. */
  readonly keyPrefix?: string;
}

export const DEFAULT_RATE_LIMIT_PREFIX = 'throughline:rl:';

/** Shared by both scripts: Redis's clock in ms (with µs), effects replication on old servers. */
const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local epsilon = 1e-9
`;

/** State in a hash { tokens, at }; see tokenBucket() in memory.ts. */
const TOKEN_BUCKET = `${PRELUDE}
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = limit
else
  tokens = math.min(limit, tokens + math.max(0, now - at) * limit / window)
end
local allowed = 0
if tokens + epsilon >= cost then
  allowed = 1
  tokens = math.max(0, tokens - cost)
end
local reset = 0
if tokens + epsilon < limit then reset = math.ceil((limit - tokens) * window / limit - epsilon) end
local retry = 0
if allowed == 0 then retry = math.max(1, math.ceil((cost - tokens) * window / limit - epsilon)) end
if reset > 0 then
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[1], reset)
else
  redis.call('DEL', KEYS[1])
end
return { allowed, math.floor(tokens + epsilon), reset, retry }
`;

/** State in a hash { window, current, previous }; see slidingWindow() in memory.ts. */
const SLIDING_WINDOW = `${PRELUDE}
local index = math.floor(now / window)
local state = redis.call('HMGET', KEYS[1], 'window', 'current', 'previous')
local stored = tonumber(state[1])
local current = 0
local previous = 0
if stored == index then
  current = tonumber(state[2]) or 0
  previous = tonumber(state[3]) or 0
elseif stored == index - 1 then
  previous = tonumber(state[2]) or 0
end
local into = now - index * window
local untilEnd = window - into
local estimate = previous * untilEnd / window + current
local allowed = 0
local retry = 0
if estimate + cost <= limit + epsilon then
  allowed = 1
  current = current + cost
  estimate = estimate + cost
elseif current + cost <= limit then
  retry = math.ceil(window - (limit - current - cost) * window / previous - epsilon) - into
else
  retry = untilEnd + math.ceil(window - (limit - cost) * window / current - epsilon)
end
if allowed == 0 then retry = math.max(1, math.ceil(retry)) end
local reset = 0
if current > 0 then reset = untilEnd + window elseif previous > 0 then reset = untilEnd end
reset = math.ceil(reset)
if reset > 0 then
  redis.call('HSET', KEYS[1], 'window', string.format('%d', index), 'current', current, 'previous', previous)
  redis.call('PEXPIRE', KEYS[1], reset)
else
  redis.call('DEL', KEYS[1])
end
return { allowed, math.max(0, math.floor(limit - estimate + epsilon)), reset, retry }
`;

interface Script {
  readonly source: string;
  readonly sha: string;
  /** Short tag in the key, so a policy that changes algorithm starts afresh. */
  readonly tag: string;
}

const script = (source: string, tag: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
  tag,
});

export const RATE_LIMIT_SCRIPTS = {
  'token-bucket': script(TOKEN_BUCKET, 'tb'),
  'sliding-window': script(SLIDING_WINDOW, 'sw'),
} as const;

export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const { connection } = options;
  const { client } = connection;
  const prefix = options.keyPrefix ?? DEFAULT_RATE_LIMIT_PREFIX;
  if (/[{}\s]/.test(prefix)) {
    throw new RangeError(
      `rate-limit key prefix must not contain braces or whitespace: "${prefix}"`,
    );
  }
  let closed = false;
  // Calls made while the very first connection is still being set up wait
  // for it (bounded by its connect timeout); later, a lost connection fails
  // each call at once instead.
  const firstConnect = connection.isReady
    ? undefined
    : connection.waitUntilReady().catch(() => undefined);

  const run = async (s: Script, key: string, args: number[]): Promise<unknown> => {
    try {
      return await client.evalsha(s.sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      return client.eval(s.source, 1, key, ...args);
    }
  };

  return {
    async consume(key: string, policy: RateLimitPolicy, cost = 1): Promise<RateLimitDecision> {
      assertValidCall(policy, cost);
      const s = RATE_LIMIT_SCRIPTS[policy.algorithm];
      const reply = await redisCall(async () => {
        if (closed) throw new Error('the rate limiter is closed');
        if (firstConnect !== undefined) await firstConnect;
        return run(s, `${prefix}${policy.name}:${s.tag}:${key}`, [
          policy.limit,
          policy.windowMs,
          cost,
        ]);
      });
      const [allowed, remaining, resetMs, retryAfterMs] = reply as [number, number, number, number];
      return { allowed: allowed === 1, limit: policy.limit, remaining, resetMs, retryAfterMs };
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}

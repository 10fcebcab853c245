// Reloading the configuration without a restart (SIGHUP, in the web and the
// worker processes alike: reload-signal.ts). The new
// configuration is read as at start-up — config file, environment, `*_FILE`
// secrets, flags — and checked whole; then:
//
// - invalid (a bad value, an unreadable file, a signing-key secret that does
//   not build a key ring): nothing changes, and every problem is logged;
// - a setting in RELOADABLE_SETTINGS that changed takes effect at once: the
//   log level, the rate limits, the flags' reload period, the token signing
//   keys, the mail provider's webhook secret;
// - any other setting that changed is refused, one log line each naming it
//   and saying a restart is needed: it sizes a pool, opens a listener or
//   picks an engine, which only a start does.
//
// Every setting read from a file (`X_FILE`) is recorded in the audit log by
// name, on start-up and on each reload: who could read which secret, when.

import type { Logger } from 'pino';
import type { RateLimitMiddleware } from '../http/middleware/rate-limit/rate-limit.ts';
import { keyRingFromSecret } from '../modules/auth/tokens/key-secret.ts';
import type { KeyRing } from '../modules/auth/tokens/signing-keys.ts';
import type { FeatureFlags } from '../modules/flags/feature-flags.ts';
import { SETTINGS, type SettingInfo } from '../platform/config-schema.ts';
import { ConfigError, type Config, type SettingFileRead } from '../platform/config.ts';
import type { ReplaceableConfig } from '../platform/live-config.ts';
import type { AuditSink } from '../ports/audit.ts';

/** The settings a reload applies; every other change waits for a restart. */
export const RELOADABLE_SETTINGS: ReadonlySet<string> = new Set([
  'log.level',
  'rateLimit.ipLimit',
  'rateLimit.ipWindowMs',
  'rateLimit.userLimit',
  'rateLimit.userWindowMs',
  'rateLimit.signInIpLimit',
  'rateLimit.signInIpWindowMs',
  'rateLimit.signInAccountLimit',
  'rateLimit.signInAccountWindowMs',
  'flags.refreshMs',
  'auth.signingKeys',
  'mail.eventsSecret',
]);

export interface ReloadReport {
  readonly outcome: 'applied' | 'invalid';
  /** Reloadable settings that changed and now apply. */
  readonly applied: readonly string[];
  /** Other settings that changed: still at their start-up value. */
  readonly refused: readonly string[];
  readonly problems: readonly string[];
}

export interface ConfigReloader {
  /** Records in the audit log the setting files read at start-up. */
  recordFileReads(reads: readonly SettingFileRead[], phase: 'start' | 'reload'): Promise<void>;
  /** Loads the configuration again (with `load`) and applies what may change. */
  reload(load: (onFileRead: (read: SettingFileRead) => void) => Config): Promise<ReloadReport>;
}

/**
 * What a reload changes in this process. The worker process has no rate
 * limits, evaluates no flags and signs no tokens: it leaves those out, and a
 * change to them there only reaches its live configuration, which nothing in
 * it reads; a signing-key secret is still checked, so both processes refuse
 * the same input.
 */
export interface ReloadTargets {
  readonly logger: Logger;
  readonly live: ReplaceableConfig;
  readonly rateLimits?: readonly RateLimitMiddleware[];
  readonly flags?: FeatureFlags;
  readonly keys?: KeyRing;
  readonly audit: AuditSink;
}

function valueAt(config: Config, setting: SettingInfo): unknown {
  let current: unknown = config;
  for (const segment of setting.path) current = (current as Record<string, unknown>)[segment];
  return current;
}

function changedSettings(before: Config, after: Config): SettingInfo[] {
  return SETTINGS.filter(
    (setting) =>
      JSON.stringify(valueAt(before, setting)) !== JSON.stringify(valueAt(after, setting)),
  );
}

/** `next` with every setting outside `applied` kept at its value in `current`. */
function merged(current: Config, next: Config, applied: readonly SettingInfo[]): Config {
  const copy = structuredClone(current) as unknown as Record<string, unknown>;
  for (const setting of applied) {
    let target: Record<string, unknown> = copy;
    for (const segment of setting.path.slice(0, -1)) {
      target = target[segment] as Record<string, unknown>;
    }
    target[setting.path.at(-1)!] = valueAt(next, setting);
  }
  return Object.freeze(copy) as unknown as Config;
}

const POLICY_SETTINGS = {
  ip: ['ipLimit', 'ipWindowMs'],
  user: ['userLimit', 'userWindowMs'],
  'sign-in-ip': ['signInIpLimit', 'signInIpWindowMs'],
  'sign-in-account': ['signInAccountLimit', 'signInAccountWindowMs'],
} as const;

export function createConfigReloader(targets: ReloadTargets): ConfigReloader {
  const { logger, live, audit } = targets;
  let reloading: Promise<ReloadReport> | undefined;

  async function recordFileReads(reads: readonly SettingFileRead[], phase: 'start' | 'reload') {
    for (const read of reads) {
      try {
        await audit.record({
          action: 'config.file_read',
          outcome: 'success',
          targetType: 'setting',
          targetId: read.name,
          details: { setting: read.setting, secret: read.secret, phase },
        });
      } catch (error) {
        logger.error({ err: error, name: read.name }, 'setting file read not audited');
      }
    }
  }

  function apply(next: Config, applied: readonly SettingInfo[], ring: KeyRing | undefined): void {
    const keys = new Set(applied.map((setting) => setting.key));
    if (keys.has('log.level')) logger.level = next.log.level;
    for (const middleware of targets.rateLimits ?? []) {
      const names = POLICY_SETTINGS[middleware.policy.name as keyof typeof POLICY_SETTINGS];
      if (names === undefined) continue;
      const [limit, windowMs] = names;
      middleware.retune({ limit: next.rateLimit[limit], windowMs: next.rateLimit[windowMs] });
    }
    if (keys.has('flags.refreshMs')) targets.flags?.store.setRefreshInterval(next.flags.refreshMs);
    if (ring !== undefined) targets.keys?.adopt(ring);
    // The mail webhook secret, and whatever else is read when used, from here.
    live.replace(merged(live.current(), next, applied));
  }

  async function run(
    load: (onFileRead: (read: SettingFileRead) => void) => Config,
  ): Promise<ReloadReport> {
    const reads: SettingFileRead[] = [];
    let next: Config;
    try {
      next = load((read) => reads.push(read));
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const problems = error.problems.map((problem) => `${problem.subject}: ${problem.message}`);
      for (const problem of error.problems) {
        logger.error(
          { setting: problem.subject, source: problem.source, problem: problem.message },
          'configuration reload refused: invalid setting',
        );
      }
      logger.error({ problems: problems.length }, 'configuration reload refused: nothing changed');
      await recordFileReads(reads, 'reload');
      return { outcome: 'invalid', applied: [], refused: [], problems };
    }
    await recordFileReads(reads, 'reload');

    const changed = changedSettings(live.current(), next);
    const applied = changed.filter((setting) => RELOADABLE_SETTINGS.has(setting.key));
    const refused = changed.filter((setting) => !RELOADABLE_SETTINGS.has(setting.key));

    // What can still fail is tried before anything is applied: all or nothing.
    const problems: string[] = [];
    let ring: KeyRing | undefined;
    if (applied.some((setting) => setting.key === 'auth.signingKeys')) {
      const secret = next.auth.signingKeys;
      // eslint-disable-next-line security/detect-possible-timing-attacks -- a presence check against undefined, not a comparison of secret bytes
      if (secret === undefined) {
        problems.push(
          'auth.signingKeys: cannot be removed while running (restart to use dev keys)',
        );
      } else {
        try {
          ring = await keyRingFromSecret(secret, {
            now: new Date(),
            overlapSeconds: targets.keys?.overlapSeconds,
          });
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          problems.push(`auth.signingKeys: ${reason}`);
        }
      }
    }
    if (problems.length > 0) {
      for (const problem of problems) {
        logger.error({ problem }, 'configuration reload refused: invalid setting');
      }
      logger.error({ problems: problems.length }, 'configuration reload refused: nothing changed');
      return { outcome: 'invalid', applied: [], refused: [], problems };
    }

    for (const setting of refused) {
      logger.warn(
        { setting: setting.key, env: setting.env },
        `${setting.env} changed but needs a restart to take effect; the running value stays`,
      );
    }
    const report: ReloadReport = {
      outcome: 'applied',
      applied: applied.map((setting) => setting.key),
      refused: refused.map((setting) => setting.key),
      problems: [],
    };
    const announce = () => {
      logger.info({ applied: report.applied, refused: report.refused }, 'configuration reloaded');
    };
    // The summary goes out at the more verbose of the old and new log
    // levels: a reload to `warn` must not hide the line that reports it, nor
    // one from `warn` to `debug`. Applying cannot fail (checked above).
    const announcedBefore = logger.isLevelEnabled('info');
    if (announcedBefore) announce();
    apply(next, applied, ring);
    if (!announcedBefore) announce();
    return report;
  }

  return {
    recordFileReads,
    async reload(load) {
      // Two signals in a row: the second reload starts after the first.
      const previous = reloading ?? Promise.resolve(undefined);
      const current = previous.catch(() => undefined).then(() => run(load));
      reloading = current;
      try {
        return await current;
      } finally {
        if (reloading === current) reloading = undefined;
      }
    },
  };
}

// Durations as people write them in settings: `50ms`, `5s`, `1m`, `6h`, `1d`.
// One unit per value, integers only: `1m30s` or `1.5h` are refused rather than
// guessed at, so a typo in a retry schedule fails at start-up.

const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Milliseconds of a duration like `5s`, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

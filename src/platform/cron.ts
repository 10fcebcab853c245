// Cron expressions, parsed and searched by hand: the five classic fields
// (minute hour day-of-month month day-of-week) with `*`, lists `1,15`, ranges
// `1-5`, steps `*/10`, `8-18/2` or `5/15` (5 to the end of the field, every
// 15), month and weekday names (`jan`-`dec`, `sun`-`sat`; 0 and 7 are both
// Sunday), and the macros @yearly (@annually), @monthly, @weekly, @daily
// (@midnight) and @hourly.
//
// Always evaluated in UTC. A schedule in a local time zone has to decide what
// a 02:30 job does on the night clocks skip 02:30, or repeat 01:30: that is a
// business decision that belongs to the code the job runs, not to the
// scheduler — and the seed says "Use UTC". UTC has no gaps and no repeats, so
// every fire time is exactly one instant.
//
// Day matching follows Vixie cron (what `crontab` does): when both
// day-of-month and day-of-week are restricted, a day matches if EITHER does
// (`0 0 1 * mon` = the 1st of each month and every Monday); a field counts as
// unrestricted when it starts with `*`, so `*/2` in one of them means AND.
//
// `next` and `previous` skip whole months, days and hours that cannot match
// instead of stepping minute by minute, and an expression that can never fire
// (`0 0 30 2 *`, February 30th) is refused when parsed, so no search loops.

export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** The first fire time strictly after `after` (fire times are whole UTC minutes). */
  next(after: Date): Date;
  /** The latest fire time at or before `atOrBefore`: the occurrence that is due. */
  previous(atOrBefore: Date): Date;
  /** Whether `date`'s UTC minute is a fire time (seconds are ignored). */
  matches(date: Date): boolean;
}

/** A cron expression that cannot be parsed, or that can never fire. */
export class InvalidCronError extends Error {
  readonly expression: string;
  constructor(expression: string, problem: string) {
    super(`invalid cron expression ${JSON.stringify(expression)}: ${problem}`);
    this.name = 'InvalidCronError';
    this.expression = expression;
  }
}

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = [
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'oct',
  'nov',
  'dec',
];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names standing for `min`, `min + 1`, … */
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day of month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTH_NAMES },
  // 7 is accepted as Sunday and folded into 0 below.
  { label: 'day of week', min: 0, max: 7, names: DAY_NAMES },
];

/** The days February can have: a 29th exists (in leap years), so it is not refused. */
const LONGEST_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** How far a search may look: far beyond the longest real gap (Feb 29 on a given weekday: 40 years). */
const SEARCH_YEARS = 500;

/** The allowed values of one field, as a lookup by value. */
type ValueSet = readonly boolean[];

export function parseCron(expression: string): CronSchedule {
  const text = expression.trim();
  const expanded = text.startsWith('@') ? MACROS[text.toLowerCase()] : text;
  if (expanded === undefined) {
    throw new InvalidCronError(expression, `unknown macro (use ${Object.keys(MACROS).join(', ')})`);
  }
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new InvalidCronError(
      expression,
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const sets = parts.map((part, index) => parseField(expression, part, FIELDS[index]!));
  const [minutes, hours, days, months, weekdays] = sets as [
    boolean[],
    boolean[],
    boolean[],
    boolean[],
    boolean[],
  ];
  if (weekdays[7] === true) weekdays[0] = true;
  weekdays.length = 7;
  // Vixie cron: OR only when neither day field starts with `*`.
  const dayOr = !parts[2]!.startsWith('*') && !parts[4]!.startsWith('*');
  if (!dayOr && !months.some((allowed, month) => allowed && hasDayIn(days, month))) {
    throw new InvalidCronError(expression, 'no allowed month has any of the allowed days');
  }

  const dayMatches = (year: number, month: number, day: number): boolean => {
    const onDate = days[day] === true;
    const onWeekday = weekdays[weekdayOf(year, month, day)] === true;
    return dayOr ? onDate || onWeekday : onDate && onWeekday;
  };
  const field: Fields = { minutes, hours, months, dayMatches };
  return {
    expression,
    next: (after) => searchNext(expression, field, checkDate(after)),
    previous: (atOrBefore) => searchPrevious(expression, field, checkDate(atOrBefore)),
    matches(date) {
      const t = toParts(checkDate(date));
      return (
        minutes[t.minute] === true &&
        hours[t.hour] === true &&
        months[t.month] === true &&
        dayMatches(t.year, t.month, t.day)
      );
    },
  };
}

function hasDayIn(days: ValueSet, month: number): boolean {
  const longest = LONGEST_MONTH[month - 1] ?? 0;
  return days.some((allowed, day) => allowed && day <= longest);
}

function parseField(expression: string, text: string, spec: FieldSpec): boolean[] {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  const fail = (problem: string) =>
    new InvalidCronError(expression, `${spec.label} field "${text}": ${problem}`);
  for (const item of text.split(',')) {
    // eslint-disable-next-line security/detect-unsafe-regex -- reads the schedule written in code; no nested repetition
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (match === null) throw fail(`cannot read "${item}"`);
    const [, range, stepText] = match as unknown as [string, string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1 && step <= spec.max)) throw fail(`step must be 1 to ${spec.max}`);
    let low: number;
    let high: number;
    if (range === '*') {
      [low, high] = [spec.min, spec.label === 'day of week' ? 6 : spec.max];
    } else {
      const [first, last] = range.split('-') as [string, string | undefined];
      low = parseValue(first, spec, fail);
      // `5/15` means from 5 to the end of the field.
      high =
        last !== undefined ? parseValue(last, spec, fail) : stepText !== undefined ? spec.max : low;
      if (low > high) throw fail(`range ${range} runs backwards`);
    }
    for (let value = low; value <= high; value += step) allowed[value] = true;
  }
  return allowed;
}

function parseValue(text: string, spec: FieldSpec, fail: (problem: string) => Error): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return spec.min + named;
  if (!/^\d+$/.test(text)) throw fail(`"${text}" is not a number${spec.names ? ' or name' : ''}`);
  const value = Number(text);
  if (value < spec.min || value > spec.max) {
    throw fail(`${value} is outside ${spec.min}-${spec.max}`);
  }
  return value;
}

interface Fields {
  readonly minutes: ValueSet;
  readonly hours: ValueSet;
  readonly months: ValueSet;
  dayMatches(year: number, month: number, day: number): boolean;
}

interface Parts {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

function checkDate(date: Date): Date {
  if (Number.isNaN(date.getTime())) throw new RangeError('cron search needs a valid date');
  return date;
}

function toParts(date: Date): Parts {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
  };
}

function toDate(t: Parts): Date {
  const date = new Date(Date.UTC(2000, t.month - 1, t.day, t.hour, t.minute));
  // Date.UTC reads years 0-99 as 1900-1999; setting the year afterwards does not.
  date.setUTCFullYear(t.year);
  return date;
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysIn(year: number, month: number): number {
  return month === 2 && !isLeap(year) ? 28 : LONGEST_MONTH[month - 1]!;
}

/** 0 = Sunday (Sakamoto's method, proleptic Gregorian). */
function weekdayOf(year: number, month: number, day: number): number {
  const offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
  const y = month < 3 ? year - 1 : year;
  const days =
    y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + offsets[month - 1]! + day;
  return ((days % 7) + 7) % 7;
}

/** The first allowed value >= from (or <= from, going down), or -1. */
function seek(set: ValueSet, from: number, upward: boolean): number {
  if (upward) {
    for (let value = from; value < set.length; value += 1) if (set[value] === true) return value;
  } else {
    for (let value = from; value >= 0; value -= 1) if (set[value] === true) return value;
  }
  return -1;
}

function searchNext(expression: string, fields: Fields, after: Date): Date {
  // The next whole minute after `after`.
  const t = toParts(new Date(Math.floor(after.getTime() / 60_000) * 60_000 + 60_000));
  const limit = t.year + SEARCH_YEARS;
  const nextMonth = () => {
    t.month += 1;
    if (t.month > 12) [t.month, t.year] = [1, t.year + 1];
    [t.day, t.hour, t.minute] = [1, 0, 0];
  };
  const nextDay = () => {
    t.day += 1;
    [t.hour, t.minute] = [0, 0];
    if (t.day > daysIn(t.year, t.month)) nextMonth();
  };
  while (t.year <= limit) {
    const month = seek(fields.months, t.month, true);
    if (month !== t.month) {
      if (month === -1) [t.month, t.year] = [1, t.year + 1];
      else t.month = month;
      [t.day, t.hour, t.minute] = [1, 0, 0];
      continue;
    }
    if (!fields.dayMatches(t.year, t.month, t.day)) {
      nextDay();
      continue;
    }
    const hour = seek(fields.hours, t.hour, true);
    if (hour === -1) {
      nextDay();
      continue;
    }
    if (hour !== t.hour) [t.hour, t.minute] = [hour, 0];
    const minute = seek(fields.minutes, t.minute, true);
    if (minute !== -1) return toDate({ ...t, minute });
    t.minute = 0;
    t.hour += 1;
    if (t.hour > 23) nextDay();
  }
  throw new InvalidCronError(expression, `no fire time within ${SEARCH_YEARS} years`);
}

function searchPrevious(expression: string, fields: Fields, atOrBefore: Date): Date {
  const t = toParts(new Date(Math.floor(atOrBefore.getTime() / 60_000) * 60_000));
  const limit = t.year - SEARCH_YEARS;
  const endOfDay = () => {
    [t.hour, t.minute] = [23, 59];
  };
  const previousMonth = () => {
    t.month -= 1;
    if (t.month < 1) [t.month, t.year] = [12, t.year - 1];
    t.day = daysIn(t.year, t.month);
    endOfDay();
  };
  const previousDay = () => {
    t.day -= 1;
    endOfDay();
    if (t.day < 1) previousMonth();
  };
  while (t.year >= limit) {
    const month = seek(fields.months, t.month, false);
    if (month !== t.month) {
      if (month === -1) [t.month, t.year] = [12, t.year - 1];
      else t.month = month;
      t.day = daysIn(t.year, t.month);
      endOfDay();
      continue;
    }
    if (!fields.dayMatches(t.year, t.month, t.day)) {
      previousDay();
      continue;
    }
    const hour = seek(fields.hours, t.hour, false);
    if (hour === -1) {
      previousDay();
      continue;
    }
    if (hour !== t.hour) [t.hour, t.minute] = [hour, 59];
    const minute = seek(fields.minutes, t.minute, false);
    if (minute !== -1) return toDate({ ...t, minute });
    t.minute = 59;
    t.hour -= 1;
    if (t.hour < 0) previousDay();
  }
  throw new InvalidCronError(expression, `no fire time within ${SEARCH_YEARS} years`);
}

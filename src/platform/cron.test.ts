import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidCronError, parseCron } from './cron.ts';

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString().replace(':00.000Z', 'Z');

/** The next `count` fire times after `from`. */
function nextFires(expression: string, from: string, count: number): string[] {
  const schedule = parseCron(expression);
  const fires: string[] = [];
  let cursor = at(from);
  for (let index = 0; index < count; index += 1) {
    cursor = schedule.next(cursor);
    fires.push(iso(cursor));
  }
  return fires;
}

describe('parseCron: fields', () => {
  test('every minute, lists, ranges and steps', () => {
    assert.deepEqual(nextFires('* * * * *', '2024-05-01T10:00:30Z', 2), [
      '2024-05-01T10:01Z',
      '2024-05-01T10:02Z',
    ]);
    assert.deepEqual(nextFires('5,20,35 * * * *', '2024-05-01T10:20:00Z', 3), [
      '2024-05-01T10:35Z',
      '2024-05-01T11:05Z',
      '2024-05-01T11:20Z',
    ]);
    assert.deepEqual(nextFires('0 9-11 * * *', '2024-05-01T10:00:00Z', 3), [
      '2024-05-01T11:00Z',
      '2024-05-02T09:00Z',
      '2024-05-02T10:00Z',
    ]);
    assert.deepEqual(nextFires('*/20 * * * *', '2024-05-01T10:59:00Z', 3), [
      '2024-05-01T11:00Z',
      '2024-05-01T11:20Z',
      '2024-05-01T11:40Z',
    ]);
    assert.deepEqual(nextFires('10-30/10 8-18/5 * * *', '2024-05-01T00:00:00Z', 7), [
      '2024-05-01T08:10Z',
      '2024-05-01T08:20Z',
      '2024-05-01T08:30Z',
      '2024-05-01T13:10Z',
      '2024-05-01T13:20Z',
      '2024-05-01T13:30Z',
      '2024-05-01T18:10Z',
    ]);
  });

  test('a value with a step runs to the end of the field', () => {
    assert.deepEqual(nextFires('50/4 * * * *', '2024-05-01T10:00:00Z', 4), [
      '2024-05-01T10:50Z',
      '2024-05-01T10:54Z',
      '2024-05-01T10:58Z',
      '2024-05-01T11:50Z',
    ]);
  });

  test('month and weekday names, in any case, also in ranges', () => {
    const byName = parseCron('0 12 * JAN,jul MON-Fri');
    const byNumber = parseCron('0 12 * 1,7 1-5');
    let cursor = at('2024-01-01T00:00:00Z');
    for (let index = 0; index < 60; index += 1) {
      const next = byName.next(cursor);
      assert.equal(next.getTime(), byNumber.next(cursor).getTime());
      assert.ok([0, 6].includes(next.getUTCMonth()) && ![0, 6].includes(next.getUTCDay()));
      cursor = next;
    }
  });

  test('0 and 7 both mean Sunday', () => {
    for (const expression of ['0 0 * * 0', '0 0 * * 7', '0 0 * * sun', '0 0 * * 6-7']) {
      const fires = nextFires(expression, '2024-05-01T00:00:00Z', 1);
      assert.ok(fires.includes('2024-05-05T00:00Z') || fires.includes('2024-05-04T00:00Z'));
    }
    assert.deepEqual(nextFires('0 0 * * 5-7', '2024-05-02T00:00:00Z', 4), [
      '2024-05-03T00:00Z',
      '2024-05-04T00:00Z',
      '2024-05-05T00:00Z',
      '2024-05-10T00:00Z',
    ]);
  });

  test('macros', () => {
    const from = '2024-05-15T10:30:00Z';
    assert.deepEqual(nextFires('@hourly', from, 1), ['2024-05-15T11:00Z']);
    assert.deepEqual(nextFires('@daily', from, 1), ['2024-05-16T00:00Z']);
    assert.deepEqual(nextFires('@midnight', from, 1), ['2024-05-16T00:00Z']);
    assert.deepEqual(nextFires('@weekly', from, 1), ['2024-05-19T00:00Z']);
    assert.deepEqual(nextFires('@monthly', from, 1), ['2024-06-01T00:00Z']);
    assert.deepEqual(nextFires('@yearly', from, 1), ['2025-01-01T00:00Z']);
    assert.deepEqual(nextFires('@ANNUALLY', from, 1), ['2025-01-01T00:00Z']);
    assert.deepEqual(nextFires('  0 0 * * *  ', from, 1), ['2024-05-16T00:00Z']);
  });
});

describe('parseCron: day of month and day of week', () => {
  test('both restricted: a day matches when either does', () => {
    // The 1st and 15th of June 2024, and every Monday.
    assert.deepEqual(nextFires('0 0 1,15 * mon', '2024-05-31T00:00:00Z', 5), [
      '2024-06-01T00:00Z',
      '2024-06-03T00:00Z',
      '2024-06-10T00:00Z',
      '2024-06-15T00:00Z',
      '2024-06-17T00:00Z',
    ]);
  });

  test('one of them starting with * means both must match (Vixie cron)', () => {
    // Odd days that are Fridays.
    assert.deepEqual(nextFires('0 0 */2 * fri', '2024-05-01T00:00:00Z', 3), [
      '2024-05-03T00:00Z',
      '2024-05-17T00:00Z',
      '2024-05-31T00:00Z',
    ]);
    // Only the weekday restricted: every Friday.
    assert.deepEqual(nextFires('0 0 * * fri', '2024-05-01T00:00:00Z', 2), [
      '2024-05-03T00:00Z',
      '2024-05-10T00:00Z',
    ]);
    // A 13th that is a Sunday (*/7 is Sunday alone).
    assert.deepEqual(nextFires('0 0 13 * */7', '2024-01-01T00:00:00Z', 1), ['2024-10-13T00:00Z']);
    assert.deepEqual(nextFires('0 0 13 * */1', '2024-01-01T00:00:00Z', 1), ['2024-01-13T00:00Z']);
  });

  test('day 31 skips the months without one', () => {
    assert.deepEqual(nextFires('0 0 31 * *', '2024-01-31T00:00:00Z', 4), [
      '2024-03-31T00:00Z',
      '2024-05-31T00:00Z',
      '2024-07-31T00:00Z',
      '2024-08-31T00:00Z',
    ]);
  });

  test('February 29th: leap years only, skipping 2100', () => {
    assert.deepEqual(nextFires('0 0 29 2 *', '2096-03-01T00:00:00Z', 2), [
      '2104-02-29T00:00Z',
      '2108-02-29T00:00Z',
    ]);
    assert.equal(
      iso(parseCron('0 0 29 2 *').previous(at('2104-02-28T23:59:00Z'))),
      '2096-02-29T00:00Z',
    );
  });

  test('February 29th on a Sunday: decades apart, found quickly', () => {
    const schedule = parseCron('30 6 29 2 */7');
    const started = performance.now();
    assert.equal(iso(schedule.next(at('2004-03-01T00:00:00Z'))), '2032-02-29T06:30Z');
    assert.equal(iso(schedule.previous(at('2032-02-29T06:29:00Z'))), '2004-02-29T06:30Z');
    assert.ok(performance.now() - started < 50, 'the search stepped too finely');
  });
});

describe('CronSchedule: next and previous', () => {
  const schedule = parseCron('0 */6 * * *');

  test('next is strictly after; seconds and milliseconds are ignored', () => {
    assert.equal(iso(schedule.next(at('2024-05-01T06:00:00Z'))), '2024-05-01T12:00Z');
    assert.equal(iso(schedule.next(at('2024-05-01T05:59:59.999Z'))), '2024-05-01T06:00Z');
    assert.equal(iso(schedule.next(at('2024-05-01T06:00:00.001Z'))), '2024-05-01T12:00Z');
  });

  test('previous is at or before', () => {
    assert.equal(iso(schedule.previous(at('2024-05-01T06:00:00Z'))), '2024-05-01T06:00Z');
    assert.equal(iso(schedule.previous(at('2024-05-01T06:00:59.999Z'))), '2024-05-01T06:00Z');
    assert.equal(iso(schedule.previous(at('2024-05-01T05:59:59Z'))), '2024-05-01T00:00Z');
    assert.equal(iso(schedule.previous(at('2024-05-01T00:00:00Z'))), '2024-05-01T00:00Z');
    assert.equal(iso(schedule.previous(at('2024-04-30T23:59:00Z'))), '2024-04-30T18:00Z');
  });

  test('crosses month and year ends both ways', () => {
    assert.deepEqual(nextFires('59 23 31 12 *', '2024-12-31T23:59:00Z', 1), ['2025-12-31T23:59Z']);
    assert.equal(
      iso(parseCron('0 0 1 1 *').previous(at('2024-12-31T23:59:00Z'))),
      '2024-01-01T00:00Z',
    );
    assert.equal(
      iso(parseCron('0 12 * 3 *').previous(at('2024-02-10T00:00:00Z'))),
      '2023-03-31T12:00Z',
    );
    assert.equal(
      iso(parseCron('0 12 * 11 *').next(at('2024-12-10T00:00:00Z'))),
      '2025-11-01T12:00Z',
    );
  });

  test('is UTC whatever the process time zone', () => {
    // 2024-03-31 is a DST change in Europe: irrelevant here.
    assert.deepEqual(nextFires('30 2 * * *', '2024-03-30T03:00:00Z', 2), [
      '2024-03-31T02:30Z',
      '2024-04-01T02:30Z',
    ]);
  });

  test('matches fire minutes only', () => {
    const weekdays = parseCron('15 9 * * mon-fri');
    assert.equal(weekdays.matches(at('2024-05-03T09:15:42Z')), true);
    assert.equal(weekdays.matches(at('2024-05-04T09:15:00Z')), false);
    assert.equal(weekdays.matches(at('2024-05-03T09:16:00Z')), false);
  });

  test('refuses an invalid date', () => {
    assert.throws(() => schedule.next(new Date(Number.NaN)), RangeError);
    assert.throws(() => schedule.previous(new Date(Number.NaN)), RangeError);
  });

  test('agrees with a minute-by-minute scan on random expressions', () => {
    let seed = 42;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const field = (min: number, max: number): string => {
      switch (random(5)) {
        case 0:
          return '*';
        case 1:
          return `*/${1 + random(max)}`;
        case 2: {
          const low = min + random(max - min + 1);
          return `${low}-${low + random(max - low + 1)}`;
        }
        case 3:
          return `${min + random(max - min + 1)},${min + random(max - min + 1)}`;
        default:
          return `${min + random(max - min + 1)}/${1 + random(max)}`;
      }
    };
    const windowMinutes = 4 * 24 * 60;
    for (let round = 0; round < 150; round += 1) {
      const expression = [field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)];
      // Keep months open often enough that fires land in the window.
      if (random(3) > 0) expression[3] = '*';
      const schedule = parseCron(expression.join(' '));
      const start = Date.UTC(2024, random(12), 1 + random(28), random(24), random(60));
      const fires: number[] = [];
      for (let minute = 0; minute <= windowMinutes; minute += 1) {
        const time = start + minute * 60_000;
        if (schedule.matches(new Date(time))) fires.push(time);
      }
      const end = start + windowMinutes * 60_000;
      for (let probe = 0; probe < 20; probe += 1) {
        const t = start + random(windowMinutes) * 60_000 + random(60_000);
        const expectedNext = fires.find((fire) => fire > t);
        const next = schedule.next(new Date(t)).getTime();
        if (expectedNext !== undefined) assert.equal(next, expectedNext, expression.join(' '));
        else assert.ok(next > end, expression.join(' '));
        const expectedPrevious = fires.findLast((fire) => fire <= t);
        const previous = schedule.previous(new Date(t)).getTime();
        if (expectedPrevious !== undefined) assert.equal(previous, expectedPrevious);
        else assert.ok(previous < start, expression.join(' '));
      }
    }
  });
});

describe('parseCron: invalid expressions', () => {
  const refused: [string, RegExp][] = [
    ['', /expected 5 fields/],
    ['* * * *', /expected 5 fields .*, got 4$/],
    ['0 * * * * *', /expected 5 fields .*, got 6$/],
    ['60 * * * *', /minute field "60": 60 is outside 0-59/],
    ['* 24 * * *', /hour field/],
    ['* * 0 * *', /day of month field "0"/],
    ['* * 32 * *', /outside 1-31/],
    ['* * * 13 *', /month field/],
    ['* * * * 8', /day of week field/],
    ['5-1 * * * *', /runs backwards/],
    ['*/0 * * * *', /step must be/],
    ['*/x * * * *', /cannot read/],
    ['1,,2 * * * *', /cannot read ""/],
    ['* * * foo *', /"foo" is not a number or name/],
    ['* * * * mon-foo', /"foo"/],
    ['jan * * * *', /"jan" is not a number$/],
    ['* * ? * *', /cannot read/],
    ['* * L * *', /is not a number/],
    ['* * * * 1#2', /cannot read/],
    ['@reboot', /unknown macro/],
    ['@every 5m', /unknown macro/],
  ];
  for (const [expression, message] of refused) {
    test(JSON.stringify(expression), () => {
      assert.throws(
        () => parseCron(expression),
        (error) => {
          assert.ok(error instanceof InvalidCronError);
          assert.equal(error.expression, expression);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  test('refuses days that never come instead of searching forever', () => {
    for (const expression of ['0 0 30 2 *', '0 0 31 2,4,6,9,11 *', '0 0 30,31 feb */1']) {
      assert.throws(() => parseCron(expression), /no allowed month has any of the allowed days/);
    }
    // With the weekday restricted too, the OR rule makes them fire on that weekday.
    assert.deepEqual(nextFires('0 0 30 2 mon', '2024-01-31T00:00:00Z', 1), ['2024-02-05T00:00Z']);
    assert.deepEqual(nextFires('0 0 29 2 *', '2023-01-01T00:00:00Z', 1), ['2024-02-29T00:00Z']);
  });
});

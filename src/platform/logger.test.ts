import assert from 'node:assert/strict';
import { describe, mock, test } from 'node:test';
import { createLogger, isoTimestamp, serializeError } from './logger.ts';
import type { CreateLoggerOptions } from './logger.ts';

type LogLine = Record<string, unknown>;

/** Reads a dotted path out of a parsed log line. */
function at(line: LogLine | undefined, path: string): unknown {
  let current: unknown = line;
  for (const key of path.split('.')) {
    current =
      typeof current === 'object' && current !== null ? (current as LogLine)[key] : undefined;
  }
  return current;
}

/** A logger writing into an array of parsed JSON lines. */
function capture(options: Partial<CreateLoggerOptions> = {}) {
  const lines: LogLine[] = [];
  const destination = {
    write(chunk: string) {
      lines.push(JSON.parse(chunk) as LogLine);
    },
  };
  const logger = createLogger({ level: 'info', destination, ...options });
  return { logger, lines };
}

describe('createLogger', () => {
  test("a mixin's fields join each line's own; an empty mixin leaves the line as it is", () => {
    let extra: Record<string, string> = { trace_id: 't-1' };
    const { logger, lines } = capture({ mixin: () => extra });
    logger.info({ orderId: 'o-1' }, 'traced');
    extra = Object.freeze({});
    logger.info({ orderId: 'o-2' }, 'untraced');
    assert.equal(at(lines[0], 'trace_id'), 't-1');
    assert.equal(at(lines[0], 'orderId'), 'o-1');
    assert.equal(at(lines[1], 'trace_id'), undefined);
    assert.equal(at(lines[1], 'orderId'), 'o-2');
  });

  test('writes one JSON object per line with ISO time, level name and service', () => {
    const { logger, lines } = capture();
    logger.info({ orderId: 'o-1' }, 'order_placed');
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(at(line, 'level'), 'info');
    assert.equal(at(line, 'msg'), 'order_placed');
    assert.equal(at(line, 'service'), 'throughline');
    assert.equal(at(line, 'orderId'), 'o-1');
    assert.equal(at(line, 'pid'), process.pid);
    assert.match(String(at(line, 'time')), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("each line has its own millisecond's time, as pino's ISO time would give it", () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-03-01T12:00:00.120Z') });
    try {
      const { logger, lines } = capture();
      logger.info('first');
      logger.info('same millisecond');
      mock.timers.tick(1);
      logger.info('next millisecond');
      mock.timers.tick(60_000);
      logger.info('a minute later');
      assert.deepEqual(
        lines.map((line) => at(line, 'time')),
        [
          '2026-03-01T12:00:00.120Z',
          '2026-03-01T12:00:00.120Z',
          '2026-03-01T12:00:00.121Z',
          '2026-03-01T12:01:00.121Z',
        ],
      );
      assert.equal(isoTimestamp(), `,"time":"2026-03-01T12:01:00.121Z"`);
    } finally {
      mock.timers.reset();
    }
  });

  test('honours the level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    assert.deepEqual(
      lines.map((line) => line['msg']),
      ['shown'],
    );
  });

  test('merges extra base fields', () => {
    const { logger, lines } = capture({ base: { service: 'worker', region: 'eu' } });
    logger.info('hello');
    assert.equal(at(lines[0], 'service'), 'worker');
    assert.equal(at(lines[0], 'region'), 'eu');
  });

  test('redacts credential headers on requests and responses', () => {
    const { logger, lines } = capture();
    logger.info({
      req: {
        method: 'GET',
        headers: {
          authorization: 'Bearer abc',
          cookie: 'sid=1',
          'x-api-key': 'k-1',
          accept: 'application/json',
        },
      },
      res: { headers: { 'set-cookie': ['sid=2'], 'content-type': 'text/plain' } },
    });
    assert.deepEqual(at(lines[0], 'req.headers'), {
      authorization: '[redacted]',
      cookie: '[redacted]',
      'x-api-key': '[redacted]',
      accept: 'application/json',
    });
    assert.deepEqual(at(lines[0], 'res.headers'), {
      'set-cookie': '[redacted]',
      'content-type': 'text/plain',
    });
    assert.equal(at(lines[0], 'req.method'), 'GET');
  });

  test('redacts sensitive fields at the top level and one and two levels deep', () => {
    const { logger, lines } = capture();
    logger.info({
      password: 'p0',
      token: 't0',
      body: { newPassword: 'p1', currentPassword: 'p1b', email: 'a@example.com' },
      auth: { session: { refreshToken: 'r2', accessToken: 'a2', userId: 'u-1' } },
      client: { secret: 's1', apiKey: 'k1' },
    });
    const [line] = lines;
    const serialized = JSON.stringify(line);
    for (const value of ['p0', 't0', 'p1', 'p1b', 'r2', 'a2', 's1', 'k1']) {
      assert.equal(serialized.includes(`"${value}"`), false, `${value} leaked`);
    }
    assert.equal(at(line, 'password'), '[redacted]');
    assert.equal(at(line, 'body.newPassword'), '[redacted]');
    assert.equal(at(line, 'auth.session.refreshToken'), '[redacted]');
    assert.equal(at(line, 'body.email'), 'a@example.com');
    assert.equal(at(line, 'auth.session.userId'), 'u-1');
  });

  test('an error beside a credential keeps its message and stack', () => {
    const { logger, lines } = capture();
    logger.error({ err: new Error('boom'), token: 't-1' }, 'failed');
    assert.equal(at(lines[0], 'token'), '[redacted]');
    assert.equal(at(lines[0], 'err.message'), 'boom');
    assert.match(String(at(lines[0], 'err.stack')), /boom/);
  });

  test('child loggers keep the redaction', () => {
    const { logger, lines } = capture();
    logger.child({ requestId: 'r-1' }).info({ user: { password: 'x' } }, 'login');
    assert.equal(at(lines[0], 'requestId'), 'r-1');
    assert.equal(at(lines[0], 'user.password'), '[redacted]');
  });

  test('serializes errors with code, stack and the cause chain', () => {
    const { logger, lines } = capture();
    const root = Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('cannot load order', { cause: root });
    logger.error({ err: wrapped }, 'request failed');
    const [line] = lines;
    assert.equal(at(line, 'err.type'), 'Error');
    assert.equal(at(line, 'err.message'), 'cannot load order');
    assert.match(String(at(line, 'err.stack')), /cannot load order/);
    assert.equal(at(line, 'err.cause.message'), 'connection refused');
    assert.equal(at(line, 'err.cause.code'), 'ECONNREFUSED');
    assert.match(String(at(line, 'err.cause.stack')), /connection refused/);
  });

  test('logging an error directly uses the same serializer', () => {
    const { logger, lines } = capture();
    logger.error(Object.assign(new TypeError('bad'), { code: 'E_BAD' }));
    assert.equal(at(lines[0], 'err.type'), 'TypeError');
    assert.equal(at(lines[0], 'err.code'), 'E_BAD');
    assert.equal(at(lines[0], 'msg'), 'bad');
  });
});

describe('serializeError', () => {
  test('survives cause cycles', () => {
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    first.cause = second;
    const serialized = serializeError(first);
    assert.equal(serialized.cause?.message, 'second');
    assert.equal(serialized.cause?.cause?.type, 'Circular');
  });

  test('describes non-Error values and aggregate members', () => {
    assert.deepEqual(serializeError('boom'), { type: 'string', message: 'boom' });
    const aggregate = new AggregateError([new Error('a'), new RangeError('b')], 'several');
    const serialized = serializeError(aggregate);
    assert.deepEqual(
      serialized.errors?.map((member) => [member.type, member.message]),
      [
        ['Error', 'a'],
        ['RangeError', 'b'],
      ],
    );
  });
});

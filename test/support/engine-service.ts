// The service on one engine for a whole `describe`: opened before its tests,
// closed after them, with the two readers most read-only API suites need —
// a JSON body that must come with a given status, and a problem's code.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Engine, EngineDatabase } from './engines.ts';
import { startService, type ServiceOptions, type StartedService } from './start.ts';

export interface EngineService {
  /** Set once the suite's `before` has run. */
  readonly database: EngineDatabase;
  readonly service: StartedService;
  /** GET `path`; asserts the status (200 by default) and returns the parsed body. */
  json<T>(path: string, status?: number): Promise<T>;
  /** GET `path`; asserts the status and a problem+json answer, and returns the problem. */
  problem<T extends { code: string } = { code: string }>(path: string, status: number): Promise<T>;
}

/** Registers the `before`/`after` hooks of the calling `describe`. */
export function serviceOnEngine(
  engine: Engine,
  options: Omit<ServiceOptions, 'sql'> = {},
): EngineService {
  let database: EngineDatabase | undefined;
  let service: StartedService | undefined;
  before(async () => {
    database = await engine.open();
    service = await startService({ ...options, sql: database.sql });
  });
  after(async () => {
    await service?.close();
    await database?.close();
  });
  const started = (): StartedService => {
    assert.ok(service, 'the service is started by the suite’s before hook');
    return service;
  };
  const read = async (path: string, status: number): Promise<Response> => {
    const res = await fetch(`${started().url}${path}`);
    assert.equal(res.status, status, `${path}: ${await res.clone().text()}`);
    return res;
  };
  return {
    get database() {
      assert.ok(database, 'the database is opened by the suite’s before hook');
      return database;
    },
    get service() {
      return started();
    },
    async json<T>(path: string, status = 200) {
      return (await (await read(path, status)).json()) as T;
    },
    async problem<T extends { code: string }>(path: string, status: number) {
      const res = await read(path, status);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      return (await res.json()) as T;
    },
  };
}

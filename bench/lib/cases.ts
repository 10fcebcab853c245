// The benchmark cases: one request each, identical for every contender.
// `expect` is checked once against every server before it is measured, so a
// contender answering 404 fast can never win.

import { ROUTE_200_PATH } from './route-table.ts';

export type CaseId = 'plaintext' | 'json' | 'route-200' | 'post-validated';

export interface BenchCase {
  readonly id: CaseId;
  readonly description: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  readonly expect: { readonly status: number; readonly body: string; readonly contentType: string };
}

/** ~6 fields, nested object and array: a typical "create" request. */
export const USER_PAYLOAD = Object.freeze({
  email: 'ada.lovelace@example.com',
  name: 'Ada Lovelace',
  age: 36,
  newsletter: true,
  tags: ['math', 'engines', 'poetry'],
  address: { street: '12 St James Square', city: 'London', zip: 'SW1Y 4JH', country: 'GB' },
});

const USER_BODY = JSON.stringify(USER_PAYLOAD);

export const CASES: readonly BenchCase[] = [
  {
    id: 'plaintext',
    description: 'GET /plaintext → "Hello, World!" (text/plain)',
    method: 'GET',
    path: '/plaintext',
    headers: {},
    body: undefined,
    expect: { status: 200, body: 'Hello, World!', contentType: 'text/plain' },
  },
  {
    id: 'json',
    description: 'GET /json → {"message":"Hello, World!"}',
    method: 'GET',
    path: '/json',
    headers: {},
    body: undefined,
    expect: {
      status: 200,
      body: JSON.stringify({ message: 'Hello, World!' }),
      contentType: 'application/json',
    },
  },
  {
    id: 'route-200',
    description: `GET ${ROUTE_200_PATH} among 200 routes → JSON of the two params`,
    method: 'GET',
    path: ROUTE_200_PATH,
    headers: {},
    body: undefined,
    expect: {
      status: 200,
      body: JSON.stringify({ id: '8421', postId: '1977' }),
      contentType: 'application/json',
    },
  },
  {
    id: 'post-validated',
    description: 'POST /users, 6-field JSON body validated by a schema → 201 echo',
    method: 'POST',
    path: '/users',
    headers: { 'content-type': 'application/json' },
    body: USER_BODY,
    expect: { status: 201, body: USER_BODY, contentType: 'application/json' },
  },
];

export function findCase(id: string): BenchCase | undefined {
  return CASES.find((c) => c.id === id);
}

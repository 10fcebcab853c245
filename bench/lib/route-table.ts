// The route table every contender registers, generated deterministically so
// that all servers carry exactly the same 200 routes in the same order.
//
// 20 resources × 10 shapes: static, static + param, param, param + static,
// nested params (two and three levels) and, for every fourth resource, a
// trailing wildcard. The `route-200` case requests one nested route deep in
// the table (`/users/:id/posts/:postId`), so a router that scans linearly
// pays for it while a tree or map-based one does not.
//
// Patterns are written in Throughline's syntax (`:name`, `*name`); Fastify
// spells an unnamed wildcard `*`, see `fastifyPattern`.

const RESOURCES = [
  'users',
  'posts',
  'orders',
  'products',
  'carts',
  'invoices',
  'payments',
  'shipments',
  'reviews',
  'coupons',
  'vendors',
  'warehouses',
  'refunds',
  'subscriptions',
  'plans',
  'teams',
  'projects',
  'tasks',
  'tickets',
  'webhooks',
] as const;

/** Every resource name ends in a plain `s`, so dropping it gives a usable singular. */
function singular(plural: string): string {
  return plural.slice(0, -1);
}

function shapesFor(index: number): string[] {
  const resource = RESOURCES[index]!;
  const sub = RESOURCES[(index + 1) % RESOURCES.length]!;
  const subId = `${singular(sub)}Id`;
  const base = `/${resource}`;
  return [
    base,
    `${base}/search`,
    `${base}/:id`,
    `${base}/:id/edit`,
    `${base}/:id/${sub}`,
    `${base}/:id/${sub}/:${subId}`,
    `${base}/:id/${sub}/:${subId}/history`,
    `${base}/by-tag/:tag`,
    `${base}/:id/${sub}/:${subId}/notes/:noteId`,
    index % 4 === 0 ? `${base}/:id/files/*path` : `${base}/stats/daily`,
  ];
}

/** The 200 GET patterns, in registration order. */
export const GENERATED_ROUTES: readonly string[] = Object.freeze(
  RESOURCES.flatMap((_, index) => shapesFor(index)),
);

/** The pattern the `route-200` case hits, and the concrete path it requests. */
export const ROUTE_200_PATTERN = '/users/:id/posts/:postId';
export const ROUTE_200_PATH = '/users/8421/posts/1977';

/** Fastify (find-my-way) writes a trailing wildcard as a bare `*`. */
export function fastifyPattern(pattern: string): string {
  return pattern.replace(/\/\*[A-Za-z_][A-Za-z0-9_]*$/, '/*');
}

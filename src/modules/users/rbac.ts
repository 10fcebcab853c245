// Role-based access control: each role grants a set of permissions; routes
// declare the permissions they need (next to the route, see routes.ts files)
// and the HTTP core's auth gate checks them. Ownership ("this order is yours")
// is not a permission: services check it against the identity (IDOR defence).

export const ROLES = ['admin', 'editor', 'customer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'profile:read',
  'profile:write',
  'orders:read:own',
  'orders:write:own',
  'orders:read:any',
  'orders:write:any',
  'catalog:write',
  // Spend from and read one's own wallet; credit any wallet (admin funding).
  'wallet:use',
  'wallets:credit',
  'users:read',
  'users:delete',
  'users:roles',
  'audit:read',
  // Operational views: cache statistics, job counts, dead letters.
  'ops:read',
  // Operational actions: replaying dead letters.
  'ops:write',
  // The shop's webhook endpoints and their delivery log. Admin only: an
  // endpoint receives every order's events, whoever placed the order.
  'webhooks:manage',
  // The mail suppression list and the disk outbox (admin only).
  'mail:manage',
  // Managing one's own credentials (API keys, MFA, password). Every role has
  // it, but no API key can carry it: a leaked key must not mint more keys or
  // switch off the owner's second factor.
  'credentials:manage',
  // Feature flags: create, change, kill, delete (admin only).
  'flags:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const CUSTOMER: readonly Permission[] = [
  'credentials:manage',
  'profile:read',
  'profile:write',
  'orders:read:own',
  'orders:write:own',
  'wallet:use',
];
const EDITOR: readonly Permission[] = [...CUSTOMER, 'catalog:write'];
const ADMIN: readonly Permission[] = PERMISSIONS;

const GRANTS: Readonly<Record<Role, ReadonlySet<string>>> = {
  customer: new Set(CUSTOMER),
  editor: new Set(EDITOR),
  admin: new Set(ADMIN),
};

export function permissionsOf(role: Role): ReadonlySet<string> {
  return GRANTS[role];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Permissions an API key may be scoped to (always also limited to its owner's role). */
export const API_KEY_SCOPES: readonly Permission[] = PERMISSIONS.filter(
  (permission) => permission !== 'credentials:manage' && permission !== 'users:roles',
);

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

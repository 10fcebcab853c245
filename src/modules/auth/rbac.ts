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
  'users:read',
  'users:delete',
  'users:roles',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const CUSTOMER: readonly Permission[] = [
  'profile:read',
  'profile:write',
  'orders:read:own',
  'orders:write:own',
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

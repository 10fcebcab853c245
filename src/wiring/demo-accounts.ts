// The demo data set's sign-in accounts, in a file of their own so that the
// landing page can name them without loading the seed (and argon2 with it).

export const DEMO_ACCOUNTS = Object.freeze({
  admin: { email: 'admin@throughline.test', password: 'throughline-admin-demo' },
  editor: { email: 'editor@throughline.test', password: 'throughline-editor-demo' },
  customer: { email: 'customer1@throughline.test', password: 'throughline-customer-demo' },
});

export interface DemoAccount {
  readonly role: string;
  readonly email: string;
  readonly password: string;
}

/**
 * The accounts `/` lists: every one outside production, none in production,
 * where a published password would be an open door even if no demo data
 * were ever loaded there.
 */
export function demoAccountsToList(nodeEnv: string): readonly DemoAccount[] {
  if (nodeEnv === 'production') return [];
  return Object.entries(DEMO_ACCOUNTS).map(([role, account]) => ({ role, ...account }));
}

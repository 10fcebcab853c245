// Every console page, in the navigation's order.

import { apiKeysPage } from './page-api-keys.ts';
import { auditPage } from './page-audit.ts';
import { catalogPage } from './page-catalog.ts';
import { jobsPage } from './page-jobs.ts';
import { mailPage } from './page-mail.ts';
import { ordersPage } from './page-orders.ts';
import { trafficPage } from './page-traffic.ts';
import { usersPage } from './page-users.ts';
import { webhooksPage } from './page-webhooks.ts';
import type { Page } from './page.ts';

export const PAGES: readonly Page[] = [
  trafficPage,
  jobsPage,
  ordersPage,
  catalogPage,
  webhooksPage,
  mailPage,
  auditPage,
  usersPage,
  apiKeysPage,
];

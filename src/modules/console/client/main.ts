// The console's entry: find the session (or show sign-in), draw the
// navigation the user's permissions allow, and draw the page the URL
// fragment names. Moving between pages moves focus to the new page's
// heading, so keyboard and screen-reader users land where the content is.

import { ApiError, whenSignedOut } from './api.ts';
import { alertBox, announce, h, replace } from './dom.ts';
import type { Page, PageContext } from './page.ts';
import { PAGES } from './pages.ts';
import { showSignIn } from './page-sign-in.ts';
import { currentSession, signOut, type Session } from './session.ts';

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const account = document.getElementById('account')!;

let session: Session | undefined;
let leaving: AbortController | undefined;

const allowed = (page: Page) => session?.permissions.has(page.permission) === true;

function pathOfHash(): string {
  return location.hash.replace(/^#\/?/, '').split('?')[0] ?? '';
}

function drawChrome(current: Session): void {
  const links = PAGES.filter(allowed).map((page) =>
    h('li', {}, h('a', { href: `#/${page.path}`, 'data-page': page.path }, page.title)),
  );
  replace(nav, h('ul', {}, links));
  const signOutButton = h('button', { type: 'button', class: 'link-button' }, 'Sign out');
  signOutButton.addEventListener('click', () => {
    signOut()
      .catch(() => undefined)
      .finally(() => {
        location.hash = '';
        void start();
      });
  });
  replace(
    account,
    h('span', {}, `${current.user.email} (${current.user.role})`),
    ' ',
    signOutButton,
  );
}

function markCurrent(path: string): void {
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.page === path) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function route(): Promise<void> {
  if (session === undefined) return;
  leaving?.abort();
  const controller = new AbortController();
  leaving = controller;
  const path = pathOfHash();
  const page = PAGES.find((candidate) => candidate.path === path);
  const first = PAGES.find(allowed);
  if (page === undefined) {
    if (first !== undefined) location.replace(`#/${first.path}`);
    else
      replace(main, h('h1', {}, 'Nothing to show'), h('p', {}, 'Your role has no console pages.'));
    return;
  }
  markCurrent(page.path);
  document.title = `${page.title} — Throughline console`;
  const heading = h('h1', { tabindex: -1 }, page.title);
  if (!allowed(page)) {
    replace(
      main,
      heading,
      alertBox(`Your role (${session.user.role}) cannot open the ${page.title} page.`),
    );
    heading.focus();
    return;
  }
  const view = h('div', { class: 'view', 'aria-busy': 'true' }, h('p', {}, 'Loading…'));
  replace(main, heading, view);
  heading.focus();
  const current = session;
  const context: PageContext = {
    session: current,
    signal: controller.signal,
    can: (permission) => current.permissions.has(permission),
    refresh: () => {
      void route();
    },
  };
  try {
    await page.render(view, context);
  } catch (error) {
    if (controller.signal.aborted) return;
    const text =
      error instanceof ApiError && error.status === 403
        ? 'The API refused: your role lacks the permission for this page.'
        : error instanceof Error
          ? error.message
          : String(error);
    replace(view, alertBox(text));
  } finally {
    view.removeAttribute('aria-busy');
  }
}

async function start(): Promise<void> {
  leaving?.abort();
  replace(nav);
  replace(account);
  session = await currentSession();
  if (session === undefined) {
    document.title = 'Sign in — Throughline console';
    await showSignIn(main);
    session = await currentSession();
    if (session === undefined) return start();
    announce(`Signed in as ${session.user.email}`);
  }
  drawChrome(session);
  await route();
}

whenSignedOut(() => {
  if (session === undefined) return;
  session = undefined;
  void start();
});
// The skip link moves focus without touching the fragment, which names the page.
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  (main.querySelector('h1') ?? main).focus();
});
window.addEventListener('hashchange', () => {
  // A new page: the last page's message no longer applies.
  announce('');
  void route();
});
start().catch((error: unknown) => {
  replace(main, h('h1', {}, 'Console'), alertBox(`The console could not start: ${String(error)}`));
});

// Building the console's views from plain DOM calls. Text always goes in as
// text nodes (never as HTML), so whatever the API returns — a product title,
// an e-mail subject, a job's error — cannot become markup on the page.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  readonly [attribute: string]: string | number | boolean | null | undefined | EventListener;
}

/** An element with attributes (`onclick` style keys become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | readonly Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: readonly (Child | readonly Child[])[]): void {
  for (const child of children) {
    if (Array.isArray(child)) append(parent, child as readonly Child[]);
    else if (child instanceof Node) parent.appendChild(child);
    else if (typeof child === 'string' || typeof child === 'number') {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Element, ...children: (Child | readonly Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => Child | readonly Child[];
  /** Right-aligned figures. */
  readonly numeric?: boolean;
}

/**
 * A table with a caption, inside a region that scrolls sideways on a narrow
 * screen; the region is focusable so it can be scrolled from the keyboard.
 */
export function dataTable<T>(
  caption: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
  empty = 'Nothing to show.',
): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, `${caption}: ${empty}`);
  const cls = (column: Column<T>) => (column.numeric === true ? 'numeric' : undefined);
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((column) => h('th', { scope: 'col', class: cls(column) }, column.header)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((row) =>
          h(
            'tr',
            {},
            columns.map((column) => h('td', { class: cls(column) }, column.cell(row))),
          ),
        ),
      ),
    ),
  );
}

/** Tells assistive technology (and the sighted user, in the status bar) what just happened. */
export function announce(message: string): void {
  const status = document.getElementById('status');
  if (status !== null) status.textContent = message;
}

/** A message in the page that screen readers read out at once. */
export function alertBox(message: string): HTMLElement {
  return h('p', { class: 'alert', role: 'alert' }, message);
}

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function formatMoney(money: { amount: number; currency: string }): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: money.currency }).format(
    money.amount / 100,
  );
}

/** A button that runs `action`, disabled while it runs so a double click acts once. */
export function actionButton(
  label: string,
  action: () => Promise<void>,
  props: Props = {},
): HTMLButtonElement {
  const button = h('button', { type: 'button', ...props }, label);
  button.addEventListener('click', () => {
    button.disabled = true;
    action()
      .catch((error: unknown) => {
        announce(error instanceof Error ? error.message : String(error));
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  return button;
}

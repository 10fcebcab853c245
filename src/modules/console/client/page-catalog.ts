// Catalog: the products, searched by text (the API's `q`, answered by the
// search engine) and paged, each with its thumbnail and, for
// `catalog:write`, an image upload (product-image.ts).

import { request } from './api.ts';
import { dataTable, formatMoney, h, replace } from './dom.ts';
import type { Page } from './page.ts';
import { productImageCell } from './product-image.ts';

interface Product {
  readonly id: string;
  readonly sku: string;
  readonly title: string;
  readonly brand: { readonly name: string };
  readonly category: { readonly name: string };
  readonly price: { readonly amount: number; readonly currency: string };
  readonly stock: number;
}

interface ProductPage {
  readonly data: readonly Product[];
  readonly meta: { readonly total: number; readonly hasMore: boolean };
}

const PAGE_SIZE = 20;

/** The product's image cell: the thumbnail, and an upload control for `catalog:write`. */
export function productImage(
  product: Product,
  canUpload: boolean,
  signal: AbortSignal,
): HTMLElement {
  return productImageCell(product, canUpload, signal);
}

export const catalogPage: Page = {
  path: 'catalog',
  title: 'Catalog',
  permission: 'catalog:write',
  async render(view, context) {
    const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
    const q = params.get('q') ?? '';
    const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
    const products = await request<ProductPage>('/api/v1/products', {
      query: { q: q === '' ? undefined : q, page, limit: PAGE_SIZE },
      signal: context.signal,
    });
    const search = h(
      'form',
      { role: 'search', class: 'toolbar', 'aria-label': 'Products' },
      h('label', { for: 'product-q' }, 'Search products'),
      h('input', { id: 'product-q', type: 'search', value: q, name: 'q' }),
      h('button', { type: 'submit' }, 'Search'),
    );
    search.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = (search.querySelector('#product-q') as HTMLInputElement).value.trim();
      location.hash = text === '' ? '#/catalog' : `#/catalog?q=${encodeURIComponent(text)}`;
    });
    const link = (target: number, label: string) => {
      const query = new URLSearchParams({ ...(q === '' ? {} : { q }), page: String(target) });
      return h('a', { href: `#/catalog?${query.toString()}` }, label);
    };
    replace(
      view,
      search,
      h(
        'p',
        {},
        `${products.meta.total} products${q === '' ? '' : ` match “${q}”`}; page ${page}.`,
      ),
      dataTable(
        'Products',
        [
          { header: 'SKU', cell: (product) => h('code', {}, product.sku) },
          { header: 'Title', cell: (product) => product.title },
          { header: 'Brand', cell: (product) => product.brand.name },
          { header: 'Category', cell: (product) => product.category.name },
          { header: 'Price', cell: (product) => formatMoney(product.price), numeric: true },
          { header: 'Stock', cell: (product) => product.stock, numeric: true },
          {
            header: 'Image',
            cell: (product) => productImage(product, context.can('catalog:write'), context.signal),
          },
        ],
        products.data,
        'no product matches.',
      ),
      h(
        'nav',
        { class: 'pager', 'aria-label': 'Product pages' },
        page > 1 ? link(page - 1, 'Previous page') : null,
        products.meta.hasMore ? link(page + 1, 'Next page') : null,
      ),
    );
  },
};

// A product's image cell on the catalog page: its newest ready thumbnail,
// and for `catalog:write` a labelled file input that uploads an image the
// way the API asks. The bytes go straight to the presigned URL the service
// hands out (its own /blobs/<key> on the disk store, the bucket on S3), not
// through the JSON API; then the upload is completed and a job makes the
// display image and the thumbnail, which this cell waits for.

import { ApiError, request } from './api.ts';
import { announce, h, replace } from './dom.ts';

export interface ImageOwner {
  readonly id: string;
  readonly title: string;
}

interface ProductImage {
  readonly id: string;
  readonly status: 'pending' | 'processing' | 'ready' | 'failed';
  readonly thumbnailUrl: string | null;
}

interface UploadTicket {
  readonly image: ProductImage;
  readonly upload: {
    readonly method: 'PUT';
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
  };
}

const ACCEPT = 'image/jpeg,image/png,image/webp,image/gif';
const READY_POLL_MS = 1_000;
// Resizing is a queued job: on a busy machine it can take a while.
const READY_WAIT_MS = 120_000;

const imagesPath = (product: ImageOwner) =>
  `/api/v1/products/${encodeURIComponent(product.id)}/images`;

function thumbnail(product: ImageOwner, image: ProductImage | undefined): HTMLElement {
  if (image?.thumbnailUrl == null) return h('span', { class: 'muted' }, 'none');
  return h('img', {
    class: 'thumbnail',
    src: image.thumbnailUrl,
    alt: `Image of ${product.title}`,
    width: 48,
    height: 48,
  });
}

/** The problem's own words (its title, and its detail when it has one) or the failure's. */
function problemText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** PUTs the file with XMLHttpRequest, which reports upload progress (fetch does not). */
function send(ticket: UploadTicket, file: File, progress: HTMLProgressElement): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.upload.method, ticket.upload.url);
    for (const [name, value] of Object.entries(ticket.upload.headers)) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) progress.value = event.loaded / event.total;
    });
    xhr.addEventListener('load', () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve();
        return;
      }
      let problem: Record<string, unknown> = {};
      try {
        problem = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        // A bucket answers XML: the status alone then.
      }
      reject(new ApiError(xhr.status, problem));
    });
    xhr.addEventListener('error', () => {
      reject(new Error('The upload did not reach the store.'));
    });
    xhr.send(file);
  });
}

async function waitUntilReady(
  product: ImageOwner,
  imageId: string,
  signal: AbortSignal,
): Promise<ProductImage> {
  const deadline = Date.now() + READY_WAIT_MS;
  for (;;) {
    const { items } = await request<{ items: ProductImage[] }>(imagesPath(product), { signal });
    const image = items.find((candidate) => candidate.id === imageId);
    if (image?.status === 'ready') return image;
    if (image === undefined || image.status === 'failed') {
      throw new Error('The image could not be processed.');
    }
    if (Date.now() > deadline) throw new Error('The image is still being processed.');
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

/** `signal` aborts when the page is left: the cell stops asking about its images. */
export function productImageCell(
  product: ImageOwner,
  canUpload: boolean,
  signal: AbortSignal,
): HTMLElement {
  const picture = h('span', { class: 'picture' }, h('span', { class: 'muted' }, '…'));
  const state = h('span', { class: 'upload-state' });
  const cell = h('div', { class: 'product-image' }, picture);

  const showNewest = (images: readonly ProductImage[]) => {
    const ready = images.filter((image) => image.status === 'ready');
    replace(picture, thumbnail(product, ready.at(-1)));
  };
  request<{ items: ProductImage[] }>(imagesPath(product), { signal })
    .then((list) => {
      showNewest(list.items);
    })
    .catch(() => {
      replace(picture, h('span', { class: 'muted' }, 'unavailable'));
    });
  if (!canUpload) return cell;

  const inputId = `image-${product.id}`;
  const input = h('input', { id: inputId, type: 'file', accept: ACCEPT });
  const label = h(
    'label',
    { for: inputId },
    'Upload',
    h('span', { class: 'visually-hidden' }, ` an image of ${product.title}`),
  );
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (file === undefined) return;
    void upload(file).finally(() => {
      input.value = '';
    });
  });

  const upload = async (file: File) => {
    const progress = h('progress', { max: 1, value: 0, 'aria-label': `Uploading ${file.name}` });
    replace(state, progress);
    input.disabled = true;
    try {
      const ticket = await request<UploadTicket>(imagesPath(product), {
        method: 'POST',
        json: { contentType: file.type, size: file.size },
      });
      await send(ticket, file, progress);
      replace(state, 'Processing…');
      await request(`${imagesPath(product)}/${encodeURIComponent(ticket.image.id)}/complete`, {
        method: 'POST',
      });
      const image = await waitUntilReady(product, ticket.image.id, signal);
      replace(picture, thumbnail(product, image));
      replace(state);
      announce(`The image of ${product.title} is uploaded.`);
    } catch (error) {
      if (signal.aborted) return;
      const text = problemText(error);
      replace(state, h('span', { class: 'alert' }, text));
      announce(`The image of ${product.title} was not uploaded: ${text}`);
    } finally {
      input.disabled = false;
    }
  };

  cell.append(label, input, state);
  return cell;
}

-- Product images (src/modules/product-images). A row is made when a client
-- asks to upload (status 'pending'), before any byte exists; the client puts
-- the bytes straight into the object store, then completes the upload, which
-- checks them (size, magic bytes) and queues the job that writes the
-- metadata-free image and its thumbnail ('ready'). Object keys are derived
-- from the ids, never from a file name.
--
-- Deleting a product deletes its image rows (cascade); its objects are then
-- removed by the product.deleted consumer, and anything missed by the
-- orphan sweep.

create table product_images (
  id bigint generated always as identity primary key,
  product_id bigint not null references products (id) on delete cascade,
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'ready', 'failed')),
  -- The type the client declared, then confirmed by the magic bytes.
  content_type text not null,
  size_bytes bigint not null check (size_bytes > 0),
  width integer,
  height integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create index product_images_product on product_images (product_id, id);
-- The orphan sweep looks for uploads nobody completed.
create index product_images_pending on product_images (created_at) where status = 'pending';

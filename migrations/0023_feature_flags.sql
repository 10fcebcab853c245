-- Feature flags (src/modules/flags/): one row per flag, read whole by every
-- instance into memory and evaluated there (flags/evaluate.ts), so a flag
-- costs no query per request. A change is announced over pub/sub and every
-- instance reloads; a periodic reload covers a missed announcement.
--
-- `variants` maps each variant's name to its JSON value; `rules` is the
-- ordered targeting (roles, a cohort of user ids); `rollout` splits the
-- remaining users by a stable hash of (flag key, user id) in basis points.
-- `killed` is the kill switch: the off variant, whatever else says.
create table feature_flags (
  key text primary key,
  description text not null default '',
  kind text not null,
  variants jsonb not null,
  default_variant text not null,
  off_variant text not null,
  rules jsonb not null default '[]',
  rollout jsonb not null default '[]',
  killed boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  constraint feature_flags_key_shape check (key ~ '^[a-z0-9][a-z0-9._-]{0,99}$'),
  constraint feature_flags_kind check (kind in ('boolean', 'multivariate')),
  constraint feature_flags_description_length check (char_length(description) <= 500),
  constraint feature_flags_variants_object check (jsonb_typeof(variants) = 'object'),
  constraint feature_flags_rules_array check (jsonb_typeof(rules) = 'array'),
  constraint feature_flags_rollout_array check (jsonb_typeof(rollout) = 'array')
);

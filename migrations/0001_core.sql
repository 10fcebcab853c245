-- Extensions the schema relies on. pg_trgm backs fuzzy search (similarity,
-- trigram GIN indexes) on both PGlite and PostgreSQL.
create extension if not exists pg_trgm;

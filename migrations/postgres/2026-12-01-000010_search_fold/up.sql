-- Text folded for searching (the store's `fold`): lower case for all of Unicode. lower() folds
-- only A-Z in a database whose LC_CTYPE is C, so the Latin-1 capitals (Æ, Ø, Å, É, Ü, ...) are
-- mapped first; in any other locale lower() folds the rest. SQLite has its own fold(),
-- registered on each connection.
CREATE FUNCTION fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT lower(translate(t, 'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ', 'àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ'))
$$;

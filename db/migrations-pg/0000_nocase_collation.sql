-- SQLite's NOCASE, which the agents' name indexes and the lists' ORDER BY use (`name COLLATE NOCASE`), as a
-- case-insensitive ICU collation of the same name, so that SQL reads the same on both engines. PostgreSQL
-- folds the unquoted NOCASE to nocase. Unlike SQLite's, it also folds letters beyond ASCII.
CREATE COLLATION IF NOT EXISTS "nocase" (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- SQLite twin of the PostgreSQL migration of the same name.
-- How a completion reached the register: through the API, or from the page an emailed link
-- opened (in the name of the person the link was sent to). Earlier completions came by the API.
ALTER TABLE obligation_completions ADD COLUMN via TEXT NOT NULL DEFAULT 'api' CHECK (via IN ('api', 'link'));

// The journal's tables. auto_vacuum is set before the first table so pruning can give space back.
export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS snapshots (
  id TEXT PRIMARY KEY,
  file TEXT NOT NULL,
  source TEXT NOT NULL,
  saved_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT PRIMARY KEY,
  source_id TEXT,
  endpoint TEXT NOT NULL,
  event TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  snapshot_id TEXT NOT NULL,
  status TEXT NOT NULL,
  headers TEXT NOT NULL,
  query TEXT NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  data TEXT,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (status, received_at);
CREATE INDEX IF NOT EXISTS deliveries_by_received ON deliveries (received_at);
CREATE INDEX IF NOT EXISTS deliveries_by_source ON deliveries (source_id) WHERE source_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS dedup (
  endpoint TEXT NOT NULL,
  source_id TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (endpoint, source_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  delivery_id TEXT NOT NULL,
  route_index INTEGER NOT NULL,
  route TEXT NOT NULL,
  concurrency_key TEXT,
  snapshot_id TEXT NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_unfinished ON runs (seq) WHERE status IN ('pending', 'running', 'retrying');
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  action_index INTEGER NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  budget_from INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS attempts (
  job_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  exit_code INTEGER,
  signal TEXT,
  http_status INTEGER,
  output TEXT,
  stderr TEXT,
  error TEXT,
  PRIMARY KEY (job_id, n)
) WITHOUT ROWID;
-- Run and job ids nest ("<delivery>/<route>/<action>"), so primary-key ranges answer "the runs
-- of a delivery" and "the jobs of a run": indexes for them would only cost every insert.
DROP INDEX IF EXISTS runs_by_delivery;
DROP INDEX IF EXISTS jobs_by_run;
`;

/** Brings a journal written by an older version up to SCHEMA_VERSION (run after SCHEMA). */
export const MIGRATIONS: readonly { readonly version: number; readonly column: [table: string, name: string]; readonly sql: string }[] = [
  // A replayed job gets a fresh retry budget, counted from the attempts made before the replay.
  { version: 2, column: ['jobs', 'budget_from'], sql: 'ALTER TABLE jobs ADD COLUMN budget_from INTEGER NOT NULL DEFAULT 0' },
];

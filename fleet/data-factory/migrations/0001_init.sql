-- data-factory's own database: the rows it ingests from CSV uploads.
CREATE TABLE ingest_records (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  payload TEXT NOT NULL, -- the row as a JSON object keyed by the CSV header
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX ingest_records_source ON ingest_records (source);

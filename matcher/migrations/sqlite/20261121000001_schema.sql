-- The company master, the loaded postings and the record of loads (SQLite, the embedded
-- default). Same logical schema as the PostgreSQL migration; timestamps are RFC 3339 text.

CREATE TABLE companies (
    corporate_number TEXT PRIMARY KEY
        CHECK (length(corporate_number) = 13 AND corporate_number NOT GLOB '*[^0-9]*'),
    name             TEXT NOT NULL,
    name_kana        TEXT NOT NULL DEFAULT '',
    name_en          TEXT NOT NULL DEFAULT '',
    prefecture       TEXT NOT NULL DEFAULT '',
    city             TEXT NOT NULL DEFAULT '',
    street           TEXT NOT NULL DEFAULT '',
    postal_code      TEXT NOT NULL DEFAULT '',
    phone            TEXT NOT NULL DEFAULT '',
    website          TEXT NOT NULL DEFAULT ''
);

-- One row per posting a partner has ever sent us linked to a company. A weekly file is a full
-- snapshot: rows are closed (closed_at), never deleted, and reopened when they come back.
CREATE TABLE job_postings (
    partner          TEXT NOT NULL,
    posting_id       TEXT NOT NULL,
    corporate_number TEXT NOT NULL REFERENCES companies (corporate_number),
    company_name     TEXT NOT NULL,
    company_address  TEXT NOT NULL,
    company_phone    TEXT NOT NULL,
    company_url      TEXT NOT NULL,
    job_title        TEXT NOT NULL,
    employment_type  TEXT NOT NULL,
    salary_min       INTEGER,
    salary_max       INTEGER,
    work_location    TEXT NOT NULL,
    description      TEXT NOT NULL,
    posted_at        TEXT NOT NULL,
    upload_id        TEXT NOT NULL,
    line             INTEGER NOT NULL,
    match_score      REAL NOT NULL CHECK (match_score >= 0 AND match_score <= 1),
    match_method     TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    first_seen       TEXT NOT NULL,
    last_seen        TEXT NOT NULL,
    closed_at        TEXT,
    PRIMARY KEY (partner, posting_id)
);

-- Postings are searched by company.
CREATE INDEX job_postings_by_company ON job_postings (corporate_number);

-- One row per (run, partner) loaded or attempted; the newest loaded run of a partner decides
-- which older runs are refused.
CREATE TABLE loads (
    run_id      TEXT NOT NULL,
    partner     TEXT NOT NULL,
    "rows"      INTEGER NOT NULL,
    closed      INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL CHECK (status IN ('loaded', 'failed')),
    error       TEXT,
    PRIMARY KEY (run_id, partner)
);

CREATE INDEX loads_by_partner ON loads (partner, run_id);

-- The company master, the loaded postings and the record of loads (PostgreSQL, production).
-- The SQLite migration of the same name holds the same logical schema.

CREATE TABLE companies (
    corporate_number TEXT PRIMARY KEY CHECK (corporate_number ~ '^[0-9]{13}$'),
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
    salary_min       BIGINT,
    salary_max       BIGINT,
    work_location    TEXT NOT NULL,
    description      TEXT NOT NULL,
    posted_at        TEXT NOT NULL,
    upload_id        TEXT NOT NULL,
    line             BIGINT NOT NULL,
    match_score      DOUBLE PRECISION NOT NULL CHECK (match_score >= 0 AND match_score <= 1),
    match_method     TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    first_seen       TIMESTAMPTZ NOT NULL,
    last_seen        TIMESTAMPTZ NOT NULL,
    closed_at        TIMESTAMPTZ,
    PRIMARY KEY (partner, posting_id)
);

-- Postings are searched by company.
CREATE INDEX job_postings_by_company ON job_postings (corporate_number);

-- One row per (run, partner) loaded or attempted; the newest loaded run of a partner decides
-- which older runs are refused.
CREATE TABLE loads (
    run_id      TEXT NOT NULL,
    partner     TEXT NOT NULL,
    "rows"      BIGINT NOT NULL,
    closed      BIGINT NOT NULL DEFAULT 0,
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    status      TEXT NOT NULL CHECK (status IN ('loaded', 'failed')),
    error       TEXT,
    PRIMARY KEY (run_id, partner)
);

CREATE INDEX loads_by_partner ON loads (partner, run_id);

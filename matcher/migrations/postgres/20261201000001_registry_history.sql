-- The corporate-number registry's history in the company master. A company's status says
-- whether it may be a link target; its former names stay registered spellings; a number the
-- registry withdrew (process 99) is remembered so that an older row never brings it back.
ALTER TABLE companies ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
    CHECK (status IN ('active', 'closed', 'merged', 'deleted'));
ALTER TABLE companies ADD COLUMN close_date TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN close_cause TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN successor TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN legal_form TEXT NOT NULL DEFAULT '';
ALTER TABLE companies ADD COLUMN search_excluded SMALLINT NOT NULL DEFAULT 0
    CHECK (search_excluded IN (0, 1));
-- updateDate of the registry row the company's record was last taken from (YYYY-MM-DD).
ALTER TABLE companies ADD COLUMN registry_updated TEXT NOT NULL DEFAULT '';

CREATE TABLE company_former_names (
    corporate_number TEXT NOT NULL REFERENCES companies (corporate_number) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    -- updateDate of the row that showed the name had been left behind.
    recorded_on      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (corporate_number, name)
);

CREATE TABLE registry_removed (
    corporate_number TEXT PRIMARY KEY,
    removed_on       TEXT NOT NULL
);

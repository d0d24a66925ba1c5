-- Operators' review decisions: every posting whose employer normalises to `name_key` and
-- whose stated place is `place` links to `corporate_number`, or, when it is NULL, to no
-- company ("not in the master"). No foreign key to companies: a company that leaves the
-- master must not take the decision with it, the match stage reports it instead.
-- decided_at is RFC 3339 text, as elsewhere in the SQLite schema.
CREATE TABLE review_overrides (
    name_key         TEXT NOT NULL,
    place            TEXT NOT NULL,
    corporate_number TEXT
        CHECK (corporate_number IS NULL
               OR (length(corporate_number) = 13 AND corporate_number NOT GLOB '*[^0-9]*')),
    decided_by       TEXT NOT NULL,
    decided_at       TEXT NOT NULL,
    PRIMARY KEY (name_key, place)
);

-- Operators' review decisions: every posting whose employer normalises to `name_key` and
-- whose stated place is `place` links to `corporate_number`, or, when it is NULL, to no
-- company ("not in the master"). No foreign key to companies: a company that leaves the
-- master must not take the decision with it, the match stage reports it instead.
CREATE TABLE review_overrides (
    name_key         TEXT NOT NULL,
    place            TEXT NOT NULL,
    corporate_number TEXT
        CHECK (corporate_number IS NULL OR corporate_number ~ '^[0-9]{13}$'),
    decided_by       TEXT NOT NULL,
    decided_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (name_key, place)
);

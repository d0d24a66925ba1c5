-- A load is identified by its run and the digest of the run's manifest(s), so that a run
-- matched again after it was loaded is loaded again; and it names the newest upload of the
-- partner it applied, which orders a partner's snapshots by when the partner sent them.
ALTER TABLE loads ADD COLUMN upload_id TEXT;
ALTER TABLE loads ADD COLUMN manifest_digest TEXT;

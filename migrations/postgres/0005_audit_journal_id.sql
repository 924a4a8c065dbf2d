-- An audit line replayed from an offline journal carries its journal record id, so a replay
-- repeated after a crash (line committed, file not yet moved) finds it and adds nothing.
ALTER TABLE audit_log ADD COLUMN journal_id UUID;
CREATE UNIQUE INDEX audit_journal_id ON audit_log (journal_id) WHERE journal_id IS NOT NULL;

-- Substring search over plates and ticket numbers without reading every visit: a trigram
-- full-text index answers "which entries contain B1234" from a few index pages.
-- It keys on the entry id rather than the rowid, because VACUUM may renumber rowids.
CREATE VIRTUAL TABLE entries_search USING fts5 (
    entry_id UNINDEXED,
    plate_key,
    ticket_no,
    tokenize = 'trigram'
);

INSERT INTO entries_search (entry_id, plate_key, ticket_no)
SELECT id, coalesce(plate_key, ''), ticket_no FROM entries;

CREATE TRIGGER entries_search_add AFTER INSERT ON entries
BEGIN
    INSERT INTO entries_search (entry_id, plate_key, ticket_no)
    VALUES (NEW.id, coalesce(NEW.plate_key, ''), NEW.ticket_no);
END;

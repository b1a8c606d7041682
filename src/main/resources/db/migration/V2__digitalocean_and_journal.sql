-- What this node knows of each volume's DigitalOcean side. do_id is DO's volume id; created_here
-- marks volumes this plugin created (the delete-created remove policy deletes only those);
-- attached_droplet is the droplet the volume was last seen or made attached to (NULL: detached),
-- so that the sweep can tell what to release without asking DigitalOcean.
ALTER TABLE volume ADD COLUMN do_id TEXT;
ALTER TABLE volume ADD COLUMN region TEXT;
ALTER TABLE volume ADD COLUMN created_here INTEGER NOT NULL DEFAULT 0;
ALTER TABLE volume ADD COLUMN attached_droplet INTEGER;

-- The operation in flight on a volume (one at a time: operations hold the volume's lock), with the
-- step it has reached. A row left behind by a crash tells the start-up reconciliation what to
-- finish or undo. Not a foreign key: a Create is journalled before its volume row exists.
CREATE TABLE operation (
    volume     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    caller_id  TEXT,
    step       TEXT NOT NULL,
    started_at TEXT NOT NULL
);

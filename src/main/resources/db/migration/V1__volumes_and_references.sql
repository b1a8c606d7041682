-- Volumes this node knows, with the options they were created with (a JSON object of strings).
CREATE TABLE volume (
    name       TEXT PRIMARY KEY,
    options    TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

-- One row per (volume, caller ID) that dockerd has mounted and not yet unmounted. dockerd sends a
-- fresh random ID with every Mount and the same ID with its Unmount; counting per ID makes a
-- repeated call harmless and lets containers on one node share one mount.
CREATE TABLE mount_reference (
    volume     TEXT NOT NULL REFERENCES volume (name),
    caller_id  TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (volume, caller_id)
);

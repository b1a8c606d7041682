-- References are counted: dockerd sends the same ID more than once on purpose (docker cp into or out
-- of a running container sends a Mount and an Unmount with that container's own ID; moby#35120,
-- #17585), so each Mount adds one to (volume, ID) and each Unmount takes one away; the row goes
-- when its count reaches zero. boot_id is the kernel's boot id when the reference was made: no
-- container survives a reboot, so at start references of an earlier boot are void. Rows made
-- before this migration have no boot id; the first start after it counts them to the running boot
-- (an upgrade without a reboot must not drop a running container's reference).
ALTER TABLE mount_reference ADD COLUMN mounts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE mount_reference ADD COLUMN boot_id TEXT;

-- DigitalOcean answers kept across restarts, by name (for now one: this region's list of volumes),
-- so that Get answers for a volume seen in DO's list while DO cannot be reached: dockerd calls Get
-- for every volume it knows at its start and forgets the labels and options of one whose Get fails.
CREATE TABLE kept_answer (
    name       TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
);

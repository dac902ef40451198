-- Key pairs, unique by project, zone and name; settings.
-- 64-bit integers are BIGINT, and the text columns that can be sorted or
-- filtered on use the "C" collation, so they compare as SQLite's default
-- (BINARY: byte order of UTF-8) whatever the database's locale.
CREATE TABLE keypairs (
    id TEXT COLLATE "C" PRIMARY KEY,
    project TEXT COLLATE "C" NOT NULL,
    zone TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    tags TEXT NOT NULL,
    public_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_us BIGINT NOT NULL,
    modified_us BIGINT NOT NULL,
    requester TEXT NOT NULL,
    state TEXT COLLATE "C" NOT NULL
);
CREATE UNIQUE INDEX keypairs_project_zone_name ON keypairs (project, zone, name);
CREATE TABLE settings (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);

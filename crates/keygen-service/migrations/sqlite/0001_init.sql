-- Key pairs, unique by project, zone and name; settings.
CREATE TABLE keypairs (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    zone TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    tags TEXT NOT NULL,
    public_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    modified_us INTEGER NOT NULL,
    requester TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE UNIQUE INDEX keypairs_project_zone_name ON keypairs (project, zone, name);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

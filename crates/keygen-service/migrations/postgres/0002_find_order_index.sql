-- The default find order (oldest first) within a project and zone.
CREATE INDEX keypairs_project_zone_created ON keypairs (project, zone, created_us, id);

-- INSERT OR REPLACE (and REPLACE, and ON CONFLICT REPLACE) deletes the conflicting row before inserting, and
-- with recursive_triggers off that deletion fires no DELETE trigger. So refuse, before any insert, a row
-- whose key is already taken: an append-only table only ever gains new rows.
CREATE TRIGGER `audit_events_no_replace` BEFORE INSERT ON `audit_events`
WHEN EXISTS (SELECT 1 FROM `audit_events` WHERE `seq` = NEW.`seq`)
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only: replacing an event is refused');
END;
--> statement-breakpoint
CREATE TRIGGER `agent_versions_no_replace` BEFORE INSERT ON `agent_versions`
WHEN EXISTS (
  SELECT 1 FROM `agent_versions`
  WHERE `id` = NEW.`id` OR (`agent_id` = NEW.`agent_id` AND `number` = NEW.`number`)
)
BEGIN
  SELECT RAISE(ABORT, 'agent versions are immutable: replacing a version is refused');
END;

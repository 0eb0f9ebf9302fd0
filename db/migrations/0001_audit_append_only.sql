-- The audit trail is append-only: the database itself refuses to change or remove an event.
CREATE TRIGGER `audit_events_no_update` BEFORE UPDATE ON `audit_events`
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only: UPDATE is refused');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_events_no_delete` BEFORE DELETE ON `audit_events`
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only: DELETE is refused');
END;
--> statement-breakpoint
-- Agent versions are immutable snapshots, like commits.
CREATE TRIGGER `agent_versions_no_update` BEFORE UPDATE ON `agent_versions`
BEGIN
  SELECT RAISE(ABORT, 'agent versions are immutable: UPDATE is refused');
END;
--> statement-breakpoint
CREATE TRIGGER `agent_versions_no_delete` BEFORE DELETE ON `agent_versions`
BEGIN
  SELECT RAISE(ABORT, 'agent versions are immutable: DELETE is refused');
END;

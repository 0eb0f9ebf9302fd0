-- The audit trail is append-only and agent versions are immutable snapshots, like commits: the database itself
-- refuses to change or remove a row, with the messages SQLite's triggers give (db/migrations/0001).
-- SQLite also refuses INSERT OR REPLACE (0006); PostgreSQL has none, and its INSERT ... ON CONFLICT DO UPDATE
-- fires the UPDATE trigger. TRUNCATE, which fires no row trigger, is refused too.
CREATE FUNCTION "refuse_append_only_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%: % is refused', TG_ARGV[0], TG_OP;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "audit_events_no_update" BEFORE UPDATE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_change"('audit events are append-only');
--> statement-breakpoint
CREATE TRIGGER "audit_events_no_delete" BEFORE DELETE ON "audit_events"
  FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_change"('audit events are append-only');
--> statement-breakpoint
CREATE TRIGGER "audit_events_no_truncate" BEFORE TRUNCATE ON "audit_events"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_append_only_change"('audit events are append-only');
--> statement-breakpoint
CREATE TRIGGER "agent_versions_no_update" BEFORE UPDATE ON "agent_versions"
  FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_change"('agent versions are immutable');
--> statement-breakpoint
CREATE TRIGGER "agent_versions_no_delete" BEFORE DELETE ON "agent_versions"
  FOR EACH ROW EXECUTE FUNCTION "refuse_append_only_change"('agent versions are immutable');
--> statement-breakpoint
CREATE TRIGGER "agent_versions_no_truncate" BEFORE TRUNCATE ON "agent_versions"
  FOR EACH STATEMENT EXECUTE FUNCTION "refuse_append_only_change"('agent versions are immutable');

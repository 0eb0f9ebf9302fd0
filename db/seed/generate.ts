import type Database from "better-sqlite3";
import { getTableColumns, getTableName } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { chainAuditEvents, type Actor, type AuditInput } from "../audit";
import { rebuildDoraFacts } from "../dora-facts";
import { withTransaction, writerOf, type DB } from "../index";
import * as schema from "../schema";
import { DEFAULT_POLICY } from "../../lib/domain/signoff-policy";
import { hashPassword } from "../../lib/passwords";
import { DEMO_BANNER, DEMO_PASSWORD, DEMO_USERS, DEMO_WORKFLOWS, demoAgents } from "./estate";
import { DAY, plantStories, simulateAgent, type AgentSim, type HistoryRows } from "./history";
import { Rng } from "./rng";
import { seedRuntimeHistory, type RuntimeSeedSummary } from "./runtime";

export type SeedOptions = {
  agents: number;
  months: number;
  /** The history ends here (epoch ms). Same options, same estate, same hashes. */
  until: number;
  seed: number;
};

export type SeedSummary = Record<
  "users" | "workflows" | "agents" | "versions" | "changes" | "signoffs" | "deployments" | "evalRuns" | "incidents" | "auditEvents",
  number
> &
  Pick<RuntimeSeedSummary, "runtimeDecisions" | "runtimeSpans" | "breaches">;

/** The start of today (UTC): the default end of the demo history, so it always looks current. */
export function startOfTodayUtc(now = Date.now()): number {
  return Math.floor(now / DAY) * DAY;
}

export async function isEmpty(db: DB): Promise<boolean> {
  return (await db.select({ id: schema.users.id }).from(schema.users).limit(1)).length === 0;
}

/**
 * Fills an empty database with the demo estate: people, workflows, agents, and months of change
 * history that obeys every rule the product enforces. Deterministic for the same options.
 */
export async function generateEstate(db: DB, options: SeedOptions): Promise<SeedSummary> {
  if (!(await isEmpty(db))) throw new Error("The database already holds data; seed only an empty database (use --reset to rebuild it).");
  const rng = new Rng(options.seed);
  const start = options.until - Math.round(options.months * 30.4 * DAY);
  const setupAt = start - 30 * DAY;

  // People. Password hashes are salted at random; they are not part of any hash chain.
  const userIds = new Map(DEMO_USERS.map((u) => [u.key, `usr_${u.key}`]));
  const actors = new Map<string, Actor>(DEMO_USERS.map((u) => [u.key, { type: "user", id: userIds.get(u.key)!, label: u.email }]));
  const people = {
    id: (key: string) => userIds.get(key)!,
    actor: (key: string) => actors.get(key)!,
  };
  // Every demo person shares one password: hash it once (scrypt at OWASP's cost takes most of a second).
  const demoPasswordHash = await hashPassword(DEMO_PASSWORD);
  const audit: AuditInput[] = [];
  const admin = people.actor("admin");

  const users = DEMO_USERS.map((u) => ({
    id: people.id(u.key),
    email: u.email,
    name: u.name,
    passwordHash: demoPasswordHash,
    createdAt: setupAt,
  }));
  const userRoles = DEMO_USERS.flatMap((u) => u.roles.map((role) => ({ userId: people.id(u.key), role })));
  for (const u of DEMO_USERS) {
    audit.push({
      at: setupAt,
      actor: admin,
      action: "user.created",
      entityType: "user",
      entityId: people.id(u.key),
      payload: { email: u.email, name: u.name, roles: u.roles, demo: true },
    });
  }
  const policy = { id: "pol_1", version: 1, document: DEFAULT_POLICY, createdById: people.id("admin"), createdAt: setupAt };
  audit.push({
    at: setupAt,
    actor: admin,
    action: "policy.published",
    entityType: "policy",
    entityId: policy.id,
    payload: { version: 1, document: DEFAULT_POLICY },
  });

  const workflowIds = new Map(DEMO_WORKFLOWS.map((w) => [w.slug, `wf_${w.slug}`]));
  const workflows = DEMO_WORKFLOWS.map((w) => ({
    id: workflowIds.get(w.slug)!,
    slug: w.slug,
    name: w.name,
    ownerId: people.id(w.ownerKey),
    riskClass: w.riskClass,
    riskReason: w.riskReason,
    createdAt: setupAt,
  }));
  for (const w of workflows) {
    audit.push({
      at: setupAt,
      actor: admin,
      action: "workflow.created",
      entityType: "workflow",
      entityId: w.id,
      payload: { slug: w.slug, name: w.name, riskClass: w.riskClass, riskReason: w.riskReason },
    });
  }

  // Agents and their history, written as they are simulated so memory holds one batch of agents (and
  // the audit trail, which is chained in the order things happened once everything is known).
  const rows: HistoryRows = { agentVersions: [], changeRecords: [], signoffs: [], deployments: [], evalRuns: [], incidents: [], audit };
  let changeNumber = 0;
  const ctx = { rng, rows, people, nextChangeNumber: () => ++changeNumber, start, until: options.until };
  const agents = demoAgents(options.agents).map((demo) => {
    const createdAt = start + rng.int(0, 25) * DAY + rng.int(8, 17) * 3_600_000;
    const workflow = DEMO_WORKFLOWS.find((w) => w.slug === demo.workflow)!;
    const agent = {
      id: rng.id("agt"),
      slug: demo.slug,
      name: demo.name,
      description: demo.description,
      platform: demo.platform,
      workflowId: workflowIds.get(demo.workflow)!,
      engineeringOwnerId: people.id(demo.engineerKey),
      rollbackOwnerId: people.id("ops"),
      status: "active" as const,
      lastReviewedAt: null as number | null,
      createdAt,
    };
    audit.push({
      at: createdAt,
      actor: people.actor(demo.engineerKey),
      action: "agent.registered",
      entityType: "agent",
      entityId: agent.id,
      payload: { slug: agent.slug, name: agent.name, platform: agent.platform, workflow: demo.workflow },
    });
    return { agent, demo, workflow };
  });

  const sqlite = writerOf(db);
  const summary = { versions: 0, changes: 0, signoffs: 0, deployments: 0, evalRuns: 0, incidents: 0 };
  let auditCount = 0;
  sqlite
    .transaction(() => {
      const insert = inserters(sqlite);
      insert(schema.users, users);
      insert(schema.userRoles, userRoles);
      insert(schema.policies, [policy]);
      insert(schema.workflows, workflows);
      insert(
        schema.agents,
        agents.map((a) => a.agent),
      );
      const pending = pendingAudit(sqlite);
      const linkVersions = sqlite.prepare("UPDATE change_records SET base_version_id = ?, head_version_id = ? WHERE id = ?");
      /** Writes the rows simulated so far and lets them go. */
      const flush = () => {
        // Versions and change records point at each other, and versions are immutable: write the records
        // without their version links, then the versions, then link the records.
        insert(
          schema.changeRecords,
          rows.changeRecords.map((r) => ({ ...r, baseVersionId: null, headVersionId: null })),
        );
        insert(schema.agentVersions, rows.agentVersions);
        for (const r of rows.changeRecords) linkVersions.run(r.baseVersionId ?? null, r.headVersionId ?? null, r.id);
        insert(schema.signoffs, rows.signoffs);
        insert(schema.deployments, rows.deployments);
        insert(schema.evalRuns, rows.evalRuns);
        insert(schema.incidents, rows.incidents);
        summary.versions += rows.agentVersions.length;
        summary.changes += rows.changeRecords.length;
        summary.signoffs += rows.signoffs.length;
        summary.deployments += rows.deployments.length;
        summary.evalRuns += rows.evalRuns.length;
        summary.incidents += rows.incidents.length;
        pending.add(audit);
        for (const list of [rows.changeRecords, rows.agentVersions, rows.signoffs, rows.deployments, rows.evalRuns, rows.incidents, audit])
          list.length = 0;
      };
      // The stories planted at the end need only their own agents' state.
      const sims = new Map<string, AgentSim>();
      for (let i = 0; i < agents.length; i += AGENTS_PER_BATCH) {
        for (const { agent, demo, workflow } of agents.slice(i, i + AGENTS_PER_BATCH)) {
          const sim = simulateAgent(ctx, agent, demo, workflow);
          if (STORY_AGENTS.has(agent.slug)) sims.set(agent.slug, sim);
        }
        flush();
      }
      plantStories(ctx, sims);
      flush();
      // Simulation ran agent by agent; releases set each agent's last review.
      const reviewed = sqlite.prepare("UPDATE agents SET last_reviewed_at = ? WHERE id = ?");
      for (const { agent } of agents) if (agent.lastReviewedAt !== null) reviewed.run(agent.lastReviewedAt, agent.id);
      const renumbered = renumberChronologically(sqlite);

      // The audit trail is chained in the order things happened, read back from where it waited.
      let head: { seq: number; hash: string } | null = null;
      for (const batch of pending.inOrder(10_000)) {
        for (const event of batch) renumberPayload(event, renumbered);
        const chained = chainAuditEvents(head, batch);
        insert(schema.auditEvents, chained);
        head = chained.at(-1)!;
        auditCount += chained.length;
      }
      pending.drop();
      insert(schema.settings, [{ key: "banner", value: DEMO_BANNER, updatedAt: setupAt }]);
    })
    .immediate();
  // What the metrics read, derived from the history just written.
  await withTransaction((tx) => rebuildDoraFacts(tx), db);
  // The last two weeks' runtime traffic, sent through the receiver's use case like any runtime's.
  const runtime = await seedRuntimeHistory(db, options);
  // Statistics for the query planner, over the estate just written.
  sqlite.exec("ANALYZE");

  return {
    users: users.length,
    workflows: workflows.length,
    agents: agents.length,
    ...summary,
    // The runtime traffic's use cases audit what they record (a breach) after the history's trail.
    auditEvents: auditCount + runtime.auditEvents,
    runtimeDecisions: runtime.runtimeDecisions,
    runtimeSpans: runtime.runtimeSpans,
    breaches: runtime.breaches,
  };
}

/** Agents simulated, then written, at a time: bounds the memory a large estate needs. */
const AGENTS_PER_BATCH = 250;
const STORY_AGENTS = new Set(["refund-assistant", "crm-record-updater", "incident-triage-bot"]);

/**
 * A writer of whole rows per table through one prepared statement each: the seed writes a million
 * rows, and building each insert through the query builder would cost most of its time. Values go
 * through each column's own mapping (JSON, booleans), and defaults apply as they do through Drizzle.
 */
function inserters(sqlite: Database.Database) {
  const statements = new Map<unknown, { run: (row: Record<string, unknown>) => void }>();
  return <T extends SQLiteTable>(table: T, values: T["$inferInsert"][]) => {
    let statement = statements.get(table);
    if (!statement) {
      const columns = Object.entries(getTableColumns(table));
      const prepared = sqlite.prepare(
        `INSERT INTO "${getTableName(table)}" (${columns.map(([, c]) => `"${c.name}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
      );
      statement = {
        run: (row) =>
          prepared.run(
            columns.map(([key, column]) => {
              let value = row[key];
              if (value === undefined) value = column.defaultFn ? column.defaultFn() : column.default;
              if (value === undefined || value === null) return null;
              return column.mapToDriverValue(value);
            }),
          ),
      };
      statements.set(table, statement);
    }
    for (const row of values) statement.run(row as Record<string, unknown>);
  };
}

/**
 * Change numbers follow the order in which changes were opened across all agents: the simulation
 * numbers them agent by agent, so they are renumbered by creation time (ties in the order written).
 * Returns the renumbering, for the audit events that name them.
 */
function renumberChronologically(sqlite: Database.Database): Map<number, number> {
  const order = sqlite.prepare("SELECT number FROM change_records ORDER BY created_at, rowid").pluck().all() as number[];
  const renumbered = new Map(order.map((n, i) => [n, i + 1]));
  // Through negatives, so that no intermediate state breaks the numbers' uniqueness.
  const renumber = sqlite.prepare("UPDATE change_records SET number = ? WHERE number = ?");
  for (const [from, to] of renumbered) renumber.run(-to, from);
  sqlite.exec("UPDATE change_records SET number = -number");
  return renumbered;
}

function renumberPayload(event: AuditInput, renumbered: Map<number, number>) {
  const payload = event.payload as { number?: number; fixChange?: number } | null;
  if (typeof payload?.number === "number" && event.entityType === "change_record") payload.number = renumbered.get(payload.number)!;
  if (typeof payload?.fixChange === "number") payload.fixChange = renumbered.get(payload.fixChange)!;
}

/**
 * Audit events wait in a temporary table until the whole history is known, then come back in the
 * order things happened (time, then the order they were recorded): memory holds a batch, not the
 * trail of a large estate.
 */
function pendingAudit(sqlite: Database.Database) {
  sqlite.exec(
    "CREATE TEMP TABLE seed_audit (at INTEGER NOT NULL, i INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL, payload TEXT)",
  );
  const add = sqlite.prepare("INSERT INTO seed_audit VALUES (?, ?, ?, ?, ?, ?, ?)");
  const after = sqlite.prepare("SELECT * FROM seed_audit WHERE (at, i) > (?, ?) ORDER BY at, i LIMIT ?");
  type Row = { at: number; i: number; actor: string; action: string; entity_type: string; entity_id: string; payload: string | null };
  let recorded = 0;
  return {
    add(events: AuditInput[]) {
      for (const e of events)
        add.run(
          e.at,
          recorded++,
          JSON.stringify(e.actor),
          e.action,
          e.entityType,
          e.entityId,
          e.payload === undefined ? null : JSON.stringify(e.payload),
        );
    },
    *inOrder(size: number): Generator<AuditInput[]> {
      // Indexed once everything is in: one sort, instead of keeping an index in order on every insert.
      sqlite.exec("CREATE INDEX temp.seed_audit_order ON seed_audit (at, i)");
      let cursor: [number, number] = [-Infinity, -1];
      for (;;) {
        const rows = after.all(cursor[0], cursor[1], size) as Row[];
        if (rows.length === 0) return;
        cursor = [rows.at(-1)!.at, rows.at(-1)!.i];
        yield rows.map((r) => ({
          at: r.at,
          actor: JSON.parse(r.actor) as Actor,
          action: r.action,
          entityType: r.entity_type,
          entityId: r.entity_id,
          payload: r.payload === null ? null : JSON.parse(r.payload),
        }));
      }
    },
    drop() {
      sqlite.exec("DROP TABLE temp.seed_audit");
    },
  };
}

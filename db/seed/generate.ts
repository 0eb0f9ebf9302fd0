import { eq, sql } from "drizzle-orm";
import { appendAuditEvents, type Actor, type AuditInput } from "../audit";
import { rebuildDoraFacts } from "../dora-facts";
import type { DB } from "../index";
import * as schema from "../schema";
import { DEFAULT_POLICY } from "../../lib/domain/signoff-policy";
import { hashPassword } from "../../lib/passwords";
import { DEMO_BANNER, DEMO_PASSWORD, DEMO_USERS, DEMO_WORKFLOWS, demoAgents } from "./estate";
import { DAY, plantStories, simulateAgent, type HistoryRows } from "./history";
import { Rng } from "./rng";

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
>;

/** The start of today (UTC): the default end of the demo history, so it always looks current. */
export function startOfTodayUtc(now = Date.now()): number {
  return Math.floor(now / DAY) * DAY;
}

export function isEmpty(db: DB): boolean {
  return db.select({ id: schema.users.id }).from(schema.users).limit(1).all().length === 0;
}

/**
 * Fills an empty database with the demo estate: people, workflows, agents, and months of change
 * history that obeys every rule the product enforces. Deterministic for the same options.
 */
export async function generateEstate(db: DB, options: SeedOptions): Promise<SeedSummary> {
  if (!isEmpty(db)) throw new Error("The database already holds data; seed only an empty database (use --reset to rebuild it).");
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

  // Agents and their history.
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
  // Change numbers follow the order in which changes were opened, across all agents.
  const sims = new Map(agents.map(({ agent, demo, workflow }) => [agent.slug, simulateAgent(ctx, agent, demo, workflow)]));
  plantStories(ctx, sims);
  renumberChronologically(rows);

  // The audit trail is written in the order things happened.
  const ordered = audit
    .map((event, i) => ({ event, i }))
    .sort((a, b) => a.event.at - b.event.at || a.i - b.i)
    .map((x) => x.event);

  db.transaction(
    (tx) => {
      const insert = <T extends Parameters<typeof tx.insert>[0]>(table: T, values: T["$inferInsert"][]) => {
        for (let i = 0; i < values.length; i += 200)
          tx.insert(table)
            .values(values.slice(i, i + 200))
            .run();
      };
      insert(schema.users, users);
      insert(schema.userRoles, userRoles);
      insert(schema.policies, [policy]);
      insert(schema.workflows, workflows);
      insert(
        schema.agents,
        agents.map((a) => a.agent),
      );
      // Versions and change records point at each other, and versions are immutable: write the records
      // without their version links, then the versions, then link the records.
      insert(
        schema.changeRecords,
        rows.changeRecords.map((r) => ({ ...r, baseVersionId: null, headVersionId: null })),
      );
      insert(schema.agentVersions, rows.agentVersions);
      const link = tx
        .update(schema.changeRecords)
        .set({ baseVersionId: sql`${sql.placeholder("base")}`, headVersionId: sql`${sql.placeholder("head")}` })
        .where(eq(schema.changeRecords.id, sql.placeholder("id")))
        .prepare();
      for (const r of rows.changeRecords) link.run({ id: r.id, base: r.baseVersionId ?? null, head: r.headVersionId ?? null });
      insert(schema.signoffs, rows.signoffs);
      insert(schema.deployments, rows.deployments);
      insert(schema.evalRuns, rows.evalRuns);
      insert(schema.incidents, rows.incidents);
      rebuildDoraFacts(tx);
      appendAuditEvents(tx, ordered);
      tx.insert(schema.settings).values({ key: "banner", value: DEMO_BANNER, updatedAt: setupAt }).run();
    },
    { behavior: "immediate" },
  );

  return {
    users: users.length,
    workflows: workflows.length,
    agents: agents.length,
    versions: rows.agentVersions.length,
    changes: rows.changeRecords.length,
    signoffs: rows.signoffs.length,
    deployments: rows.deployments.length,
    evalRuns: rows.evalRuns.length,
    incidents: rows.incidents.length,
    auditEvents: ordered.length,
  };
}

function renumberChronologically(rows: HistoryRows) {
  const order = [...rows.changeRecords].sort((a, b) => a.createdAt - b.createdAt);
  const renumbered = new Map(order.map((r, i) => [r.number, i + 1]));
  for (const record of rows.changeRecords) record.number = renumbered.get(record.number)!;
  for (const event of rows.audit) {
    const payload = event.payload as { number?: number; fixChange?: number } | null;
    if (typeof payload?.number === "number" && event.entityType === "change_record") payload.number = renumbered.get(payload.number)!;
    if (typeof payload?.fixChange === "number") payload.fixChange = renumbered.get(payload.fixChange)!;
  }
}

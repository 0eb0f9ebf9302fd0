import "server-only";
import { and, desc, eq, inArray, lt, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { z } from "zod";
import { engineOf, first, getDb, type DB } from "@/db";
import type { AuditCheckpoint, AuditVerification as ChainVerificationResult } from "@/db/audit-verify";
import type { ReplayMismatch } from "@/lib/domain/audit-replay";
import {
  agents,
  apiTokens,
  auditEvents,
  changeRecords,
  deployments,
  driftRecords,
  evalRuns,
  incidents,
  observations,
  users,
} from "@/db/schema";
import { GENESIS_HASH, type ActorType, type ChainCheckpoint } from "@/lib/domain/audit-chain";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import { verifyAndReplayStore } from "./audit-replay";
import { reportAuditVerification } from "./audit-watch";
import { assertCanRead, type Caller } from "./caller";

export type { AuditCheckpoint };
/** The chain's verdict and, when the tables disagree with the trail, every disagreement. */
export type AuditVerification = ChainVerificationResult & { mismatches?: ReplayMismatch[] };

const DAY = 86_400_000;
const TIME_HELP = "a date (2026-03-01) or an ISO-8601 time (2026-03-01T12:00:00Z)";

/**
 * A date or a time as a UTC instant. A date alone means the whole day: from its first millisecond, or,
 * as an upper bound, up to and including its last. A time without a zone is read as UTC.
 * Returns an inclusive lower bound, or an exclusive upper bound.
 */
function parseBound(value: string, upper: boolean): number | null {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (date) {
    const time = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    // Date.UTC rolls 2026-02-30 over into March; a date that does not exist is an error, not a guess.
    if (new Date(time).toISOString().slice(0, 10) !== value) return null;
    return upper ? time + DAY : time;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/.test(value)) return null;
  const time = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(time)) return null;
  return upper ? time + 1 : time;
}

const bound = (name: "from" | "to") =>
  z
    .string()
    .trim()
    .transform((value, ctx) => {
      const time = parseBound(value, name === "to");
      if (time === null) ctx.addIssue({ code: "custom", message: `${name} must be ${TIME_HELP}` });
      return time ?? z.NEVER;
    });

const entityFilter = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const match = /^([a-z][a-z_]*)(?::(.+))?$/.exec(value);
    if (!match)
      ctx.addIssue({ code: "custom", message: "entity must be an entity type (change_record) or a type and id (change_record:<id>)" });
    return match ? { type: match[1]!, id: match[2] } : z.NEVER;
  });

export const auditFiltersSchema = z
  .object({
    actor: z.string().trim().max(200, "actor is too long").optional(),
    action: z.string().trim().max(100, "action is too long").optional(),
    entity: entityFilter.optional(),
    agent: z.string().trim().max(200, "agent is too long").optional(),
    /** Inclusive lower bound, epoch ms. */
    from: bound("from").optional(),
    /** Exclusive upper bound, epoch ms (a date as `to` includes that whole day). */
    to: bound("to").optional(),
    ...paging,
  })
  .superRefine((f, ctx) => {
    if (f.from !== undefined && f.to !== undefined && f.to <= f.from)
      ctx.addIssue({ code: "custom", path: ["to"], message: "to must be after from" });
  });
export type AuditFilters = z.infer<typeof auditFiltersSchema>;

/** Reads the filters of the audit log from URL parameters; a bad one is a 400 naming the parameter. */
export function parseAuditFilters(params: SearchParamsInput): AuditFilters {
  return parseQuery(auditFiltersSchema, params);
}

export type AuditEventItem = {
  seq: number;
  at: number;
  actor: { type: ActorType; id: string | null; label: string };
  action: string;
  /** The agent and change record the entity belongs to, where it belongs to one, so the log can link to them. */
  entity: { type: string; id: string; agent: string | null; changeNumber: number | null };
  payload: unknown;
  prevHash: string;
  hash: string;
};

/**
 * The actor filter names a person by email, a token by its name (with or without "token:"), anyone by
 * their id, or "system". Each is resolved to actor ids, which are indexed, rather than matched as labels.
 */
async function actorCondition(db: DB, value: string): Promise<SQL> {
  if (value.toLowerCase() === "system") return eq(auditEvents.actorType, "system");
  const ids = new Set([value]);
  const user = await first(db.select({ id: users.id }).from(users).where(eq(users.email, value.toLowerCase())));
  if (user) ids.add(user.id);
  const tokenName = value.replace(/^token:/, "");
  for (const token of await db.select({ id: apiTokens.id }).from(apiTokens).where(eq(apiTokens.name, tokenName))) ids.add(token.id);
  return inArray(auditEvents.actorId, [...ids]);
}

/**
 * A column as a condition names it. `unindexed` (SQLite's unary plus) keeps SQLite's planner off the column's
 * index; PostgreSQL's planner weighs the index by its statistics instead, and has no unary plus for text.
 */
function columnOf(db: DB, column: AnyColumn, unindexed: boolean): SQL {
  return unindexed && engineOf(db) === "sqlite" ? sql`+${column}` : sql`${column}`;
}

/**
 * "change.approved" is one action; "change", "change." or "change.*" is every action of that family, a range of
 * the action index. `dense` (the filter matches much of the trail) keeps SQLite off that index, so the page is
 * read newest first by seq rather than sorted out of a range as long as the trail.
 */
function actionCondition(db: DB, value: string, dense: boolean): SQL {
  const action = columnOf(db, auditEvents.action, dense);
  if (value.includes(".") && !/\.\*?$/.test(value)) return sql`${action} = ${value}`;
  const prefix = value.replace(/\.?\*?$/, "") + ".";
  const after = prefix.slice(0, -1) + "/"; // "/" follows "." in code-point order
  // PostgreSQL compares in the database's collation, where punctuation may sort otherwise: code points, said so.
  const ordered = engineOf(db) === "postgres" ? sql`${action} COLLATE "C"` : action;
  return sql`${ordered} >= ${prefix} AND ${ordered} < ${after}`;
}

/** Tables whose rows belong to one agent, by the entity type their audit events carry. */
const AGENT_OWNED = [
  ["change_record", changeRecords],
  ["deployment", deployments],
  ["eval_run", evalRuns],
  ["incident", incidents],
  ["observation", observations],
  ["drift_record", driftRecords],
] as const;

/**
 * Events about an agent: the agent itself, and its change records, deployments, eval runs, incidents and
 * observations. Each branch is an (entity_type, entity_id) lookup on the entity index, so SQLite answers
 * the OR as a union of index searches rather than by reading the whole trail.
 */
async function agentCondition(db: DB, slug: string): Promise<SQL> {
  const agent = await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, slug)));
  if (!agent) return sql`1 = 0`;
  return or(
    and(eq(auditEvents.entityType, "agent"), eq(auditEvents.entityId, agent.id)),
    ...AGENT_OWNED.map(([type, table]) =>
      and(
        eq(auditEvents.entityType, type),
        inArray(auditEvents.entityId, db.select({ id: table.id }).from(table).where(eq(table.agentId, agent.id))),
      ),
    ),
  )!;
}

/** Past this many matching events a filtered count would read much of the trail: the log says "10,000+". */
export const AUDIT_COUNT_CAP = 10_000;

/**
 * The audit trail, newest first, with the filters of the audit log. The whole trail's total is exact; a
 * filtered total stops at AUDIT_COUNT_CAP (`totalExact` is then false).
 */
export async function listAuditEvents(
  caller: Caller,
  filters: AuditFilters,
): Promise<{ items: AuditEventItem[]; total: number; totalExact: boolean }> {
  assertCanRead(caller);
  const db = getDb();
  const offset = (filters.page - 1) * filters.pageSize;
  const filtered = [filters.actor, filters.action, filters.entity, filters.agent, filters.from, filters.to].some((f) => f !== undefined);
  let total: number;
  let totalExact = true;
  let rows: (typeof auditEvents.$inferSelect)[];
  if (!filtered) {
    total = (await first(db.select({ n: sql<number>`COUNT(*)` }).from(auditEvents)))!.n;
    rows = await wholeTrailPage(db, total, offset, filters.pageSize);
  } else {
    // Dense, a bounded range of time still reads its index: scanning newest first would pass every later event.
    const at = (dense: boolean) => columnOf(db, auditEvents.at, dense && filters.to === undefined);
    const where = async (dense: boolean) =>
      and(
        filters.actor ? await actorCondition(db, filters.actor) : undefined,
        filters.action ? actionCondition(db, filters.action, dense) : undefined,
        filters.entity ? sql`${columnOf(db, auditEvents.entityType, dense)} = ${filters.entity.type}` : undefined,
        filters.entity?.id ? eq(auditEvents.entityId, filters.entity.id) : undefined,
        filters.agent ? await agentCondition(db, filters.agent) : undefined,
        filters.from !== undefined ? sql`${at(dense)} >= ${filters.from}` : undefined,
        filters.to !== undefined ? sql`${at(dense)} < ${filters.to}` : undefined,
      );
    const matching = (await first(
      db.select({ n: sql<number>`COUNT(*)` }).from(
        db
          .select({ one: sql`1` })
          .from(auditEvents)
          .where(await where(false))
          .limit(AUDIT_COUNT_CAP + 1)
          .as("matching"),
      ),
    ))!.n;
    totalExact = matching <= AUDIT_COUNT_CAP;
    total = Math.min(matching, AUDIT_COUNT_CAP);
    // The page's seqs first (off an index where one serves, sorting only seqs), then those events' rows.
    const seqs = (
      await db
        .select({ seq: auditEvents.seq })
        .from(auditEvents)
        .where(await where(!totalExact))
        .orderBy(desc(auditEvents.seq))
        .limit(filters.pageSize)
        .offset(offset)
    ).map((r) => r.seq);
    rows = seqs.length ? await db.select().from(auditEvents).where(inArray(auditEvents.seq, seqs)).orderBy(desc(auditEvents.seq)) : [];
  }
  const owners = await entityOwners(db, rows);
  return {
    total,
    totalExact,
    items: rows.map((row) => {
      const owner = owners.get(`${row.entityType}:${row.entityId}`);
      return {
        seq: row.seq,
        at: row.at,
        actor: { type: row.actorType, id: row.actorId, label: row.actorLabel },
        action: row.action,
        entity: { type: row.entityType, id: row.entityId, agent: owner?.agent ?? null, changeNumber: owner?.changeNumber ?? null },
        payload: row.payload,
        prevHash: row.prevHash,
        hash: row.hash,
      };
    }),
  };
}

/**
 * A page of the whole trail. Events are never deleted, so seq runs without gaps and a page is a range of it,
 * found at once however deep; were there ever a gap, the page is counted out the slow way instead.
 */
async function wholeTrailPage(db: DB, total: number, offset: number, pageSize: number) {
  // Two lone MIN/MAX subqueries, each one step down the primary key; together in one SELECT they would scan the table.
  const bounds = (await first(
    db
      .select({
        first: sql<number | null>`(SELECT MIN(seq) FROM ${auditEvents})`,
        last: sql<number | null>`(SELECT MAX(seq) FROM ${auditEvents})`,
      })
      .from(sql`(SELECT 1) AS one`),
  ))!;
  const page = db.select().from(auditEvents).orderBy(desc(auditEvents.seq)).limit(pageSize);
  if (bounds.last === null || bounds.first === null) return [];
  if (bounds.last - bounds.first + 1 !== total) return await page.offset(offset);
  return await page.where(lt(auditEvents.seq, bounds.last - offset + 1));
}

type Owner = { agent: string; changeNumber: number | null };

/** For one page of events: the agent (and change number) each entity belongs to, a query per entity type. */
async function entityOwners(db: DB, rows: { entityType: string; entityId: string }[]): Promise<Map<string, Owner>> {
  const owners = new Map<string, Owner>();
  const idsOf = (type: string) => [...new Set(rows.filter((r) => r.entityType === type).map((r) => r.entityId))];
  const agentIds = idsOf("agent");
  if (agentIds.length) {
    for (const a of await db.select({ id: agents.id, slug: agents.slug }).from(agents).where(inArray(agents.id, agentIds)))
      owners.set(`agent:${a.id}`, { agent: a.slug, changeNumber: null });
  }
  const changeIds = idsOf("change_record");
  if (changeIds.length) {
    const changes = await db
      .select({ id: changeRecords.id, number: changeRecords.number, agent: agents.slug })
      .from(changeRecords)
      .innerJoin(agents, eq(agents.id, changeRecords.agentId))
      .where(inArray(changeRecords.id, changeIds));
    for (const c of changes) owners.set(`change_record:${c.id}`, { agent: c.agent, changeNumber: c.number });
  }
  for (const [type, table] of AGENT_OWNED) {
    const ids = idsOf(type);
    if (!ids.length || type === "change_record") continue;
    const owned = await db
      .select({ id: table.id, agent: agents.slug })
      .from(table)
      .innerJoin(agents, eq(agents.id, table.agentId))
      .where(inArray(table.id, ids));
    for (const o of owned) owners.set(`${type}:${o.id}`, { agent: o.agent, changeNumber: null });
  }
  return owners;
}

/**
 * Recomputes the whole chain (of this process's store, or of another opened through the seam); with a checkpoint
 * exported earlier, also detects a truncated or rewritten tail. Then replays the trail against the tables: a row
 * edited, added or removed behind the trail's back fails verification, naming the row.
 */
export async function verifyAuditTrail(db: DB = getDb(), checkpoint?: ChainCheckpoint): Promise<AuditVerification> {
  return await verifyAndReplayStore(db, checkpoint);
}

/** The trail's head now, to be kept outside the database: `{count, headHash, at}`. */
export async function auditCheckpoint(db: DB = getDb(), now = Date.now()): Promise<AuditCheckpoint> {
  const head = await first(db.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)));
  return { count: head?.seq ?? 0, headHash: head?.hash ?? GENESIS_HASH, at: new Date(now).toISOString() };
}

const HASH = "headHash must be a SHA-256 hex digest (64 characters 0-9a-f)";
const COUNT = "count must be a whole number from 0";
export const checkpointParamsSchema = z
  .object({
    count: z.coerce.number({ error: COUNT }).int(COUNT).min(0, COUNT).optional(),
    headHash: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[0-9a-f]{64}$/, HASH)
      .optional(),
  })
  .superRefine((c, ctx) => {
    if ((c.count === undefined) !== (c.headHash === undefined)) {
      const missing = c.count === undefined ? "count" : "headHash";
      ctx.addIssue({ code: "custom", path: [missing], message: `a checkpoint needs both count and headHash; ${missing} is missing` });
    }
  });

/** An optional checkpoint given as URL parameters `count` and `headHash` (both or neither). */
export function parseCheckpointParams(params: SearchParamsInput): ChainCheckpoint | undefined {
  const { count, headHash } = parseQuery(checkpointParamsSchema, params);
  return count !== undefined && headHash !== undefined ? { count, headHash } : undefined;
}

/** Verification as a reader asks for it: every signed-in person, tokens with the read scope. */
export async function verifyAuditTrailFor(caller: Caller, checkpoint?: ChainCheckpoint): Promise<AuditVerification> {
  assertCanRead(caller);
  const result = await verifyAuditTrail(getDb(), checkpoint);
  // A failure of the trail itself is reported to the endpoints that watch for it (once per distinct failure). One
  // against a checkpoint the reader brought is theirs to judge: a wrong checkpoint must not raise the alarm.
  if (!checkpoint) await reportAuditVerification(result);
  return result;
}

export async function auditCheckpointFor(caller: Caller, now = Date.now()): Promise<AuditCheckpoint> {
  assertCanRead(caller);
  return await auditCheckpoint(getDb(), now);
}

import "server-only";
import { and, asc, desc, eq, exists, inArray, isNotNull, ne, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { first, getDb } from "@/db";
import { agents, agentVersions, apiTokens, changeRecords, signoffs, users, workflows } from "@/db/schema";
import { specToYaml, type AgentSpec } from "@/lib/domain/spec";
import type { SignoffPolicy } from "@/lib/domain/signoff-policy";
import { CHANGE_STATES, RISK_LEVELS, type ChangeState, type RiskLevel, type Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { paging, parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";
import type { ChangePreview } from "@/lib/validations/change-record";
import { assertCanRead, type Caller } from "./caller";
import {
  assessRow,
  baseVersionOf,
  comparisonBaseOf,
  findChangeRow,
  isBehindProduction,
  productionNow,
  readSpecInput,
} from "./change-records";
import { currentPolicy } from "./policy";
import { unindexed } from "./sql-dialect";

/** Reading change records: the list with its filters, and the editor's live preview (which writes nothing). */

const parse = <T extends z.ZodType>(schema: T, input: unknown) => parseInput(schema, input, "Some fields need attention");

export const changeFiltersSchema = z.object({
  state: z.enum(CHANGE_STATES, { error: `state must be one of: ${CHANGE_STATES.join(", ")}` }).optional(),
  agent: z.string().trim().max(200).optional(),
  /** The source branch a pipeline proposed from. */
  branch: z.string().trim().max(200).optional(),
  risk: z.enum(RISK_LEVELS, { error: `risk must be one of: ${RISK_LEVELS.join(", ")}` }).optional(),
  mine: z.enum(["1", "true"]).optional(),
  needsMySignoff: z.enum(["1", "true"]).optional(),
  ...paging,
});
export type ChangeFilters = z.infer<typeof changeFiltersSchema>;

export function parseChangeFilters(params: SearchParamsInput): ChangeFilters {
  return parseQuery(changeFiltersSchema, params);
}

export type ChangeListItem = {
  id: string;
  number: number;
  state: ChangeState;
  title: string;
  agent: { slug: string; name: string };
  riskTier: RiskLevel | null;
  author: string;
  createdAt: number;
  submittedAt: number | null;
  /** Roles whose sign-off is still pending. */
  waitingOn: Role[];
};

/**
 * The ids of one page, in the list's order. The order is an index's (see db/tables.ts), so a page is read off it;
 * a page past the middle is read from the other end, so the last page costs what the first does.
 */
async function pageOfIds(where: SQL | undefined, total: number, filters: ChangeFilters): Promise<string[]> {
  const offset = (filters.page - 1) * filters.pageSize;
  if (offset >= total) return [];
  const bySubmission = Boolean(filters.needsMySignoff);
  const key = bySubmission ? changeRecords.submittedAt : changeRecords.createdAt;
  const fromEnd = offset + filters.pageSize > total / 2 && offset > 0;
  // Newest first (oldest submitted first for a sign-off queue), then by number, the same way as the key.
  const forward = bySubmission ? [asc(key), asc(changeRecords.number)] : [desc(key), desc(changeRecords.number)];
  const backward = bySubmission ? [desc(key), desc(changeRecords.number)] : [asc(key), asc(changeRecords.number)];
  const query = getDb().select({ id: changeRecords.id }).from(changeRecords).where(where);
  if (!fromEnd)
    return (
      await query
        .orderBy(...forward)
        .limit(filters.pageSize)
        .offset(offset)
    ).map((r) => r.id);
  // Counted from the end: the rows after this page, then this page's rows, reversed back into the list's order.
  const after = Math.max(0, total - offset - filters.pageSize);
  const size = Math.min(filters.pageSize, total - offset);
  return (
    await query
      .orderBy(...backward)
      .limit(size)
      .offset(after)
  )
    .map((r) => r.id)
    .reverse();
}

/** All change records, newest first, with the filters of the list page. */
export async function listChanges(caller: Caller, filters: ChangeFilters): Promise<{ items: ChangeListItem[]; total: number }> {
  assertCanRead(caller);
  const db = getDb();
  const conditions: (SQL | undefined)[] = [];
  if (filters.state) conditions.push(eq(changeRecords.state, filters.state));
  if (filters.branch) conditions.push(eq(changeRecords.branch, filters.branch));
  if (filters.agent) {
    // The slug is resolved first, so the count and the page read change_records' own indexes, without a join.
    const agent = await first(db.select({ id: agents.id }).from(agents).where(eq(agents.slug, filters.agent)));
    conditions.push(agent ? eq(changeRecords.agentId, agent.id) : sql`FALSE`);
  }
  if (filters.risk) conditions.push(eq(changeRecords.riskTier, filters.risk));
  if (filters.mine)
    conditions.push(caller.kind === "user" ? eq(changeRecords.authorId, caller.user.id) : eq(changeRecords.authorTokenId, caller.id));
  if (filters.needsMySignoff) {
    const roles = caller.kind === "user" ? caller.user.roles : [];
    conditions.push(
      or(eq(changeRecords.state, "in_review"), and(eq(changeRecords.state, "released"), isNotNull(changeRecords.retroSignoffDueAt))),
    );
    conditions.push(
      caller.kind === "user" ? or(sql`${changeRecords.authorId} IS NULL`, ne(changeRecords.authorId, caller.user.id)) : sql`FALSE`,
    );
    conditions.push(
      roles.length
        ? exists(
            db
              .select({ one: sql`1` })
              .from(signoffs)
              // `+`: look the change's few sign-offs up by change, not every pending sign-off of the role.
              .where(
                and(
                  eq(signoffs.changeRecordId, changeRecords.id),
                  sql`${unindexed(sql`${signoffs.status}`)} = 'pending'`,
                  sql`${unindexed(sql`${signoffs.role}`)} IN (${sql.join(
                    roles.map((r) => sql`${r}`),
                    sql`, `,
                  )})`,
                ),
              ),
          )
        : sql`FALSE`,
    );
  }
  const where = and(...conditions);
  const total = (await first(
    db
      .select({ n: sql<number>`COUNT(*)` })
      .from(changeRecords)
      .where(where),
  ))!.n;
  const ids = await pageOfIds(where, total, filters);
  const found = ids.length
    ? await db
        .select({ row: changeRecords, agentSlug: agents.slug, agentName: agents.name, authorEmail: users.email, tokenName: apiTokens.name })
        .from(changeRecords)
        .innerJoin(agents, eq(agents.id, changeRecords.agentId))
        .leftJoin(users, eq(users.id, changeRecords.authorId))
        .leftJoin(apiTokens, eq(apiTokens.id, changeRecords.authorTokenId))
        .where(inArray(changeRecords.id, ids))
    : [];
  const byId = new Map(found.map((r) => [r.row.id, r]));
  const rows = ids.flatMap((id) => byId.get(id) ?? []);
  const pending = ids.length
    ? await db
        .select({ changeRecordId: signoffs.changeRecordId, role: signoffs.role })
        .from(signoffs)
        .where(and(inArray(signoffs.changeRecordId, ids), eq(signoffs.status, "pending")))
    : [];
  return {
    total,
    items: rows.map(({ row, agentSlug, agentName, authorEmail, tokenName }) => ({
      id: row.id,
      number: row.number,
      state: row.state,
      title: row.title,
      agent: { slug: agentSlug, name: agentName },
      riskTier: row.riskTier,
      author: authorEmail ?? `token:${tokenName ?? "unknown"}`,
      createdAt: row.createdAt,
      submittedAt: row.submittedAt,
      waitingOn:
        row.state === "in_review" || row.retroSignoffDueAt !== null
          ? pending.filter((p) => p.changeRecordId === row.id).map((p) => p.role)
          : [],
    })),
  };
}

/** What the editor sends for a live preview, whatever it previews. */
export const previewFieldsSchema = z.object({
  spec: z.union([z.string(), z.record(z.string(), z.unknown())]),
  emergency: z.boolean(),
  raisedTier: z.enum(RISK_LEVELS).nullable().catch(null),
  raisedReason: z.string().nullable(),
});

const previewSchema = previewFieldsSchema.extend({ agent: z.string().trim().min(1), changeId: z.string().nullable() });

/** A preview's assessment, once its spec parses: the diff against `base`, tier and reasons, signers. */
export function withAssessment(
  preview: ChangePreview,
  fields: z.output<typeof previewFieldsSchema> & { retire: boolean },
  context: { workflow: Parameters<typeof assessRow>[1]["workflow"]; base: AgentSpec | null },
  policy: SignoffPolicy,
): ChangePreview {
  if (!preview.spec) return preview;
  const assessment = assessRow(
    { raisedTier: fields.raisedTier, tierRaisedReason: fields.raisedReason, emergency: fields.emergency, retire: fields.retire },
    { ...context, head: preview.spec },
    policy,
  )!;
  return {
    ...preview,
    diff: assessment.diff,
    tier: assessment.tier,
    reasons: assessment.reasons,
    required: assessment.required,
    standardChange: assessment.standardChange?.name ?? null,
  };
}

/** What a change would be, as the author types: diff against its base, tier and reasons, signers. Writes nothing. */
export async function previewChange(caller: Caller, input: unknown): Promise<ChangePreview> {
  assertCanRead(caller);
  const data = parse(previewSchema, input);
  const db = getDb();
  const agent = await first(db.select().from(agents).where(eq(agents.slug, data.agent)));
  if (!agent) throw new AppError("not_found", `No agent with slug "${data.agent}"`);
  const workflow = (await first(db.select().from(workflows).where(eq(workflows.id, agent.workflowId))))!;
  const row = data.changeId ? await findChangeRow(db, data.changeId) : null;
  const production = await productionNow(db, agent.id);
  const base = (row ? await comparisonBaseOf(db, row, production) : await baseVersionOf(db, agent.id)) ?? undefined;
  const basedOn = row
    ? row.baseVersionId
      ? ((await first(db.select().from(agentVersions).where(eq(agentVersions.id, row.baseVersionId)))) ?? null)
      : null
    : (base ?? null);
  const read = readSpecInput(data.spec);
  const empty = {
    spec: read.spec,
    yaml: read.spec ? specToYaml(read.spec) : null,
    specIssues: read.issues,
    baseVersion: base?.number ?? null,
    comparedWithProduction: base !== undefined && base.id === production?.versionId,
    basedOn: basedOn?.number ?? null,
    outOfDate: row !== null && isBehindProduction(row, production),
    diff: [],
    tier: null,
    reasons: [],
    required: [],
    standardChange: null,
  };
  return withAssessment(
    empty,
    { ...data, retire: row?.retire ?? false },
    { workflow, base: base?.spec ?? null },
    (await currentPolicy(db)).policy,
  );
}

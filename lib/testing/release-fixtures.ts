import { withTransaction, type DB } from "@/db";
import { apiTokens } from "@/db/schema";
import type { AgentSpec } from "@/lib/domain/spec";
import type { Role, TokenScope } from "@/lib/domain/terms";
import { hashToken, tokenCaller, userCaller, type Caller } from "@/lib/server/caller";
import { getChange, proposeChange } from "@/lib/server/changes";
import { recordEvalRun } from "@/lib/server/evals";
import { promote } from "@/lib/server/promotion";
import { getAgentRecord, getAgentVersion } from "@/lib/server/registry";
import { signOff } from "@/lib/server/signoffs";
import { findActiveUser } from "@/lib/server/users";
import { TEST_UNTIL } from "./demo-estate";

/** Helpers for tests that drive changes through review, promotion and rollback on the seeded estate. */

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

export const as = async (email: string): Promise<Caller> => userCaller((await findActiveUser({ email }))!);

/**
 * The tests' clock: every call is a minute after the last, starting a day after the seed's history
 * ends, so what the tests deploy is always the newest deployment of its environment.
 */
export function testClock(start = TEST_UNTIL + DAY) {
  let t = start;
  return { next: (step = 60_000) => (t += step), peek: () => t };
}

/** Who signs each role in these tests; none of them authors the changes (engineer@ does). */
export const SIGNER: Partial<Record<Role, string>> = {
  workflow_owner: "owner@countersign.test",
  security: "security@countersign.test",
  engineering: "engineer2@countersign.test",
  operations: "ops@countersign.test",
  compliance: "compliance@countersign.test",
};

export const attested = {
  rollbackPlan: "Redeploy the previous approved version from the agent page.",
  rollbackOwner: "ops@countersign.test",
  harmMetrics: [{ name: "refund reversal rate", comparator: ">" as const, threshold: 2, window: "7d" }],
};

export async function productionSpec(slug: string): Promise<AgentSpec> {
  const reader = await as("auditor@countersign.test");
  const record = await getAgentRecord(reader, slug);
  return structuredClone((await getAgentVersion(reader, slug, record.environments.production!.version)).spec);
}

/** engineer@ raises refund-assistant's refunds.create limit: high risk, all four owners asked. */
export async function limitRaise(amount: number, now: number, extra: Record<string, unknown> = {}) {
  const spec = await productionSpec("refund-assistant");
  spec.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit = { amount, unit: "USD" };
  return await proposeChange(
    await as("engineer@countersign.test"),
    { agent: "refund-assistant", title: `Limit ${amount}`, spec, ...attested, ...extra, submit: true },
    now,
  );
}

/** engineer@ proposes a small change to any agent: traces kept a few days longer. */
export async function retentionChange(slug: string, days: number, now: number) {
  const spec = await productionSpec(slug);
  spec.traceRetentionDays += days;
  return await proposeChange(
    await as("engineer@countersign.test"),
    { agent: slug, title: `Keep traces ${days} days longer`, spec, ...attested, submit: true },
    now,
  );
}

/** Every sign-off still asked on the change, approved by its usual signer. */
export async function approveAll(ref: string, clock: { next: () => number }) {
  for (const s of (await getChange(await as("auditor@countersign.test"), ref)).signoffs.filter((x) => x.status === "pending")) {
    await signOff(await as(SIGNER[s.role]!), ref, { role: s.role, decision: "approve" }, clock.next());
  }
  return await getChange(await as("auditor@countersign.test"), ref);
}

export async function stagingEval(
  slug: string,
  specHash: string,
  now: number,
  result: { passed?: number; failed?: number; environment?: string } = {},
  by?: Caller,
) {
  return await recordEvalRun(
    by ?? (await as("engineer2@countersign.test")),
    {
      agent: slug,
      specHash,
      environment: result.environment ?? "staging",
      suite: "regression",
      passed: result.passed ?? 40,
      failed: result.failed ?? 0,
    },
    now,
  );
}

/** An approved change, all the way: development → staging → a clean staging eval → production. */
export async function releaseApproved(ref: string, clock: { next: () => number }, by?: Caller) {
  const caller = by ?? (await as("engineer2@countersign.test"));
  const change = await getChange(caller, ref);
  await promote(caller, ref, { environment: "development" }, clock.next());
  await promote(caller, ref, { environment: "staging" }, clock.next());
  await stagingEval(change.agent.slug, change.specHash!, clock.next());
  return await promote(caller, ref, { environment: "production" }, clock.next());
}

/** An API token with the given scopes, as a caller. */
export async function tokenWith(db: DB, name: string, scopes: TokenScope[]): Promise<Caller> {
  await withTransaction(async (tx) =>
    tx
      .insert(apiTokens)
      .values({ id: `tok_${name}`, name, tokenHash: hashToken(`cs_${name}`), scopes, createdById: "usr_admin", createdAt: TEST_UNTIL }),
  );
  return (await tokenCaller(`cs_${name}`))!;
}

/** A new read-only agent's first spec: it only reads account notes. */
export const NOTE_READER_SPEC: AgentSpec = {
  model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
  instructions: "Summarise the account's notes for the support agent. Never change a record.",
  autonomy: "read_only",
  tools: [{ system: "crm", actions: [{ name: "notes.read", access: "read", approval: "none" }] }],
  forbidden: [],
  traceRetentionDays: 30,
};

/** What registering a note reader in the low-risk account-notes workflow sends, straight to review. */
export function registration(slug: string, extra: Record<string, unknown> = {}) {
  return {
    slug,
    name: `Agent ${slug}`,
    description: "Reads account notes.",
    platform: "openai-agents",
    workflow: "account-notes",
    engineeringOwner: "engineer@countersign.test",
    rollbackOwner: "ops@countersign.test",
    spec: NOTE_READER_SPEC,
    rationale: "Support asked for note summaries.",
    rollbackPlan: "Withdraw the agent from the support sidebar.",
    harmMetrics: [{ name: "wrong summary rate", comparator: ">" as const, threshold: 5, window: "7d" }],
    submit: true,
    ...extra,
  };
}

/** engineer@ proposes retiring an agent, straight to review. */
export async function retirement(slug: string, now: number, extra: Record<string, unknown> = {}) {
  return await proposeChange(
    await as("engineer@countersign.test"),
    { agent: slug, retire: true, title: `Retire ${slug}`, rationale: "Nobody uses it any more.", ...attested, submit: true, ...extra },
    now,
  );
}

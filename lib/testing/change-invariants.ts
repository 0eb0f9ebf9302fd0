import { and, eq } from "drizzle-orm";
import { expect } from "vitest";
import { first, getDb, withTransaction } from "@/db";
import { agents, changeRecords, deployments } from "@/db/schema";
import type { MergeConflict, MergeSide } from "@/lib/domain/spec-merge";
import { OPEN_CHANGE_STATES, type ChangeState, type Environment, type Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import { updateFromProduction } from "@/lib/server/change-update";
import type { ChangeRecordView } from "@/lib/server/change-records";
import { currentDeployment } from "@/lib/server/deployments";
import { editChange, getChange, submitChange, withdrawChange } from "@/lib/server/changes";
import { promote, releaseSteps } from "@/lib/server/promotion";
import { mySignoffQueue, rolesToDecide, signOff, type QueueItem } from "@/lib/server/signoffs";
import { as, attested, stagingEval } from "./release-fixtures";

/**
 * What must hold for every change record of an agent, whatever happened to it (issue 12), and a driver
 * that proves an open change can still finish. Both go through the use cases, as a person would.
 */

type Clock = { next: () => number };

/** The refusals a person may meet; anything else a use case throws is a defect. */
export const REFUSALS: ReadonlySet<string> = new Set(["conflict", "gate_failed", "forbidden", "validation_failed"]);

/** Runs a use case; returns the refusal's code, or "ok". Rethrows anything that is not a refusal. */
export async function attempt(fn: () => unknown): Promise<string> {
  return (await refusalOf(fn))?.code ?? "ok";
}

/** Runs a use case; returns its refusal, or null when it succeeds. Rethrows anything that is not a refusal. */
export async function refusalOf(fn: () => unknown): Promise<AppError | null> {
  try {
    await fn();
    return null;
  } catch (error) {
    if (error instanceof AppError && REFUSALS.has(error.code)) return error;
    throw error;
  }
}

const DOMAIN = "@countersign.test";
const SIGNERS: Partial<Record<Role, string[]>> = {
  workflow_owner: ["owner", "owner2"],
  security: ["security"],
  engineering: ["engineer2", "engineer"],
  operations: ["ops"],
  compliance: ["compliance"],
};

/** The person who usually signs a role: never the change's author. */
export function usualSigner(role: Role, authorEmail: string | null): string {
  const email = (SIGNERS[role] ?? []).map((name) => `${name}${DOMAIN}`).find((e) => e !== authorEmail);
  if (!email) throw new Error(`No usual signer for ${role}`);
  return email;
}

export const authorOf = (view: ChangeRecordView) => (view.author.kind === "user" ? view.author.email : null);
const reader = async () => await as("auditor@countersign.test");
const isOpen = (state: ChangeState) => (OPEN_CHANGE_STATES as readonly ChangeState[]).includes(state);

export async function agentIdOf(slug: string): Promise<string> {
  return (await first(getDb().select({ id: agents.id }).from(agents).where(eq(agents.slug, slug))))!.id;
}

export async function changesOf(slug: string) {
  return await getDb()
    .select({
      id: changeRecords.id,
      number: changeRecords.number,
      state: changeRecords.state,
      baseVersionId: changeRecords.baseVersionId,
      headVersionId: changeRecords.headVersionId,
    })
    .from(changeRecords)
    .where(eq(changeRecords.agentId, await agentIdOf(slug)));
}

const liveSignoffs = (view: ChangeRecordView) => view.signoffs.filter((s) => s.status !== "dismissed");
const approvedOnHash = (view: ChangeRecordView, role: Role) =>
  liveSignoffs(view).some((s) => s.role === role && s.status === "approved" && s.contentHash === view.contentHash);

/** Checks invariants 1, 2, 3 and 5 on every change record of the agent at `now`; `context` says what just happened. */
export async function checkInvariants(slug: string, context: string, now: number) {
  const queues = new Map<string, QueueItem[]>();
  const queueOf = async (email: string) => queues.get(email) ?? queues.set(email, await mySignoffQueue(await as(email))).get(email)!;
  const agentId = await agentIdOf(slug);
  const production = await currentDeployment(getDb(), agentId, "production");
  for (const row of await changesOf(slug)) {
    const at = `CR-${row.number} (${row.state}) after ${context}`;
    if (isOpen(row.state)) {
      const view = await getChange(await reader(), row.id);
      // 2. At most one current sign-off per role.
      const roles = liveSignoffs(view).map((s) => s.role);
      expect(roles, `${at}: one current sign-off per role`).toEqual([...new Set(roles)]);
      if (view.state === "in_review") await checkDecidable(view, queueOf, at, now);
      if (view.state === "approved") await checkApproved(view, at);
    } else if (row.state === "released") {
      // 5. A released change went to production: its head version has a production deployment.
      const deployed = await first(
        getDb()
          .select({ id: deployments.id })
          .from(deployments)
          .where(and(eq(deployments.environment, "production"), eq(deployments.versionId, row.headVersionId ?? ""))),
      );
      expect(deployed, `${at}: its head version was deployed to production`).toBeDefined();
    } else if (row.state === "rolled_back") {
      // 5. A rolled-back change does not run in production.
      expect(production?.version.id, `${at}: production no longer runs it`).not.toBe(row.headVersionId);
    }
  }
}

/** 1 and 3, in review: each role not yet approved on the current hash has one pending sign-off its signer can decide. */
async function checkDecidable(view: ChangeRecordView, queueOf: (email: string) => Promise<QueueItem[]>, at: string, now: number) {
  const live = liveSignoffs(view);
  expect(live.length, `${at}: in review, so someone is asked to sign`).toBeGreaterThan(0);
  const waiting = view.requiredSignoffs.map((r) => r.role).filter((role) => !approvedOnHash(view, role));
  // 3. Every required role approved on the current hash: the change is approved, never left in review.
  expect(waiting, `${at}: in review although every required role approved content ${view.contentHash}`).not.toEqual([]);
  for (const role of waiting) {
    const pending = view.signoffs.filter((s) => s.role === role && s.status === "pending");
    expect(pending.length, `${at}: exactly one pending ${role} sign-off`).toBe(1);
    const signer = usualSigner(role, authorOf(view));
    expect(await rolesToDecide(await as(signer), view), `${at}: ${signer} may decide as ${role}`).toContain(role);
    expect(
      (await queueOf(signer)).some((q) => q.changeId === view.id && q.role === role),
      `${at}: ${signer} sees the ${role} sign-off in their queue`,
    ).toBe(true);
  }
  // And they can, by doing it on a copy: the first of them approves (or, while approval waits for an
  // update from production, requests changes).
  const role = waiting[0]!;
  const decision = view.outOfDate ? { role, decision: "request_changes", comment: "Update it first" } : { role, decision: "approve" };
  const refused = await onACopy(
    async () => await refusalOf(async () => await signOff(await as(usualSigner(role, authorOf(view))), view.id, decision, now)),
  );
  expect(refused?.message ?? null, `${at}: the ${role} signer's ${decision.decision} is accepted`).toBeNull();
}

/** 3, approved: it is approved because every required role approved this content, and the release gate agrees. */
async function checkApproved(view: ChangeRecordView, at: string) {
  if (view.standardChange) return;
  const live = liveSignoffs(view);
  expect(live.length, `${at}: approved by someone`).toBeGreaterThan(0);
  expect(
    live.filter((s) => s.status !== "approved" || s.contentHash !== view.contentHash).map((s) => `${s.role}:${s.status}`),
    `${at}: every current sign-off approved content ${view.contentHash}`,
  ).toEqual([]);
  const gate = (await releaseSteps(await reader(), view.id))
    .find((s) => s.environment === "production")!
    .gates.find((g) => g.gate === "approved_on_current_hash");
  expect(gate?.met, `${at}: the production gate sees it approved (${gate?.reason})`).toBe(true);
}

/** Updates a change from production, resolving every conflict to one side. */
export async function updateResolving(ref: string, side: MergeSide, now: number) {
  const author = await as(authorOf(await getChange(await reader(), ref))!);
  try {
    return await updateFromProduction(author, ref, {}, now);
  } catch (error) {
    const conflicts =
      error instanceof AppError && error.code === "conflict" ? (error.details.conflicts as MergeConflict[] | undefined) : undefined;
    if (!conflicts) throw error;
    return await updateFromProduction(author, ref, { resolutions: Object.fromEntries(conflicts.map((c) => [c.path, side])) }, now);
  }
}

/** Promotes through the ladder by ops@ (never an author), skipping environments that already run the spec. */
async function promoteAllTheWay(ref: string, clock: Clock) {
  const ops = await as("ops@countersign.test");
  const runningAlready = async (environment: Environment) =>
    (await releaseSteps(ops, ref))
      .find((s) => s.environment === environment)!
      .gates.some((g) => g.gate === "not_already_running" && !g.met);
  for (const environment of ["development", "staging"] as const) {
    if (!(await runningAlready(environment))) await promote(ops, ref, { environment }, clock.next());
  }
  const change = await getChange(ops, ref);
  await stagingEval(change.agent.slug, change.specHash!, clock.next());
  await promote(ops, ref, { environment: "production" }, clock.next());
}

/** Release: update from production when out of date, submit, every pending role approves, promote. */
async function releaseAllTheWay(ref: string, clock: Clock) {
  for (let step = 0; step < 8; step++) {
    const view = await getChange(await reader(), ref);
    const author = await as(authorOf(view)!);
    if (!isOpen(view.state)) return;
    if (view.outOfDate) await updateResolving(ref, "ours", clock.next());
    else if (view.state === "draft") await submitChange(author, ref, clock.next());
    else if (view.state === "in_review") {
      for (const s of view.signoffs.filter((x) => x.status === "pending"))
        await signOff(await as(usualSigner(s.role, authorOf(view))), ref, { role: s.role, decision: "approve" }, clock.next());
    } else await promoteAllTheWay(ref, clock);
  }
}

/**
 * Withdrawal: drafts and changes in review are withdrawn; an approved change is first edited back into
 * review. The edit must leave it fit for review against what production runs now, so it also carries the
 * attested fields an escalation needs, and a spec edit when production already runs what it proposes.
 */
export async function withdraw(ref: string, clock: Clock) {
  const view = await getChange(await reader(), ref);
  const author = await as(authorOf(view)!);
  if (view.state === "approved") {
    const fields = { rationale: `${view.rationale} Withdrawn after review.`, ...(view.harmMetrics.length === 0 && attested) };
    if ((await attempt(async () => await editChange(author, ref, fields, clock.next()))) !== "ok") {
      const spec = structuredClone(view.spec!);
      spec.instructions += `\nWithdrawn at ${clock.next()}.`;
      await editChange(author, ref, { ...fields, spec }, clock.next());
    }
  }
  await withdrawChange(author, ref, { reason: "The property test closes what it opened" }, clock.next());
}

/**
 * 4. Drives an open change to release, or failing that to withdrawal, and returns where it ended. A
 * refusal on the release path is allowed (the change may be unreleasable as it stands); a stuck change is not.
 */
export async function driveToTerminal(ref: string, clock: Clock): Promise<{ state: ChangeState; refused: string[] }> {
  const refused: string[] = [];
  const release = await refusalOf(async () => await releaseAllTheWay(ref, clock));
  if (release) refused.push(`release: ${release.message}`);
  if (isOpen((await getChange(await reader(), ref)).state)) {
    const withdrawal = await refusalOf(async () => await withdraw(ref, clock));
    if (withdrawal) refused.push(`withdrawal: ${withdrawal.message}`);
  }
  return { state: (await getChange(await reader(), ref)).state, refused };
}

/** Runs `fn` against the database and throws its writes away, like working on a copy. Copies nest. */
export async function onACopy<T>(fn: () => Promise<T>): Promise<T> {
  let result: { value: T } | null = null;
  try {
    await withTransaction(async () => {
      result = { value: await fn() };
      throw UNDO;
    });
  } catch (error) {
    if (error !== UNDO) throw error;
  }
  return result!.value;
}
const UNDO = new Error("undo the copy");

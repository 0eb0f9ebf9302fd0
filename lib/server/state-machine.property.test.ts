import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { verifyAuditTrail } from "./audit";
import type { Decision } from "@/lib/domain/change-state";
import type { AgentSpec } from "@/lib/domain/spec";
import type { MergeSide } from "@/lib/domain/spec-merge";
import { OPEN_CHANGE_STATES, type ChangeState, type Environment, type Role } from "@/lib/domain/terms";
import {
  agentIdOf,
  attempt,
  authorOf,
  changesOf,
  checkInvariants,
  driveToTerminal,
  onACopy,
  updateResolving,
  usualSigner,
  withdraw,
} from "@/lib/testing/change-invariants";
import { seedDemoEstate } from "@/lib/testing/demo-estate";
import {
  approveAll,
  as,
  attested,
  productionSpec,
  releaseApproved,
  retentionChange,
  stagingEval,
  testClock,
} from "@/lib/testing/release-fixtures";
import { editChange, getChange, proposeChange, submitChange, withdrawChange } from "./changes";
import { currentDeployment } from "./deployments";
import { promote, releaseSteps } from "./promotion";
import { rollback } from "./rollback";
import { signOff } from "./signoffs";

/**
 * Issue 12: whatever people do to the changes of one agent, in whatever order, the change state machine
 * never strands a change. Random sequences of proposals, submissions, edits, decisions, withdrawals,
 * updates from production, promotions and rollbacks run through the real use cases on the demo estate;
 * after every step the invariants of lib/testing/change-invariants.ts hold, and after every sequence each
 * open change can still be released or withdrawn.
 */

const SLUG = "refund-assistant";
const AUTHORS = ["engineer@countersign.test", "engineer2@countersign.test"] as const;
const ASKED_ROLES: Role[] = ["workflow_owner", "security", "engineering", "operations"];
const clock = testClock();
const reader = () => as("auditor@countersign.test");

beforeAll(async () => {
  await seedDemoEstate();
});

/** A spec edit: traces kept longer (low, operations), a refund limit (high in this workflow), new wording, or production's spec back. */
type SpecEdit =
  { kind: "retention"; days: number } | { kind: "limit"; amount: number } | { kind: "instructions"; variant: number } | { kind: "revert" };

type Command =
  | { do: "propose"; author: 0 | 1; edit: SpecEdit; submit: boolean }
  | { do: "submit" | "withdraw"; target: number; byOther: boolean }
  | { do: "edit"; target: number; byOther: boolean; field: "title" | "rationale" | SpecEdit }
  | { do: "decide"; target: number; role: number; decision: Decision; onHash: boolean }
  | { do: "update"; target: number; side: MergeSide }
  | { do: "promote"; target: number; environment: Environment; by: "ops" | "other engineer" | "author"; evalFirst: boolean }
  | { do: "ship"; target: number; by: "ops" | "other engineer" | "author" }
  | { do: "rollback" };

// Plain objects, so that a counterexample prints as it would be typed.
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model, { noNullPrototype: true });

const specEdit: fc.Arbitrary<SpecEdit> = fc.oneof(
  record({ kind: fc.constant("retention" as const), days: fc.constantFrom(7, 30) }),
  record({ kind: fc.constant("limit" as const), amount: fc.constantFrom(25, 100, 500) }),
  record({ kind: fc.constant("instructions" as const), variant: fc.integer({ min: 0, max: 2 }) }),
  { arbitrary: fc.constant({ kind: "revert" as const }), weight: 1 },
);
const target = fc.nat({ max: 11 });
const mostlyAuthor = fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 });

const propose = record({
  do: fc.constant("propose" as const),
  author: fc.constantFrom(0 as const, 1 as const),
  edit: specEdit,
  submit: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
});

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: propose },
  { weight: 2, arbitrary: record({ do: fc.constant("submit" as const), target, byOther: mostlyAuthor }) },
  { weight: 1, arbitrary: record({ do: fc.constant("withdraw" as const), target, byOther: mostlyAuthor }) },
  {
    weight: 2,
    arbitrary: record({
      do: fc.constant("edit" as const),
      target,
      byOther: mostlyAuthor,
      field: fc.oneof(fc.constantFrom("title" as const, "rationale" as const), specEdit),
    }),
  },
  {
    weight: 8,
    arbitrary: record({
      do: fc.constant("decide" as const),
      target,
      role: fc.nat({ max: 4 }),
      decision: fc.constantFrom<Decision>("approve", "approve", "approve", "approve", "reject", "request_changes"),
      onHash: fc.boolean(),
    }),
  },
  { weight: 3, arbitrary: record({ do: fc.constant("update" as const), target, side: fc.constantFrom<MergeSide>("ours", "theirs") }) },
  {
    weight: 4,
    arbitrary: record({
      do: fc.constant("promote" as const),
      target,
      environment: fc.constantFrom<Environment>("development", "staging", "production"),
      by: fc.constantFrom("ops" as const, "other engineer" as const, "author" as const),
      evalFirst: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }),
    }),
  },
  {
    weight: 3,
    arbitrary: record({
      do: fc.constant("ship" as const),
      target,
      by: fc.constantFrom("ops" as const, "other engineer" as const, "author" as const),
    }),
  },
  // Rarely: each rollback walks production further back through its approved versions, runs after runs.
  { weight: 1, arbitrary: fc.constant({ do: "rollback" as const }) },
);

const INSTRUCTIONS = [
  "Quote the refund policy section you relied on.",
  "Offer store credit before a refund when the customer agrees.",
  "Escalate chargebacks to the disputes team instead of refunding.",
];

async function applyEdit(spec: AgentSpec, edit: SpecEdit): Promise<AgentSpec> {
  if (edit.kind === "revert") return await productionSpec(SLUG);
  const next = structuredClone(spec);
  if (edit.kind === "retention") next.traceRetentionDays += edit.days;
  if (edit.kind === "limit")
    next.tools.find((t) => t.system === "stripe")!.actions.find((a) => a.name === "refunds.create")!.limit = {
      amount: edit.amount,
      unit: "USD",
    };
  if (edit.kind === "instructions") next.instructions += `\n${INSTRUCTIONS[edit.variant]}`;
  return next;
}

const isOpen = (state: ChangeState) => (OPEN_CHANGE_STATES as readonly ChangeState[]).includes(state);
const openChanges = async () => (await changesOf(SLUG)).filter((c) => isOpen(c.state));
const otherEngineer = (email: string | null) => AUTHORS.find((a) => a !== email)!;

const runsAlready = async (ref: string, environment: Environment) =>
  (await releaseSteps(await reader(), ref))
    .find((s) => s.environment === environment)!
    .gates.some((g) => g.gate === "not_already_running" && !g.met);

/** The changes a sequence acts on: those it proposes (it starts with none of the agent's open). */
type World = { pool: string[]; proposed: number };

/** Runs one command as the person who would issue it; returns "ok" or the code of the refusal. */
async function run(world: World, cmd: Command): Promise<string> {
  if (cmd.do === "rollback")
    return await attempt(async () =>
      rollback(await as("ops@countersign.test"), SLUG, { environment: "production", reason: "Refund reversals spiked" }, clock.next()),
    );
  if (cmd.do === "propose") {
    const n = ++world.proposed;
    const spec = await applyEdit(await productionSpec(SLUG), cmd.edit);
    return await attempt(async () => {
      const change = await proposeChange(
        await as(AUTHORS[cmd.author]),
        { agent: SLUG, title: `Property change ${n}: ${cmd.edit.kind}`, rationale: "Generated", spec, ...attested, submit: cmd.submit },
        clock.next(),
      );
      world.pool.push(change.id);
    });
  }
  // Mostly the open ones a person would pick for the command (in review for a decision, out of date for
  // an update): a command on a closed change is refused, which a few show well enough.
  const production = (await currentDeployment(getDb(), await agentIdOf(SLUG), "production"))?.version.id;
  const changes = new Map((await changesOf(SLUG)).map((c) => [c.id, c]));
  const wanted = (change: { state: ChangeState; baseVersionId: string | null } | undefined) => {
    if (!change || !isOpen(change.state)) return false;
    if (cmd.do === "decide") return change.state === "in_review";
    if (cmd.do === "promote" || cmd.do === "ship") return change.state !== "draft";
    if (cmd.do === "update") return change.baseVersionId !== production;
    return true;
  };
  const live = world.pool.filter((id) => wanted(changes.get(id)));
  const candidates = live.length && cmd.target % 4 !== 3 ? live : world.pool;
  if (candidates.length === 0) return "no change";
  const ref = candidates[cmd.target % candidates.length]!;
  const view = await getChange(await reader(), ref);
  const author = authorOf(view);
  const actor = (byOther: boolean) => as(byOther ? otherEngineer(author) : author!);
  const deployer = (by: "ops" | "other engineer" | "author") =>
    by === "ops" ? "ops@countersign.test" : by === "author" ? author! : otherEngineer(author);
  switch (cmd.do) {
    case "submit":
      return await attempt(async () => submitChange(await actor(cmd.byOther), ref, clock.next()));
    case "withdraw":
      return await attempt(async () => withdrawChange(await actor(cmd.byOther), ref, {}, clock.next()));
    case "edit": {
      const input =
        cmd.field === "title"
          ? { title: `${view.title} (edited)` }
          : cmd.field === "rationale"
            ? { rationale: `${view.rationale} More context.` }
            : { spec: await applyEdit(view.spec ?? (await productionSpec(SLUG)), cmd.field) };
      return await attempt(async () => editChange(await actor(cmd.byOther), ref, input, clock.next()));
    }
    case "decide": {
      // A pending role when there is one (its usual signer decides); otherwise a role nobody is asked for.
      const pending = view.signoffs.filter((s) => s.status === "pending").map((s) => s.role);
      const role = pending.length ? pending[cmd.role % pending.length]! : ASKED_ROLES[cmd.role % ASKED_ROLES.length]!;
      const input = {
        role,
        decision: cmd.decision,
        ...(cmd.decision !== "approve" && { comment: "Needs another look" }),
        ...(cmd.onHash && view.contentHash && { contentHash: view.contentHash }),
      };
      return await attempt(async () => signOff(await as(usualSigner(role, author)), ref, input, clock.next()));
    }
    case "update":
      return await attempt(() => updateResolving(ref, cmd.side, clock.next()));
    case "promote": {
      if (cmd.environment === "production" && cmd.evalFirst && view.specHash)
        await attempt(() => stagingEval(SLUG, view.specHash!, clock.next()));
      return await attempt(async () => promote(await as(deployer(cmd.by)), ref, { environment: cmd.environment }, clock.next()));
    }
    case "ship": {
      // Up the ladder as far as it goes: development, staging, a clean staging eval, production.
      let outcome = "ok";
      for (const environment of ["development", "staging", "production"] as const) {
        if (environment === "production" && view.specHash) await attempt(() => stagingEval(SLUG, view.specHash!, clock.next()));
        outcome = await attempt(async () => promote(await as(deployer(cmd.by)), ref, { environment }, clock.next()));
        count(`ship: promote to ${environment} ${outcome}`);
        if (outcome !== "ok" && !(await runsAlready(ref, environment))) break;
      }
      return outcome;
    }
  }
}

/** What happened over all runs, to show the sequences reach every state (a property that never releases proves little). */
const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
const tallied = () =>
  [...tally]
    .sort()
    .map(([key, n]) => `${key}: ${n}`)
    .join("\n");

/** Withdraws, for real, every open change of the agent: the withdrawal half of invariant 4. */
async function withdrawAllOpen(context: string) {
  for (const change of await openChanges()) {
    await withdraw(change.id, clock);
    expect((await getChange(await reader(), change.id)).state, `CR-${change.number} withdrawn ${context}`).toBe("withdrawn");
  }
  await checkInvariants(SLUG, `withdrawing every open change ${context}`, clock.peek());
}

async function runSequence(commands: Command[]) {
  // Normally a no-op: after a failed sequence (fast-check replays smaller ones), start from no open change.
  await withdrawAllOpen("left open by an earlier sequence");
  const world: World = { pool: [], proposed: 0 };
  for (const [i, cmd] of commands.entries()) {
    const step = `step ${i + 1} of ${commands.length}: ${JSON.stringify(cmd)}`;
    let outcome: string;
    try {
      outcome = await run(world, cmd);
    } catch (error) {
      throw new Error(`${step} threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    count(`${cmd.do}${cmd.do === "promote" ? ` to ${cmd.environment}` : cmd.do === "decide" ? ` (${cmd.decision})` : ""} ${outcome}`);
    await checkInvariants(SLUG, `${step} → ${outcome}`, clock.peek());
  }
  // 4. No open change is stuck: on a copy, each is driven to release (or, failing that, withdrawn), one after another.
  await onACopy(async () => {
    for (const change of await openChanges()) {
      const end = await driveToTerminal(change.id, clock);
      expect(["released", "withdrawn"], `CR-${change.number} stuck in ${end.state} (${end.refused.join("; ")})`).toContain(end.state);
      count(`finish by ${end.state}`);
      await checkInvariants(SLUG, `driving CR-${change.number} to ${end.state}`, clock.peek());
    }
  });
  // For real, each is withdrawn, so that the next sequence starts with none open.
  await withdrawAllOpen("after the sequence");
}

describe("what the property found", () => {
  // Found by this property (FC_SEED=3): a rollback that puts back exactly what a change in review
  // proposes used to leave it in review with nobody asked. It now goes back to its author as a draft.
  it("a rollback that puts back what a change in review proposes sends it back to its author as a draft", async () => {
    const slug = "meeting-brief-writer";
    const engineer = await as("engineer@countersign.test");
    const ops = await as("ops@countersign.test");
    // A draft proposed from production as it stands (v1), not yet edited.
    const draft = await proposeChange(
      engineer,
      { agent: slug, title: "Brief wording", spec: await productionSpec(slug), ...attested },
      clock.next(),
    );
    // Another change is released: production runs v2. Submitted as it is, the draft now undoes it.
    const traces = await retentionChange(slug, 7, clock.next());
    await approveAll(traces.id, clock);
    await releaseApproved(traces.id, clock, ops);
    const submitted = await submitChange(engineer, draft.id, clock.next());
    expect(submitted.signoffs.filter((s) => s.status === "pending").map((s) => s.role)).toEqual(["operations"]);
    // Operations rolls v2 back: production runs v1 again, what the draft proposes.
    await rollback(ops, slug, { environment: "production", reason: "Briefs lost their traces" }, clock.next());
    const after = await getChange(await reader(), draft.id);
    expect(after.permissionDiff).toEqual([]);
    // The guarantee: a change in review waits on someone who can approve it; this one has nothing to review.
    expect(after.state).toBe("draft");
    expect(after.submissionProblems.spec).toEqual(["The proposed spec is the same as the base version: there is nothing to review"]);
  });
});

describe("the change state machine (issue 12)", () => {
  it("never strands a change: every in-review change is decidable, approvals approve, open changes finish, releases are real", async () => {
    await fc.assert(
      // Every sequence starts with a proposal, so that it has a change to act on.
      fc.asyncProperty(propose, fc.array(command, { maxLength: 24, size: "max" }), (first, rest) => runSequence([first, ...rest])),
      // FC_SEED (and FC_RUNS) try other sequences locally; CI replays the same ones. Runs share the estate, so fast-check's
      // smaller counterexample replays on a later state: the failure names the step and change, and the
      // defect is best pinned down as a plain test, like the one above.
      { numRuns: Number(process.env.FC_RUNS ?? 25), seed: Number(process.env.FC_SEED ?? 12) },
    );
    // The fixed seed's sequences reach every kind of step; another seed (FC_SEED) hunts defects and may not.
    if (process.env.FC_SEED) return console.log(tallied());
    const reached = [
      "propose ok",
      "submit ok",
      "edit ok",
      "decide (approve) ok",
      "decide (request_changes) ok",
      "withdraw ok",
      "update ok",
      "ship: promote to staging ok",
      "ship: promote to production ok",
      "rollback ok",
      "finish by released",
      "finish by withdrawn",
    ];
    for (const key of reached) expect(tally.get(key) ?? 0, `some sequence reached "${key}"; all of them:\n${tallied()}`).toBeGreaterThan(0);
  });
});

it("after every random sequence, the audit trail still replays against the tables", async () => {
  const result = await verifyAuditTrail();
  expect(result.reason).toBeNull();
  expect(result.ok).toBe(true);
});

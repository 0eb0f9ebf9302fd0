import type { Actor, AuditInput } from "../audit";
import { changeContentHash } from "../../lib/domain/change-content";
import { assessChange } from "../../lib/domain/change-assessment";
import { specHash, type AgentSpec } from "../../lib/domain/spec";
import type { ChangeState, Environment, Role, Severity } from "../../lib/domain/terms";
import type * as schema from "../schema";
import type { DemoAgent, DemoWorkflow } from "./estate";
import { containmentHotfix, hotfix, randomMutation, type Mutation } from "./mutations";
import type { Rng } from "./rng";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

type Insert<T extends { $inferInsert: unknown }> = T["$inferInsert"];

/** Every row the history produces, written by the seed in one transaction. */
export type HistoryRows = {
  agentVersions: Insert<typeof schema.agentVersions>[];
  changeRecords: Insert<typeof schema.changeRecords>[];
  signoffs: Insert<typeof schema.signoffs>[];
  deployments: Insert<typeof schema.deployments>[];
  evalRuns: Insert<typeof schema.evalRuns>[];
  incidents: Insert<typeof schema.incidents>[];
  audit: AuditInput[];
};

export type People = {
  actor(key: string): Actor;
  id(key: string): string;
};

type AgentRow = Insert<typeof schema.agents> & { id: string };

type Ctx = {
  rng: Rng;
  rows: HistoryRows;
  people: People;
  nextChangeNumber: () => number;
  start: number;
  until: number;
};

/** Per-agent state while its history is simulated. */
export type AgentSim = {
  agent: AgentRow;
  demo: DemoAgent;
  workflow: DemoWorkflow;
  versionCount: number;
  /** What each environment runs now. */
  running: Partial<Record<Environment, { versionId: string; spec: AgentSpec; deploymentId?: string }>>;
};

const SIGNER_BY_ROLE: Record<Exclude<Role, "workflow_owner" | "engineering">, string> = {
  security: "security",
  operations: "ops",
  compliance: "compliance",
  leader: "leader",
  auditor: "auditor",
  admin: "admin",
};

const COMMENTS = [
  "Looks right.",
  "Checked against the runbook.",
  "Diff matches the ticket.",
  "Evidence is sufficient.",
  "OK for this workflow.",
  "",
];
const REJECTIONS = [
  "Too broad: this grants more than the workflow needs. Split it.",
  "No harm metric covers this risk; add one before we go on.",
  "The eval suite does not exercise the new path.",
];
const CHANGE_REQUESTS = [
  "Please add a harm metric for reversals.",
  "Name the rollback owner explicitly.",
  "Link the eval report for this exact spec.",
];
const INCIDENTS = [
  "Agent acted outside the expected range",
  "Spike in user corrections after release",
  "Customer complaints about wrong answers",
  "Approval queue flooded after release",
  "Tool calls failing with permission errors",
  "Harm metric breached its threshold",
];

/**
 * Simulates one agent's year: its registration, then a steady stream of change records that are
 * proposed, signed, promoted, sometimes rejected or withdrawn, and sometimes rolled back after an
 * incident — obeying every rule the product enforces. Failures are likelier in the first half of the
 * period, as a team that adopts change management would see.
 */
export function simulateAgent(ctx: Ctx, agent: AgentRow, demo: DemoAgent, workflow: DemoWorkflow): AgentSim {
  const sim: AgentSim = { agent, demo, workflow, versionCount: 0, running: {} };
  const { rng, start, until } = ctx;
  let t = agent.createdAt;

  // 1. The agent's first version arrives through a change record like any other.
  t = runChange(ctx, sim, t, { spec: demo.spec, title: `Register ${demo.name}`, rationale: demo.description }, "released", {
    newAgent: true,
  });

  // 2. Changes every couple of weeks; the last three weeks hold the open ones.
  const openFrom = until - 21 * DAY;
  for (;;) {
    t += rng.int(9, 36) * DAY + rng.int(0, 10) * HOUR;
    if (t >= openFrom) break;
    const progress = (t - start) / (until - start);
    const failureRate = progress < 0.5 ? 0.22 : 0.05;
    const outcome = rng.weighted<ChangeState>([
      ["released", 84],
      ["rejected", 6],
      ["withdrawn", 6],
      ["draft", 0],
    ]);
    const current = sim.running.production?.spec ?? demo.spec;
    t = runChange(ctx, sim, t, randomMutation(current, rng), outcome, { failureRate, requestChanges: rng.chance(0.12), progress });
  }

  // 3. Most agents have work in flight, in whatever state it has reached; a few have a second draft.
  if (rng.chance(0.3)) return sim;
  const openAt = openFrom + rng.int(0, 17) * DAY + rng.int(0, 8) * HOUR;
  const openState = rng.weighted<ChangeState>([
    ["draft", 25],
    ["in_review", 50],
    ["approved", 25],
  ]);
  const current = sim.running.production?.spec ?? demo.spec;
  const end = runChange(ctx, sim, Math.min(openAt, until - 6 * HOUR), randomMutation(current, rng), openState, { progress: 1 });
  if (rng.chance(0.2))
    runChange(ctx, sim, Math.min(end + rng.int(1, 30) * HOUR, until - HOUR), randomMutation(current, rng), "draft", { progress: 1 });
  return sim;
}

/**
 * Three stories the demo tells at the end of its history, after every agent's year is simulated (so
 * the rest of the estate is the same with or without them); skipped when the estate lacks the agent:
 * an approved refund-limit change waiting to be promoted, an emergency fix waiting on operations
 * during an open incident, and an emergency release whose retro sign-off is overdue.
 */
export function plantStories(ctx: Ctx, sims: Map<string, AgentSim>): void {
  const { until } = ctx;
  const refunds = sims.get("refund-assistant");
  const running = refunds?.running.production;
  if (refunds && running) {
    const spec = structuredClone(running.spec);
    const action = spec.tools.flatMap((t) => t.actions).find((a) => a.name === "refunds.create");
    if (action) {
      const amount = (action.limit?.amount ?? 50) + 25;
      action.limit = { amount, unit: action.limit?.unit ?? "USD" };
      const mutation = {
        spec,
        title: `Raise the refunds.create limit to ${amount} USD`,
        rationale: "Support leads approve most refunds just above the current limit by hand; this lets the agent issue them.",
      };
      runChange(ctx, refunds, until - 3 * DAY, mutation, "approved", { progress: 1, unstaged: true });
    }
  }
  const crm = sims.get("crm-record-updater");
  if (crm?.running.production) {
    const title = `${crm.demo.name}: wrong addresses written to customer records`;
    openDemoIncident(ctx, crm, until - 13 * HOUR, "sev2", title);
    runChange(ctx, crm, until - 12 * HOUR, containmentHotfix(crm.running.production.spec, title), "released", {
      emergencyFor: title,
      holdRelease: true,
    });
  }
  const triage = sims.get("incident-triage-bot");
  if (triage?.running.production) {
    const title = `${triage.demo.name}: paged the wrong on-call team`;
    const incident = openDemoIncident(ctx, triage, until - 80 * HOUR, "sev3", title);
    runChange(ctx, triage, until - 79 * HOUR, containmentHotfix(triage.running.production.spec, title), "released", {
      emergencyFor: title,
      retroLeftOpen: true,
    });
    const fix = ctx.rows.changeRecords.at(-1)!;
    const resolvedAt = fix.releasedAt! + 30 * 60_000;
    Object.assign(incident, { resolvedAt, resolution: "fix_forward", fixChangeRecordId: fix.id });
    ctx.rows.audit.push({
      at: resolvedAt,
      actor: ctx.people.actor("ops"),
      action: "incident.resolved",
      entityType: "incident",
      entityId: incident.id!,
      payload: { resolution: "fix_forward", fixChange: fix.number },
    });
  }
}

function openDemoIncident(ctx: Ctx, sim: AgentSim, detectedAt: number, severity: Severity, title: string) {
  const incident: Insert<typeof schema.incidents> = {
    id: ctx.rng.id("inc"),
    agentId: sim.agent.id,
    deploymentId: sim.running.production?.deploymentId ?? null,
    severity,
    title,
    detectedAt,
    openedById: ctx.people.id("ops"),
    createdAt: detectedAt,
  };
  ctx.rows.incidents.push(incident);
  ctx.rows.audit.push({
    at: detectedAt,
    actor: ctx.people.actor("ops"),
    action: "incident.opened",
    entityType: "incident",
    entityId: incident.id!,
    payload: { agent: sim.agent.slug, severity, title, deploymentId: incident.deploymentId },
  });
  return incident;
}

type ChangeOptions = {
  newAgent?: boolean;
  failureRate?: number;
  requestChanges?: boolean;
  progress?: number;
  emergencyFor?: string;
  /** Approved without being deployed anywhere yet. */
  unstaged?: boolean;
  /** An emergency change with its one approval, waiting for operations to release it. */
  holdRelease?: boolean;
  /** An emergency release with one retro sign-off still open. */
  retroLeftOpen?: boolean;
};

/** Runs one change record to the given outcome; returns the time its story ends. */
function runChange(ctx: Ctx, sim: AgentSim, createdAt: number, mutation: Mutation, outcome: ChangeState, options: ChangeOptions): number {
  const { rng, rows, people } = ctx;
  const authorKey = options.emergencyFor
    ? sim.demo.engineerKey
    : rng.chance(0.8)
      ? sim.demo.engineerKey
      : otherEngineer(sim.demo.engineerKey);
  const author = people.actor(authorKey);
  const changeId = rng.id("cr");
  const number = ctx.nextChangeNumber();
  const base = sim.running.production;
  const baseSpec = base?.spec ?? null;
  const emergency = Boolean(options.emergencyFor);

  const assessment = assessChange({
    base: baseSpec,
    next: mutation.spec,
    workflow: { name: sim.workflow.name, riskClass: sim.workflow.riskClass },
    emergency,
  });
  const risk = { tier: assessment.tier, reasons: assessment.reasons };
  const standard = assessment.standardChange;
  const required = assessment.required;
  const escalates = assessment.diff.some((i) => i.direction === "escalation" && i.domain === "authority");

  const fields = {
    title: mutation.title,
    rationale: mutation.rationale,
    roleImpacts: assessment.touched.includes("semantics")
      ? [
          {
            role: sim.demo.spec.humanInTheLoop?.reviewer ?? "Support staff",
            impact: "changes" as const,
            description: "Reviews fewer, clearer cases.",
          },
        ]
      : [],
    harmMetrics: escalates ? [{ name: "user correction rate", comparator: ">" as const, threshold: 2, window: "7d" }] : [],
    evidence: {
      pullRequest: `https://git.example.com/agents/${sim.agent.slug}/pull/${number}`,
      evalReport: `https://evals.example.com/${sim.agent.slug}/${number}`,
    },
    rollbackPlan: `Redeploy the previous approved version of ${sim.demo.name} from the agent page.`,
    rollbackOwnerId: people.id("ops"),
    monitoring: `https://grafana.example.com/d/${sim.agent.slug}`,
    emergency,
    emergencyJustification: emergency ? `Stops the harm in incident "${options.emergencyFor}" now; full review within 48 hours.` : null,
  };

  const version = createVersion(ctx, sim, mutation.spec, authorKey, changeId, createdAt);
  let contentHash = changeContentHash(version.specHash, fields);
  const record: Insert<typeof schema.changeRecords> = {
    id: changeId,
    number,
    agentId: sim.agent.id,
    title: fields.title,
    rationale: fields.rationale,
    state: "draft",
    authorId: author.id!,
    baseVersionId: base?.versionId ?? null,
    headVersionId: version.id,
    roleImpacts: fields.roleImpacts,
    harmMetrics: fields.harmMetrics,
    evidence: fields.evidence,
    rollbackPlan: fields.rollbackPlan,
    rollbackOwnerId: fields.rollbackOwnerId,
    monitoring: fields.monitoring,
    emergency,
    emergencyJustification: fields.emergencyJustification,
    standardChange: standard?.name ?? null,
    riskTier: risk.tier,
    riskReasons: risk.reasons,
    assessedWorkflowClass: sim.workflow.riskClass,
    contentHash,
    policyVersion: 1,
    createdAt,
    updatedAt: createdAt,
  };
  rows.changeRecords.push(record);
  const audit = (at: number, actor: Actor, action: string, payload: unknown, entityType = "change_record", entityId = changeId) =>
    rows.audit.push({ at, actor, action, entityType, entityId, payload });
  audit(createdAt, author, "change.created", {
    number,
    agent: sim.agent.slug,
    title: fields.title,
    specHash: version.specHash,
    baseSpecHash: baseSpec ? specHash(baseSpec) : null,
  });

  if (outcome === "draft") return createdAt;

  // Submit, and ask each required role.
  let t = createdAt + rng.int(1, 8) * HOUR;
  const submit = (at: number) => {
    record.state = standard ? "approved" : "in_review";
    record.submittedAt ??= at;
    record.updatedAt = at;
    audit(at, author, "change.submitted", {
      number,
      riskTier: risk.tier,
      contentHash,
      required: required.map((r) => r.role),
      standardChange: standard?.name ?? null,
    });
    if (standard) {
      record.approvedAt = at;
      audit(at, author, "change.approved", { number, standardChange: standard.name, preApproved: true });
    }
    return required.map((r) => {
      const row: Insert<typeof schema.signoffs> = {
        id: rng.id("so"),
        changeRecordId: changeId,
        role: r.role,
        reason: r.reason,
        status: "pending",
        createdAt: at,
      };
      rows.signoffs.push(row);
      return row;
    });
  };
  let pending = submit(t);
  const slow = options.progress !== undefined && options.progress < 0.5 ? 2.5 : 1;
  const decide = (
    row: Insert<typeof schema.signoffs>,
    status: "approved" | "rejected" | "changes_requested",
    at: number,
    comment: string,
  ) => {
    const signerKey = signerFor(row.role, sim, authorKey);
    Object.assign(row, { status, signerId: people.id(signerKey), comment: comment || null, contentHash, decidedAt: at });
    audit(at, people.actor(signerKey), `signoff.${status}`, { number, role: row.role, contentHash, comment: comment || null });
  };
  const dismissAll = (
    rowsToDismiss: Insert<typeof schema.signoffs>[],
    at: number,
    reason: string,
    actor: Actor,
    includeApproved = false,
  ) => {
    for (const row of rowsToDismiss) {
      // A new review round ends every decision of the last one, the request for changes included.
      if (row.status !== "pending" && !(includeApproved && (row.status === "approved" || row.status === "changes_requested"))) continue;
      Object.assign(row, { status: "dismissed", dismissedStatus: row.status, dismissedAt: at, dismissedReason: reason });
      audit(at, actor, "signoff.dismissed", { number, role: row.role, reason });
    }
  };

  // Emergency: operations releases with one approval; the rest is signed within 48 hours.
  if (emergency) {
    const first = pending.find((p) => p.role !== "operations") ?? pending[0];
    if (first) decide(first, "approved", t + rng.int(5, 20) * 60_000, "Approved as an emergency fix.");
    if (options.holdRelease) return t + 20 * 60_000;
    t += 45 * 60_000;
    recordEval(ctx, sim, changeId, version.specHash, t, authorKey, "smoke");
    t += 15 * 60_000;
    deploy(ctx, sim, "production", version, "emergency", t, "ops", changeId, `Emergency fix for "${options.emergencyFor}"`);
    record.state = "released";
    record.releasedAt = t;
    record.retroSignoffDueAt = t + 48 * HOUR;
    audit(t, people.actor("ops"), "change.released", {
      number,
      environment: "production",
      emergency: true,
      retroSignoffDueAt: t + 48 * HOUR,
    });
    let last = t;
    const retro = pending.filter((row) => row.status === "pending");
    for (const row of options.retroLeftOpen ? retro.slice(0, -1) : retro) {
      last = Math.max(last, t + rng.int(2, 40) * HOUR);
      decide(row, "approved", last, "Retro sign-off: fix confirmed.");
    }
    if (options.retroLeftOpen && retro.length > 0) return last;
    record.approvedAt = last;
    record.updatedAt = last;
    sim.agent.lastReviewedAt = last;
    audit(last, people.actor("ops"), "change.retro_signoff_completed", { number });
    return last;
  }

  if (outcome === "withdrawn") {
    const at = t + rng.int(4, 72) * HOUR;
    Object.assign(record, { state: "withdrawn", closedAt: at, updatedAt: at });
    audit(at, author, "change.withdrawn", { number, reason: "Superseded by a smaller change." });
    dismissAll(pending, at, `change withdrawn by ${author.label}`, author);
    return at;
  }

  if (outcome === "rejected" && pending.length > 0) {
    const rejecter = pending.find((p) => p.role === "security") ?? pending[0]!;
    const at = t + rng.int(3, 48) * HOUR;
    decide(rejecter, "rejected", at, rng.pick(REJECTIONS)!);
    Object.assign(record, { state: "rejected", closedAt: at, updatedAt: at });
    audit(at, people.actor(signerFor(rejecter.role, sim, authorKey)), "change.rejected", { number, role: rejecter.role });
    dismissAll(pending, at, "change rejected", people.actor("security"));
    return at;
  }

  // Dev and staging early: development takes any live change, staging one in review.
  if (!options.unstaged) deploy(ctx, sim, "development", version, "promote", t + 20 * 60_000, authorKey, changeId);

  // Sometimes a reviewer sends it back: the author edits, which dismisses the approvals already given.
  if (options.requestChanges && pending.length > 1 && outcome === "released") {
    const [early, asker] = [pending[0]!, pending[1]!];
    decide(early, "approved", t + rng.int(1, 10) * HOUR, rng.pick(COMMENTS)!);
    const askedAt = t + rng.int(11, 30) * HOUR;
    decide(asker, "changes_requested", askedAt, rng.pick(CHANGE_REQUESTS)!);
    Object.assign(record, { state: "draft", updatedAt: askedAt });
    audit(askedAt, people.actor(signerFor(asker.role, sim, authorKey)), "change.changes_requested", { number, role: asker.role });
    const editedAt = askedAt + rng.int(2, 20) * HOUR;
    fields.harmMetrics = [...fields.harmMetrics, { name: "reversal rate", comparator: ">" as const, threshold: 2, window: "7d" }];
    record.harmMetrics = fields.harmMetrics;
    const oldHash = contentHash;
    contentHash = changeContentHash(version.specHash, fields);
    record.contentHash = contentHash;
    audit(editedAt, author, "change.edited", { number, previousContentHash: oldHash, contentHash });
    dismissAll(pending, editedAt, `change edited by ${author.label} at ${new Date(editedAt).toISOString()}`, author, true);
    t = editedAt + HOUR;
    pending = submit(t);
  }

  const staged = t + rng.int(1, 3) * HOUR;
  const evalAt = staged + HOUR;
  if (!options.unstaged) {
    deploy(ctx, sim, "staging", version, "promote", staged, authorKey, changeId);
    if (rng.chance(0.1)) recordEval(ctx, sim, changeId, version.specHash, staged + 20 * 60_000, authorKey, "regression", rng.int(1, 4));
    recordEval(ctx, sim, changeId, version.specHash, evalAt, authorKey, "regression");
  }

  // Sign-offs, in any order, each on the current content hash.
  let approvedAt = t;
  // A change still in review has some roles left to sign.
  const signing = outcome === "in_review" && !standard ? rng.int(0, pending.length - 1) : pending.length;
  pending.slice(0, signing).forEach((row) => {
    const at = t + Math.round(rng.int(1, 30) * HOUR * slow);
    approvedAt = Math.max(approvedAt, at);
    decide(row, "approved", at, rng.pick(COMMENTS)!);
  });
  if (outcome === "in_review") return approvedAt;
  if (!standard) {
    record.state = "approved";
    record.approvedAt = approvedAt;
    record.updatedAt = approvedAt;
    audit(approvedAt, people.actor(authorKey), "change.approved", { number, contentHash });
  }
  if (outcome === "approved") return approvedAt;

  // Production: approved on the current hash, a clean staging eval on this spec, rollback plan and owner.
  const releasedAt = Math.max(approvedAt, evalAt) + Math.round(rng.int(1, 20) * HOUR * slow);
  // By the default policy nobody releases their own high or critical change: operations does then.
  const ownHighRisk = authorKey === sim.demo.engineerKey && (risk.tier === "high" || risk.tier === "critical");
  const deployer = rng.chance(0.6) || ownHighRisk ? "ops" : sim.demo.engineerKey;
  const release = deploy(ctx, sim, "production", version, "promote", releasedAt, deployer, changeId);
  Object.assign(record, { state: "released", releasedAt, updatedAt: releasedAt });
  audit(releasedAt, people.actor(deployer), "change.released", { number, environment: "production", specHash: version.specHash });
  sim.agent.lastReviewedAt = releasedAt;

  // Did it go wrong?
  if (!options.newAgent && options.failureRate && rng.chance(options.failureRate) && base) {
    return failAndRecover(ctx, sim, record, release, base, releasedAt);
  }
  return releasedAt;
}

function failAndRecover(
  ctx: Ctx,
  sim: AgentSim,
  record: Insert<typeof schema.changeRecords>,
  release: Insert<typeof schema.deployments>,
  previous: { versionId: string; spec: AgentSpec },
  releasedAt: number,
): number {
  const { rng, rows, people } = ctx;
  const detectedAt = releasedAt + rng.int(2, 60) * HOUR;
  const title = `${sim.demo.name}: ${rng.pick(INCIDENTS)!.toLowerCase()}`;
  const severity = rng.weighted<Severity>([
    ["sev1", 1],
    ["sev2", 3],
    ["sev3", 4],
    ["sev4", 2],
  ]);
  const incident = openDemoIncident(ctx, sim, detectedAt, severity, title);

  // Three in four failures are rolled back; the rest are fixed forward by an emergency change.
  if (rng.chance(0.75)) {
    const rolledBackAt = detectedAt + rng.int(20, 300) * 60_000;
    const rollbackBy = rng.chance(0.7) ? "ops" : sim.demo.engineerKey;
    const version = { id: previous.versionId, spec: previous.spec, specHash: specHash(previous.spec) };
    deploy(ctx, sim, "production", version, "rollback", rolledBackAt, rollbackBy, null, `Rolled back after "${title}"`);
    Object.assign(record, { state: "rolled_back", closedAt: rolledBackAt, updatedAt: rolledBackAt });
    rows.audit.push({
      at: rolledBackAt,
      actor: people.actor(rollbackBy),
      action: "change.rolled_back",
      entityType: "change_record",
      entityId: record.id!,
      payload: { number: record.number, incidentId: incident.id },
    });
    const resolvedAt = rolledBackAt + rng.int(10, 90) * 60_000;
    Object.assign(incident, { resolvedAt, resolution: "rollback" });
    rows.audit.push({
      at: resolvedAt,
      actor: people.actor("ops"),
      action: "incident.resolved",
      entityType: "incident",
      entityId: incident.id!,
      payload: { resolution: "rollback" },
    });
    return resolvedAt;
  }

  const fixStart = detectedAt + rng.int(15, 90) * 60_000;
  const running = sim.running.production!;
  const fixEnd = runChange(ctx, sim, fixStart, hotfix(running.spec, title), "released", { emergencyFor: title });
  const fix = rows.changeRecords.at(-1)!;
  const resolvedAt = fix.releasedAt! + rng.int(10, 60) * 60_000;
  Object.assign(incident, { resolvedAt, resolution: "fix_forward", fixChangeRecordId: fix.id });
  rows.audit.push({
    at: resolvedAt,
    actor: people.actor("ops"),
    action: "incident.resolved",
    entityType: "incident",
    entityId: incident.id!,
    payload: { resolution: "fix_forward", fixChange: fix.number },
  });
  return Math.max(fixEnd, resolvedAt);
}

function createVersion(ctx: Ctx, sim: AgentSim, spec: AgentSpec, authorKey: string, changeId: string, at: number) {
  sim.versionCount += 1;
  const row = {
    id: ctx.rng.id("ver"),
    agentId: sim.agent.id,
    number: sim.versionCount,
    spec,
    specHash: specHash(spec),
    autonomy: spec.autonomy,
    createdById: ctx.people.id(authorKey),
    changeRecordId: changeId,
    createdAt: at,
  };
  ctx.rows.agentVersions.push(row);
  return row;
}

function deploy(
  ctx: Ctx,
  sim: AgentSim,
  environment: Environment,
  version: { id: string; spec: AgentSpec; specHash: string },
  kind: "promote" | "rollback" | "emergency",
  at: number,
  byKey: string,
  changeId: string | null,
  reason?: string,
) {
  const row: Insert<typeof schema.deployments> = {
    id: ctx.rng.id("dep"),
    agentId: sim.agent.id,
    environment,
    versionId: version.id,
    kind,
    deployedAt: at,
    deployedById: ctx.people.id(byKey),
    changeRecordId: changeId,
    replacedVersionId: sim.running[environment]?.versionId ?? null,
    reason: reason ?? null,
  };
  ctx.rows.deployments.push(row);
  sim.running[environment] = { versionId: version.id, spec: version.spec, deploymentId: row.id! };
  const action = kind === "promote" ? "deployment.promoted" : kind === "rollback" ? "deployment.rolled_back" : "deployment.emergency";
  ctx.rows.audit.push({
    at,
    actor: ctx.people.actor(byKey),
    action,
    entityType: "deployment",
    entityId: row.id!,
    payload: { agent: sim.agent.slug, environment, specHash: version.specHash, changeRecordId: changeId, reason: reason ?? null },
  });
  return row;
}

function recordEval(ctx: Ctx, sim: AgentSim, changeId: string, hash: string, at: number, byKey: string, suite: string, failed = 0) {
  const passed = ctx.rng.int(40, 240);
  const row: Insert<typeof schema.evalRuns> = {
    id: ctx.rng.id("eval"),
    agentId: sim.agent.id,
    changeRecordId: changeId,
    specHash: hash,
    environment: "staging",
    suite: `${sim.agent.slug}-${suite}`,
    passed,
    failed,
    regressions: failed > 0 ? ctx.rng.int(0, failed) : 0,
    reportUrl: `https://evals.example.com/runs/${hash.slice(0, 12)}-${at}`,
    recordedAt: at,
    recordedById: ctx.people.id(byKey),
  };
  ctx.rows.evalRuns.push(row);
  ctx.rows.audit.push({
    at,
    actor: ctx.people.actor(byKey),
    action: "eval.recorded",
    entityType: "eval_run",
    entityId: row.id!,
    payload: { agent: sim.agent.slug, specHash: hash, suite: row.suite, passed, failed },
  });
}

function otherEngineer(key: string): string {
  return key === "engineer" ? "engineer2" : "engineer";
}

/** Who signs a role for a change: never its author, and one person per role. */
function signerFor(role: Role, sim: AgentSim, authorKey: string): string {
  if (role === "workflow_owner") return sim.workflow.ownerKey;
  if (role === "engineering") return otherEngineer(authorKey);
  return SIGNER_BY_ROLE[role];
}

export { HOUR, DAY };

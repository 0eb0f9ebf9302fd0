import { sql } from "drizzle-orm";
import { type AnySQLiteColumn, check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { ActorType } from "../lib/domain/audit-chain";
import type { AgentSpec } from "../lib/domain/spec";
import type { HarmMetric } from "../lib/domain/harm-thresholds";
import { DRIFT_ACTIONS, DRIFT_CLOSED_REASONS, DRIFT_STATES } from "../lib/domain/drift";
import { BREACH_KINDS, type Attributes } from "../lib/domain/runtime";
import { EMAIL_DELIVERIES, MAIL_PURPOSES, MAIL_STATUSES, type NotificationKind } from "../lib/domain/mail-preferences";
import type { DiffItem } from "../lib/domain/permission-diff";
import { DELIVERY_STATUSES, WEBHOOK_FORMATS, type EventEnvelope, type WebhookEventType } from "../lib/domain/webhooks";
import {
  ACCOUNT_LINK_PURPOSES,
  AGENT_STATUSES,
  CHANGE_STATES,
  DEPLOYMENT_KINDS,
  ENVIRONMENTS,
  PLATFORMS,
  RESOLUTIONS,
  RISK_LEVELS,
  ROLES,
  SEVERITIES,
  SIGNOFF_STATUSES,
  type TokenScope,
} from "../lib/domain/terms";

// Every time is UTC epoch milliseconds; every id is text.
const id = () => text("id").primaryKey();
const at = (name: string) => integer(name);

/** SQLite has no enum type: a CHECK keeps each closed vocabulary closed in the database itself. */
const oneOf = (column: string, values: readonly string[]) => sql.raw(`"${column}" IN (${values.map((v) => `'${v}'`).join(", ")})`);

export const users = sqliteTable(
  "users",
  {
    id: id(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash"),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    createdAt: at("created_at").notNull(),
    lastSignedInAt: at("last_signed_in_at"),
  },
  (t) => [uniqueIndex("users_email_unique").on(t.email)],
);

export const userRoles = sqliteTable(
  "user_roles",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ROLES }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.role] }),
    index("user_roles_role_idx").on(t.role),
    check("user_roles_role_check", oneOf("role", ROLES)),
  ],
);

/**
 * One-time links to set a password: an invitation or a reset. Only a SHA-256 of the link's secret is kept;
 * a link works once, until it expires, and a newer link of the same purpose revokes the older ones.
 */
export const accountLinks = sqliteTable(
  "account_links",
  {
    id: id(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    purpose: text("purpose", { enum: ACCOUNT_LINK_PURPOSES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    // Null when issued from the command line (`npm run admin:create`).
    createdById: text("created_by_id").references(() => users.id),
    createdAt: at("created_at").notNull(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [
    uniqueIndex("account_links_hash_unique").on(t.tokenHash),
    index("account_links_user_idx").on(t.userId, t.purpose),
    check("account_links_purpose_check", oneOf("purpose", ACCOUNT_LINK_PURPOSES)),
  ],
);

export const workflows = sqliteTable(
  "workflows",
  {
    id: id(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id),
    riskClass: text("risk_class", { enum: RISK_LEVELS }).notNull(),
    riskReason: text("risk_reason").notNull(),
    createdAt: at("created_at").notNull(),
  },
  (t) => [uniqueIndex("workflows_slug_unique").on(t.slug), check("workflows_risk_check", oneOf("risk_class", RISK_LEVELS))],
);

export const agents = sqliteTable(
  "agents",
  {
    id: id(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    platform: text("platform", { enum: PLATFORMS }).notNull(),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id),
    engineeringOwnerId: text("engineering_owner_id")
      .notNull()
      .references(() => users.id),
    rollbackOwnerId: text("rollback_owner_id")
      .notNull()
      .references(() => users.id),
    status: text("status", { enum: AGENT_STATUSES }).notNull().default("active"),
    // The names its runtime gives it in traces (gen_ai.agent.name / gen_ai.agent.id), besides its slug.
    runtimeNames: text("runtime_names", { mode: "json" }).$type<string[]>().notNull().default([]),
    lastReviewedAt: at("last_reviewed_at"),
    createdAt: at("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("agents_slug_unique").on(t.slug),
    // NOCASE: the inventory sorts by name without case, and the agent search finds names by prefix in any case.
    index("agents_name_idx").on(sql`${t.name} COLLATE NOCASE`),
    index("agents_platform_idx").on(t.platform),
    index("agents_workflow_idx").on(t.workflowId),
    // The inventory: active agents by name, read in order.
    index("agents_status_idx").on(t.status, sql`${t.name} COLLATE NOCASE`),
    check("agents_platform_check", oneOf("platform", PLATFORMS)),
    check("agents_status_check", oneOf("status", AGENT_STATUSES)),
  ],
);

/** Immutable snapshots, like commits: written once, never updated. */
export const agentVersions = sqliteTable(
  "agent_versions",
  {
    id: id(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    number: integer("number").notNull(),
    spec: text("spec", { mode: "json" }).$type<AgentSpec>().notNull(),
    specHash: text("spec_hash").notNull(),
    // Copied out of the spec so lists can filter and sort by it; the spec stays the source.
    autonomy: text("autonomy").notNull(),
    createdById: text("created_by_id").references(() => users.id),
    changeRecordId: text("change_record_id").references((): AnySQLiteColumn => changeRecords.id),
    createdAt: at("created_at").notNull(),
  },
  (t) => [uniqueIndex("agent_versions_agent_number_unique").on(t.agentId, t.number), index("agent_versions_hash_idx").on(t.specHash)],
);

export type RoleImpact = { role: string; impact: "gains" | "loses" | "changes"; description: string };
export type { HarmMetric };
export type Evidence = { pullRequest?: string; evalReport?: string; traceSample?: string };

export const changeRecords = sqliteTable(
  "change_records",
  {
    id: id(),
    number: integer("number").notNull(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    title: text("title").notNull(),
    rationale: text("rationale").notNull().default(""),
    state: text("state", { enum: CHANGE_STATES }).notNull(),
    // A change is proposed by a person or, from a CI pipeline, by an API token acting as itself.
    authorId: text("author_id").references(() => users.id),
    authorTokenId: text("author_token_id").references((): AnySQLiteColumn => apiTokens.id),
    // The author may raise the computed tier (never lower it), saying why.
    raisedTier: text("raised_tier", { enum: RISK_LEVELS }),
    baseVersionId: text("base_version_id").references(() => agentVersions.id),
    headVersionId: text("head_version_id").references(() => agentVersions.id),
    // What the author typed, kept even when it does not parse, so a draft never loses work.
    draftSpecText: text("draft_spec_text"),
    roleImpacts: text("role_impacts", { mode: "json" }).$type<RoleImpact[]>().notNull().default([]),
    harmMetrics: text("harm_metrics", { mode: "json" }).$type<HarmMetric[]>().notNull().default([]),
    evidence: text("evidence", { mode: "json" }).$type<Evidence>().notNull().default({}),
    rollbackPlan: text("rollback_plan").notNull().default(""),
    rollbackOwnerId: text("rollback_owner_id").references(() => users.id),
    monitoring: text("monitoring").notNull().default(""),
    emergency: integer("emergency", { mode: "boolean" }).notNull().default(false),
    emergencyJustification: text("emergency_justification"),
    standardChange: text("standard_change"),
    riskTier: text("risk_tier", { enum: RISK_LEVELS }),
    riskReasons: text("risk_reasons", { mode: "json" }).$type<string[]>().notNull().default([]),
    tierRaisedReason: text("tier_raised_reason"),
    contentHash: text("content_hash"),
    policyVersion: integer("policy_version"),
    createdAt: at("created_at").notNull(),
    updatedAt: at("updated_at").notNull(),
    submittedAt: at("submitted_at"),
    approvedAt: at("approved_at"),
    releasedAt: at("released_at"),
    closedAt: at("closed_at"),
    retroSignoffDueAt: at("retro_signoff_due_at"),
    // A retire change: released, the agent is retired in every environment. Its spec is the one it retires.
    retire: integer("retire", { mode: "boolean" }).notNull().default(false),
    // The workflow's risk class the tier was assessed under, so a later change of class can be told.
    assessedWorkflowClass: text("assessed_workflow_class", { enum: RISK_LEVELS }),
    // Set when the agent moved to a workflow of a higher class while this change was open; cleared by re-assessing.
    reassessmentReason: text("reassessment_reason"),
    // The source branch a CI pipeline proposed this change from: proposing again from it updates this change.
    branch: text("branch"),
  },
  (t) => [
    uniqueIndex("change_records_number_unique").on(t.number),
    // One open change per agent and branch, whoever races to propose it.
    uniqueIndex("change_records_open_branch_unique")
      .on(t.agentId, t.branch)
      .where(sql`"branch" IS NOT NULL AND "state" IN ('draft', 'in_review', 'approved')`),
    // Each ends in the list's order (newest first, then by number), so a page is read off the index, at either end.
    index("change_records_agent_idx").on(t.agentId, t.createdAt, t.number),
    index("change_records_state_idx").on(t.state, t.createdAt, t.number),
    index("change_records_author_idx").on(t.authorId),
    index("change_records_tier_idx").on(t.riskTier, t.createdAt, t.number),
    index("change_records_created_idx").on(t.createdAt, t.number),
    // A sign-off queue's released changes awaiting a retro sign-off, and an agent's open changes, without reading the rest.
    index("change_records_retro_idx").on(t.state, t.retroSignoffDueAt),
    index("change_records_agent_state_idx").on(t.agentId, t.state),
    // Emergency releases whose retro sign-off is still open (completing it sets approved_at): a handful
    // among tens of thousands of releases.
    index("change_records_open_retro_idx")
      .on(t.retroSignoffDueAt)
      .where(sql`"state" = 'released' AND "retro_signoff_due_at" IS NOT NULL AND "approved_at" IS NULL`),
    check("change_records_state_check", oneOf("state", CHANGE_STATES)),
    check("change_records_author_check", sql`("author_id" IS NULL) <> ("author_token_id" IS NULL)`),
  ],
);

export const signoffs = sqliteTable(
  "signoffs",
  {
    id: id(),
    changeRecordId: text("change_record_id")
      .notNull()
      .references(() => changeRecords.id),
    role: text("role", { enum: ROLES }).notNull(),
    reason: text("reason").notNull().default(""),
    status: text("status", { enum: SIGNOFF_STATUSES }).notNull().default("pending"),
    signerId: text("signer_id").references(() => users.id),
    comment: text("comment"),
    contentHash: text("content_hash"),
    // The head version the signer reviewed, so a later round can show them what changed since.
    reviewedVersionId: text("reviewed_version_id").references((): AnySQLiteColumn => agentVersions.id),
    // What that version was compared with when reviewed (production then, or the base it was proposed from).
    reviewedBaseVersionId: text("reviewed_base_version_id").references((): AnySQLiteColumn => agentVersions.id),
    decidedAt: at("decided_at"),
    dismissedAt: at("dismissed_at"),
    dismissedReason: text("dismissed_reason"),
    // What it was when dismissed (pending, approved, changes requested), so history reads truthfully.
    dismissedStatus: text("dismissed_status", { enum: SIGNOFF_STATUSES }),
    createdAt: at("created_at").notNull(),
  },
  (t) => [
    // A change's sign-offs, and whether one person already decided on it (the queue asks per change).
    index("signoffs_change_idx").on(t.changeRecordId, t.signerId),
    index("signoffs_role_status_idx").on(t.role, t.status),
    // Pending sign-offs are open work: few, whatever the length of history.
    index("signoffs_status_change_idx").on(t.status, t.changeRecordId),
    index("signoffs_signer_idx").on(t.signerId),
    check("signoffs_status_check", oneOf("status", SIGNOFF_STATUSES)),
  ],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: id(),
    name: text("name").notNull(),
    // Only a SHA-256 of the token is kept; the token itself is shown once, at issue.
    tokenHash: text("token_hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<TokenScope[]>().notNull(),
    createdById: text("created_by_id")
      .notNull()
      .references(() => users.id),
    createdAt: at("created_at").notNull(),
    expiresAt: at("expires_at"),
    lastUsedAt: at("last_used_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [uniqueIndex("api_tokens_hash_unique").on(t.tokenHash)],
);

export const deployments = sqliteTable(
  "deployments",
  {
    id: id(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => agentVersions.id),
    kind: text("kind", { enum: DEPLOYMENT_KINDS }).notNull(),
    deployedAt: at("deployed_at").notNull(),
    deployedById: text("deployed_by_id").references(() => users.id),
    deployedByTokenId: text("deployed_by_token_id").references(() => apiTokens.id),
    changeRecordId: text("change_record_id").references(() => changeRecords.id),
    replacedVersionId: text("replaced_version_id").references(() => agentVersions.id),
    reason: text("reason"),
  },
  (t) => [
    index("deployments_agent_env_idx").on(t.agentId, t.environment, t.deployedAt),
    index("deployments_env_time_idx").on(t.environment, t.deployedAt),
    index("deployments_time_idx").on(t.deployedAt),
    index("deployments_change_idx").on(t.changeRecordId),
    check("deployments_environment_check", oneOf("environment", ENVIRONMENTS)),
    check("deployments_kind_check", oneOf("kind", DEPLOYMENT_KINDS)),
  ],
);

export const evalRuns = sqliteTable(
  "eval_runs",
  {
    id: id(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    changeRecordId: text("change_record_id").references(() => changeRecords.id),
    specHash: text("spec_hash").notNull(),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    suite: text("suite").notNull(),
    passed: integer("passed").notNull(),
    failed: integer("failed").notNull(),
    regressions: integer("regressions").notNull().default(0),
    reportUrl: text("report_url"),
    recordedAt: at("recorded_at").notNull(),
    recordedById: text("recorded_by_id").references(() => users.id),
    recordedByTokenId: text("recorded_by_token_id").references(() => apiTokens.id),
  },
  (t) => [index("eval_runs_agent_hash_idx").on(t.agentId, t.specHash, t.environment), index("eval_runs_recorded_idx").on(t.recordedAt)],
);

export const incidents = sqliteTable(
  "incidents",
  {
    id: id(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    deploymentId: text("deployment_id").references(() => deployments.id),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    title: text("title").notNull(),
    detectedAt: at("detected_at").notNull(),
    resolvedAt: at("resolved_at"),
    resolution: text("resolution", { enum: RESOLUTIONS }),
    fixChangeRecordId: text("fix_change_record_id").references(() => changeRecords.id),
    // Opened by a person or, from monitoring, by an API token acting as itself.
    openedById: text("opened_by_id").references(() => users.id),
    openedByTokenId: text("opened_by_token_id").references(() => apiTokens.id),
    createdAt: at("created_at").notNull(),
  },
  (t) => [
    index("incidents_agent_idx").on(t.agentId, t.detectedAt),
    index("incidents_detected_idx").on(t.detectedAt),
    index("incidents_deployment_idx").on(t.deploymentId),
    index("incidents_fix_change_idx").on(t.fixChangeRecordId),
    index("incidents_open_idx").on(t.resolvedAt, t.severity),
    // The list's order, read backwards: open ones first, then newest detected.
    index("incidents_list_idx").on(sql`(${t.resolvedAt} IS NULL)`, t.detectedAt),
    check("incidents_severity_check", oneOf("severity", SEVERITIES)),
  ],
);

/**
 * What an environment was observed running: reported by a scheduled platform export, the CLI in CI, or runtime
 * evidence. Compared with the version deployed there at `observedAt`; kept whether in sync or not.
 */
export const observations = sqliteTable(
  "observations",
  {
    id: id(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    // Null when the agent was reported absent: not found on the platform in that environment.
    spec: text("spec", { mode: "json" }).$type<AgentSpec>(),
    specHash: text("spec_hash"),
    source: text("source").notNull(),
    observedAt: at("observed_at").notNull(),
    receivedAt: at("received_at").notNull(),
    // Who reported it: a person or an API token.
    reportedById: text("reported_by_id").references(() => users.id),
    reportedByTokenId: text("reported_by_token_id").references((): AnySQLiteColumn => apiTokens.id),
    // The version deployed to the environment at observedAt, if any; in sync when the hashes match.
    deployedVersionId: text("deployed_version_id").references(() => agentVersions.id),
    inSync: integer("in_sync", { mode: "boolean" }).notNull(),
    driftRecordId: text("drift_record_id").references((): AnySQLiteColumn => driftRecords.id),
  },
  (t) => [
    index("observations_agent_env_idx").on(t.agentId, t.environment, t.observedAt),
    index("observations_drift_idx").on(t.driftRecordId, t.observedAt),
  ],
);

/**
 * A difference between what runs and what was approved, for one agent and environment: at most one open at a
 * time. Its diff and severity are from the approved version to the latest differing observation.
 */
export const driftRecords = sqliteTable(
  "drift_records",
  {
    id: id(),
    number: integer("number").notNull(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    state: text("state", { enum: DRIFT_STATES }).notNull(),
    severity: text("severity", { enum: RISK_LEVELS }).notNull(),
    reasons: text("reasons", { mode: "json" }).$type<string[]>().notNull(),
    diff: text("diff", { mode: "json" }).$type<DiffItem[]>().notNull(),
    // The version approved and deployed when it was last compared; null when nothing was deployed there.
    approvedVersionId: text("approved_version_id").references(() => agentVersions.id),
    // Null when what was last observed is the agent's absence where a version is deployed.
    observedSpec: text("observed_spec", { mode: "json" }).$type<AgentSpec>(),
    observedSpecHash: text("observed_spec_hash"),
    openedAt: at("opened_at").notNull(),
    lastObservedAt: at("last_observed_at").notNull(),
    resolution: text("resolution", { enum: DRIFT_ACTIONS }),
    resolutionReason: text("resolution_reason"),
    resolvedById: text("resolved_by_id").references(() => users.id),
    resolvedAt: at("resolved_at"),
    acceptedUntil: at("accepted_until"),
    // Adopted: the change record whose proposed spec is the observed one.
    changeRecordId: text("change_record_id").references(() => changeRecords.id),
    closedAt: at("closed_at"),
    closedReason: text("closed_reason", { enum: DRIFT_CLOSED_REASONS }),
  },
  (t) => [
    uniqueIndex("drift_records_number_unique").on(t.number),
    uniqueIndex("drift_records_open_unique")
      .on(t.agentId, t.environment)
      .where(sql`"state" = 'open'`),
    index("drift_records_state_idx").on(t.state, t.openedAt),
    index("drift_records_agent_idx").on(t.agentId, t.openedAt),
    check("drift_records_state_check", oneOf("state", DRIFT_STATES)),
  ],
);

/**
 * Runtime evidence, summed per agent, environment, running version and hour (RUNTIME.md). Raw spans are not
 * kept: these sums are what the agent page, the change page and the harm thresholds read, and they stay.
 */
export const runtimeHours = sqliteTable(
  "runtime_hours",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => agentVersions.id),
    hour: at("hour").notNull(),
    decisions: integer("decisions").notNull().default(0),
    toolCalls: integer("tool_calls").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    approvalsRequested: integer("approvals_requested").notNull().default(0),
    approvalsGranted: integer("approvals_granted").notNull().default(0),
    approvalsDenied: integer("approvals_denied").notNull().default(0),
    privilegeRejections: integer("privilege_rejections").notNull().default(0),
    corrections: integer("corrections").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.agentId, t.environment, t.versionId, t.hour] }),
    index("runtime_hours_agent_hour_idx").on(t.agentId, t.hour),
  ],
);

/** Tool calls per action and hour: which actions an agent actually uses, and how often they fail. */
export const runtimeActionHours = sqliteTable(
  "runtime_action_hours",
  {
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => agentVersions.id),
    hour: at("hour").notNull(),
    /** `system:action` as the spec names it, or the tool's own name when the spec has no such action. */
    action: text("action").notNull(),
    calls: integer("calls").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    privilegeRejections: integer("privilege_rejections").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.environment, t.versionId, t.hour, t.action] })],
);

/**
 * Spans already counted, by trace and span id, for two days: an exporter that retries a batch the server took
 * (its answer lost on the way) is not counted twice.
 */
export const runtimeSeenSpans = sqliteTable(
  "runtime_seen_spans",
  {
    key: text("key").primaryKey(),
    seenAt: at("seen_at").notNull(),
  },
  (t) => [index("runtime_seen_spans_seen_idx").on(t.seenAt)],
);

/** A kept trace: every one with a breach, a few others per agent, version and hour; deleted after the agent's traceRetentionDays. */
export const runtimeTraces = sqliteTable(
  "runtime_traces",
  {
    id: id(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => agentVersions.id),
    traceId: text("trace_id").notNull(),
    startedAt: at("started_at").notNull(),
    breach: integer("breach", { mode: "boolean" }).notNull().default(false),
    spans: text("spans", { mode: "json" }).$type<KeptSpan[]>().notNull(),
    expiresAt: at("expires_at").notNull(),
  },
  (t) => [
    uniqueIndex("runtime_traces_trace_unique").on(t.agentId, t.traceId),
    index("runtime_traces_version_idx").on(t.agentId, t.versionId, t.startedAt),
    index("runtime_traces_expires_idx").on(t.expiresAt),
  ],
);

export type KeptSpan = {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  startMs: number;
  endMs: number;
  status: number;
  attributes: Attributes;
};

/** A business metric's value as the business reports it (`POST /api/v1/signals`), for the running version then. */
export const businessSignals = sqliteTable(
  "business_signals",
  {
    id: id(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    versionId: text("version_id").references(() => agentVersions.id),
    metric: text("metric").notNull(),
    value: real("value").notNull(),
    at: at("at").notNull(),
    receivedAt: at("received_at").notNull(),
    reportedById: text("reported_by_id").references(() => users.id),
    reportedByTokenId: text("reported_by_token_id").references((): AnySQLiteColumn => apiTokens.id),
  },
  (t) => [index("business_signals_metric_idx").on(t.agentId, t.environment, t.metric, t.at)],
);

/**
 * What an agent did that its approval did not allow: an authority breach (one record per version, kind and
 * action a day, counting its occurrences) or a harm threshold crossed (one while it stays crossed).
 */
export const breaches = sqliteTable(
  "breaches",
  {
    id: id(),
    number: integer("number").notNull(),
    agentId: text("agent_id")
      .notNull()
      .references(() => agents.id),
    environment: text("environment", { enum: ENVIRONMENTS }).notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => agentVersions.id),
    // The change record that released the running version, when one did.
    changeRecordId: text("change_record_id").references(() => changeRecords.id),
    kind: text("kind", { enum: BREACH_KINDS }).notNull(),
    /** `system:action` for an authority breach, the metric's name for a harm threshold. */
    subject: text("subject").notNull(),
    detail: text("detail").notNull(),
    /** Harm thresholds: the value that crossed, and the threshold as declared. */
    value: real("value"),
    threshold: text("threshold"),
    occurrences: integer("occurrences").notNull().default(1),
    firstAt: at("first_at").notNull(),
    lastAt: at("last_at").notNull(),
    /** Authority breaches: the UTC day of firstAt, so a day's repeats add to one record. */
    day: text("day"),
    traceId: text("trace_id"),
    spanId: text("span_id"),
    incidentId: text("incident_id").references(() => incidents.id),
    /** Harm thresholds: when the metric came back within its threshold. */
    clearedAt: at("cleared_at"),
  },
  (t) => [
    uniqueIndex("breaches_number_unique").on(t.number),
    uniqueIndex("breaches_authority_day_unique")
      .on(t.agentId, t.environment, t.versionId, t.kind, t.subject, t.day)
      .where(sql`"kind" <> 'harm_threshold'`),
    uniqueIndex("breaches_harm_open_unique")
      .on(t.agentId, t.environment, t.versionId, t.subject)
      .where(sql`"kind" = 'harm_threshold' AND "cleared_at" IS NULL`),
    index("breaches_agent_idx").on(t.agentId, t.firstAt),
    index("breaches_change_idx").on(t.changeRecordId),
    check("breaches_kind_check", oneOf("kind", BREACH_KINDS)),
  ],
);

/** The sign-off policy is data: each edit is a new numbered version, and the newest one is in force. */
export const policies = sqliteTable(
  "policies",
  {
    id: id(),
    version: integer("version").notNull(),
    document: text("document", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdById: text("created_by_id").references(() => users.id),
    createdAt: at("created_at").notNull(),
  },
  (t) => [uniqueIndex("policies_version_unique").on(t.version)],
);

/** Append-only and hash-chained; triggers in the migrations refuse UPDATE and DELETE. */
export const auditEvents = sqliteTable(
  "audit_events",
  {
    seq: integer("seq").primaryKey(),
    at: at("at").notNull(),
    actorType: text("actor_type").$type<ActorType>().notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_events_entity_idx").on(t.entityType, t.entityId),
    index("audit_events_at_idx").on(t.at),
    index("audit_events_actor_idx").on(t.actorId),
    // An action, or a family of them by prefix, without reading the trail.
    index("audit_events_action_idx").on(t.action),
  ],
);

/** Instance-wide settings, e.g. the banner that labels a demo estate as demo data. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: at("updated_at").notNull(),
});

/** In-app notifications: a sign-off is needed, a change was decided, a sign-off was dismissed. */
export const notifications = sqliteTable(
  "notifications",
  {
    id: id(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    kind: text("kind").notNull(),
    changeRecordId: text("change_record_id").references(() => changeRecords.id),
    driftRecordId: text("drift_record_id").references((): AnySQLiteColumn => driftRecords.id),
    breachId: text("breach_id").references((): AnySQLiteColumn => breaches.id),
    message: text("message").notNull(),
    createdAt: at("created_at").notNull(),
    readAt: at("read_at"),
  },
  (t) => [index("notifications_user_idx").on(t.userId, t.readAt, t.createdAt)],
);

/**
 * What a person wants emailed, and how. No row: the defaults (sign-off requests and decisions on their own
 * changes, as they happen). `digestSince` is when their last daily digest was made (or digests were chosen):
 * the next digest covers what came after it, and a day's digest is never made twice.
 */
export const emailPreferences = sqliteTable(
  "email_preferences",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    delivery: text("delivery", { enum: EMAIL_DELIVERIES }).notNull(),
    kinds: text("kinds", { mode: "json" }).$type<NotificationKind[]>().notNull(),
    /** The UTC hour (0–23) the daily digest is made. */
    digestHour: integer("digest_hour").notNull(),
    digestSince: at("digest_since").notNull(),
    updatedAt: at("updated_at").notNull(),
  },
  () => [
    check("email_preferences_delivery_check", oneOf("delivery", EMAIL_DELIVERIES)),
    check("email_preferences_digest_hour_check", sql.raw(`"digest_hour" BETWEEN 0 AND 23`)),
  ],
);

/**
 * Email waiting to be sent, written in the same transaction as what caused it and sent by the mail worker.
 * A worker claims a row until `claimed_until` (so two app instances never send it at once); a failure is
 * retried with backoff until a day has passed, then marked failed with the SMTP error. Once sent or failed
 * the body is blanked: an invitation's body holds a one-time link, which is kept nowhere else.
 */
export const mailOutbox = sqliteTable(
  "mail_outbox",
  {
    id: id(),
    purpose: text("purpose", { enum: MAIL_PURPOSES }).notNull(),
    // Null for an address no longer tied to a person.
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    to: text("to_address").notNull(),
    subject: text("subject").notNull(),
    text: text("text_body").notNull(),
    html: text("html_body").notNull(),
    status: text("status", { enum: MAIL_STATUSES }).notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull(),
    claimedUntil: at("claimed_until"),
    claimToken: text("claim_token"),
    lastError: text("last_error"),
    createdAt: at("created_at").notNull(),
    sentAt: at("sent_at"),
  },
  (t) => [
    index("mail_outbox_due_idx").on(t.status, t.nextAttemptAt),
    index("mail_outbox_created_idx").on(t.createdAt),
    check("mail_outbox_purpose_check", oneOf("purpose", MAIL_PURPOSES)),
    check("mail_outbox_status_check", oneOf("status", MAIL_STATUSES)),
  ],
);

/**
 * Idempotency-Key (as Stripe does it): the first successful answer to a caller's write under a key, kept
 * 24 hours and replayed to its retries. `status` is null while that first request is still running.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    id: id(),
    /** `user:<id>` or `token:<id>`: a key is the caller's own. */
    callerId: text("caller_id").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    /** SHA-256 of the request body: a retry must send the same one. */
    requestHash: text("request_hash").notNull(),
    status: integer("status"),
    responseBody: text("response_body"),
    createdAt: at("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("idempotency_keys_request_unique").on(t.callerId, t.key, t.method, t.path),
    index("idempotency_keys_created_idx").on(t.createdAt),
  ],
);

/**
 * A signed-in browser session. The session cookie names its row; signing out or disabling the person
 * revokes it, and a session whose row is revoked, expired or absent is no session at all.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: id(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    createdAt: at("created_at").notNull(),
    expiresAt: at("expires_at").notNull(),
    revokedAt: at("revoked_at"),
    revokedReason: text("revoked_reason"),
  },
  (t) => [index("sessions_user_idx").on(t.userId, t.revokedAt)],
);

export const LOGIN_OUTCOMES = ["success", "failure", "throttled"] as const;
export type LoginOutcome = (typeof LOGIN_OUTCOMES)[number];

/** Every password sign-in attempt: what throttling counts and what admins review. Never the password. */
export const loginAttempts = sqliteTable(
  "login_attempts",
  {
    id: id(),
    email: text("email").notNull(),
    address: text("address").notNull(),
    at: at("at").notNull(),
    outcome: text("outcome", { enum: LOGIN_OUTCOMES }).notNull(),
  },
  (t) => [
    index("login_attempts_email_idx").on(t.email, t.at),
    index("login_attempts_address_idx").on(t.address, t.at),
    index("login_attempts_outcome_idx").on(t.outcome, t.at),
    check("login_attempts_outcome_check", oneOf("outcome", LOGIN_OUTCOMES)),
  ],
);

/**
 * Derived, never edited: what the DORA metrics need about each production deployment (lib/domain/dora-facts.ts),
 * re-derived for an agent in the same transaction as any write to its deployments or incidents, so a range
 * and scope of any size is a sum over rows. The `tier_*` columns are the failure as the risk filter sees it.
 * The agent's workflow and platform are copied here (an agent never changes either) so a scope filters
 * the index it walks instead of joining agents.
 */
export const doraFacts = sqliteTable(
  "dora_facts",
  {
    deploymentId: text("deployment_id").primaryKey(),
    agentId: text("agent_id").notNull(),
    workflowId: text("workflow_id"),
    platform: text("platform"),
    deployedAt: at("deployed_at").notNull(),
    /** The UTC day (days since the epoch) and the Monday 00:00 UTC of its ISO week: what the trend groups by. */
    day: integer("day").notNull(),
    week: at("week").notNull(),
    release: integer("release").notNull(),
    changeRecordId: text("change_record_id"),
    riskTier: text("risk_tier", { enum: RISK_LEVELS }),
    leadMs: integer("lead_ms"),
    rework: text("rework"),
    detectedAt: at("detected_at"),
    failed: integer("failed").notNull(),
    rolledBackBy: text("rolled_back_by"),
    restoredAt: at("restored_at"),
    restoredHow: text("restored_how"),
    /** restored_at − detected_at of a failed release that was restored; the tier_ one as the risk filter sees it. */
    recoveryMs: integer("recovery_ms"),
    tierFailed: integer("tier_failed").notNull(),
    tierRolledBackBy: text("tier_rolled_back_by"),
    tierRestoredAt: at("tier_restored_at"),
    tierRestoredHow: text("tier_restored_how"),
    tierRecoveryMs: integer("tier_recovery_ms"),
  },
  // Covering indexes, so a range is read from one index in order: the edges of a range by day, medians by
  // walking lead times in order (per workflow, platform and tier too, so a scope walks only its own).
  (t) => [
    index("dora_facts_day_idx").on(
      t.day,
      t.workflowId,
      t.platform,
      t.deployedAt,
      t.release,
      t.rework,
      t.failed,
      t.restoredAt,
      t.tierFailed,
      t.tierRestoredAt,
      t.leadMs,
      t.riskTier,
      t.agentId,
    ),
    index("dora_facts_lead_idx")
      .on(t.leadMs, t.deployedAt, t.workflowId, t.platform, t.riskTier, t.agentId)
      .where(sql`${t.leadMs} IS NOT NULL`),
    index("dora_facts_workflow_lead_idx")
      .on(t.workflowId, t.leadMs, t.deployedAt, t.platform, t.riskTier, t.agentId)
      .where(sql`${t.leadMs} IS NOT NULL`),
    index("dora_facts_platform_lead_idx")
      .on(t.platform, t.leadMs, t.deployedAt, t.workflowId, t.riskTier, t.agentId)
      .where(sql`${t.leadMs} IS NOT NULL`),
    index("dora_facts_tier_lead_idx")
      .on(t.riskTier, t.leadMs, t.deployedAt, t.workflowId, t.platform, t.agentId)
      .where(sql`${t.leadMs} IS NOT NULL`),
    index("dora_facts_week_lead_idx")
      .on(t.week, t.leadMs, t.deployedAt, t.workflowId, t.platform, t.riskTier, t.agentId)
      .where(sql`${t.leadMs} IS NOT NULL`),
    index("dora_facts_recovery_idx")
      .on(t.deployedAt, t.recoveryMs, t.workflowId, t.platform, t.riskTier, t.agentId)
      .where(sql`${t.recoveryMs} IS NOT NULL`),
    index("dora_facts_tier_recovery_idx")
      .on(t.riskTier, t.deployedAt, t.tierRecoveryMs, t.workflowId, t.platform, t.agentId)
      .where(sql`${t.tierRecoveryMs} IS NOT NULL`),
    index("dora_facts_agent_idx").on(t.agentId, t.deployedAt),
  ],
);

/**
 * Derived, never edited: the facts summed per UTC day, workflow, platform and risk tier ('' for none),
 * recomputed for the days an agent's facts touch in the same transaction as the facts. A report over
 * whole days reads these rows instead of every deployment.
 */
export const doraDays = sqliteTable(
  "dora_days",
  {
    day: integer("day").notNull(),
    workflowId: text("workflow_id").notNull(),
    platform: text("platform").notNull(),
    riskTier: text("risk_tier").notNull(),
    releases: integer("releases").notNull(),
    failed: integer("failed").notNull(),
    unrecovered: integer("unrecovered").notNull(),
    tierFailed: integer("tier_failed").notNull(),
    tierUnrecovered: integer("tier_unrecovered").notNull(),
    unplanned: integer("unplanned").notNull(),
    total: integer("total").notNull(),
    leads: integer("leads").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.workflowId, t.platform, t.riskTier] }),
    // Covering: a range of days is summed from this index alone, in order.
    index("dora_days_sums_idx").on(
      t.day,
      t.workflowId,
      t.platform,
      t.riskTier,
      t.releases,
      t.failed,
      t.unrecovered,
      t.tierFailed,
      t.tierUnrecovered,
      t.unplanned,
      t.total,
      t.leads,
    ),
  ],
);

/**
 * An endpoint that is sent events: Slack, Microsoft Teams or any HTTP receiver. Its URL and signing secret are kept
 * encrypted (a Slack or Teams URL is itself a credential); lists show only `urlHint`.
 */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: id(),
    name: text("name").notNull(),
    urlEncrypted: text("url_encrypted").notNull(),
    urlHint: text("url_hint").notNull(),
    format: text("format", { enum: WEBHOOK_FORMATS }).notNull(),
    events: text("events", { mode: "json" }).$type<WebhookEventType[]>().notNull(),
    secretEncrypted: text("secret_encrypted").notNull(),
    // An admin's explicit choice to reach an address on this server's own network (loopback, private, link-local).
    allowPrivateNetwork: integer("allow_private_network", { mode: "boolean" }).notNull().default(false),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdById: text("created_by_id").references(() => users.id),
    createdAt: at("created_at").notNull(),
    updatedAt: at("updated_at").notNull(),
    secretRotatedAt: at("secret_rotated_at"),
  },
  () => [check("webhooks_format_check", oneOf("format", WEBHOOK_FORMATS))],
);

/**
 * The outbox: an event is written in the transaction that made it happen, once, when some endpoint wants it.
 * `seq` orders events; each endpoint gets a delivery row per event.
 */
export const outgoingEvents = sqliteTable(
  "outgoing_events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    type: text("type").notNull(),
    occurredAt: at("occurred_at").notNull(),
    changeRecordId: text("change_record_id"),
    envelope: text("envelope", { mode: "json" }).$type<EventEnvelope>().notNull(),
  },
  (t) => [uniqueIndex("outgoing_events_id_unique").on(t.id)],
);

export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: id(),
    webhookId: text("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    eventSeq: integer("event_seq")
      .notNull()
      .references(() => outgoingEvents.seq),
    // Deliveries with the same key (the change, else the event's subject) reach one endpoint in event order.
    orderKey: text("order_key").notNull(),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull(),
    // A sender working on it holds it until then; an expired claim (a crashed sender) frees it again.
    claimedUntil: at("claimed_until"),
    lastAttemptAt: at("last_attempt_at"),
    responseStatus: integer("response_status"),
    responseExcerpt: text("response_excerpt"),
    error: text("error"),
    durationMs: integer("duration_ms"),
    deliveredAt: at("delivered_at"),
    redeliveryOf: text("redelivery_of"),
    createdAt: at("created_at").notNull(),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt),
    index("webhook_deliveries_order_idx").on(t.webhookId, t.orderKey, t.status, t.eventSeq),
    index("webhook_deliveries_list_idx").on(t.webhookId, t.createdAt),
    index("webhook_deliveries_event_idx").on(t.eventSeq),
    check("webhook_deliveries_status_check", oneOf("status", DELIVERY_STATUSES)),
  ],
);

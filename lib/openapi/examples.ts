/**
 * Example answers, in the shapes the routes' JSON functions (lib/server/*-json.ts) give. Requests' examples
 * sit beside their operations, where the test checks each against the operation's schema.
 */

export const SPEC_HASH = "f330b3645c5f91c0bd6fadfd290b59612f31620f6bc907df7d19cb1dae6e30b9";

export const spec = {
  model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
  instructions: "Help customers with refunds under $200. Escalate anything larger to a person.",
  autonomy: "bounded",
  tools: [
    { system: "stripe", actions: [{ name: "refunds.create", access: "write", approval: "none", limit: { amount: 200, unit: "USD" } }] },
  ],
  forbidden: ["stripe:customers.delete"],
  traceRetentionDays: 30,
};

export const deployment = {
  id: "5b0f3c1e-8d2a-4e67-9a41-2c7d9e0b6f13",
  agent: "refund-assistant",
  environment: "production",
  version: 4,
  specHash: SPEC_HASH,
  kind: "promote",
  deployedAt: "2026-11-30T14:02:11.000Z",
  deployedBy: "ops@countersign.test",
  changeNumber: "CR-42",
  replacedVersion: 3,
  reason: null,
};

export const incident = {
  id: "0e6d8c1a-27b4-4f3e-9d15-6a8b7c9d0e21",
  agent: "refund-assistant",
  deploymentId: deployment.id,
  severity: "sev2",
  title: "Refunds issued twice for the same order",
  detectedAt: "2026-11-30T15:20:00.000Z",
  resolvedAt: null,
  resolution: null,
  fixChangeNumber: null,
  openedBy: "ops@countersign.test",
};

export const changeRecord = {
  id: "3d1f7b2a-9c4e-4b8d-a6f0-1e2d3c4b5a69",
  number: "CR-42",
  state: "in_review",
  agent: "refund-assistant",
  title: "Raise the refund limit to $200",
  rationale: "Most refund requests between $100 and $200 are approved by hand anyway.",
  retire: false,
  spec,
  specHash: SPEC_HASH,
  specIssues: [],
  baseVersion: { number: 3, specHash: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809" },
  headVersion: { number: 4, specHash: SPEC_HASH },
  comparedWith: { number: 3, specHash: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809", isProduction: true },
  outOfDate: false,
  production: { version: 3, since: "2026-10-02T09:00:00.000Z", through: "CR-37" },
  riskTier: "high",
  riskReasons: ["raises a spending limit on stripe:refunds.create (100 → 200 USD)"],
  workflowClassChangedSince: null,
  reassessmentReason: null,
  permissionDiff: [
    {
      kind: "limit_changed",
      domain: "permissions",
      direction: "escalation",
      summary: "refunds.create limit raised 100 → 200 USD",
      path: "tools[stripe].actions[refunds.create].limit",
      before: { amount: 100, unit: "USD" },
      after: { amount: 200, unit: "USD" },
    },
  ],
  requiredSignoffs: ["workflow_owner", "security"],
  standardChange: null,
  contentHash: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
  policyVersion: 2,
  roleImpacts: [],
  harmMetrics: [{ name: "refund_reversal_rate", comparator: ">", threshold: 0.02, window: "24h" }],
  evidence: { pullRequest: "https://github.com/acme/agents/pull/118" },
  branch: "raise-refund-limit",
  rollbackPlan: "Roll back to version 3 from the agent page.",
  rollbackOwner: "ops@countersign.test",
  monitoring: "Watch refund_reversal_rate for a day.",
  emergency: null,
  author: "engineer@countersign.test",
  signoffs: [
    {
      role: "workflow_owner",
      status: "approved",
      signer: "owner@countersign.test",
      comment: null,
      contentHash: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
      decidedAt: "2026-11-29T10:12:00.000Z",
      dismissedAt: null,
      dismissedReason: null,
    },
    {
      role: "security",
      status: "pending",
      signer: null,
      comment: null,
      contentHash: null,
      decidedAt: null,
      dismissedAt: null,
      dismissedReason: null,
    },
  ],
  submissionProblems: {},
  createdAt: "2026-11-28T16:40:00.000Z",
  submittedAt: "2026-11-28T17:05:00.000Z",
  approvedAt: null,
  releasedAt: null,
  closedAt: null,
  retroSignoffDueAt: null,
  updatedAt: "2026-11-29T10:12:00.000Z",
};

export const workflow = {
  slug: "customer-refunds",
  name: "Customer refunds",
  owner: "owner@countersign.test",
  riskClass: "high",
  riskReason: "Moves customers' money",
  agents: 2,
  createdAt: "2026-01-12T09:00:00.000Z",
};

export const person = {
  email: "engineer2@countersign.test",
  name: "Sam Engineer",
  roles: ["engineering"],
  status: "active",
  lastSignedInAt: "2026-11-30T08:15:00.000Z",
  createdAt: "2026-01-12T09:00:00.000Z",
};

export const drift = {
  id: "7a9e2c4b-1d3f-4e5a-8b6c-0d9e8f7a6b5c",
  number: "DR-7",
  agent: "refund-assistant",
  environment: "production",
  state: "open",
  severity: "high",
  reasons: ["refunds.create limit raised 200 → 500 USD"],
  diff: [],
  approvedVersion: { number: 4, specHash: SPEC_HASH },
  observedSpecHash: "4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091",
  observedSpec: null,
  openedAt: "2026-12-01T03:00:00.000Z",
  lastObservedAt: "2026-12-02T03:00:00.000Z",
  resolution: null,
  acceptanceLapsedAt: null,
  closedAt: null,
  closedReason: null,
  observationCount: 2,
  observations: [],
};

export const page = <T>(item: T) => ({ items: [item], total: 1 });

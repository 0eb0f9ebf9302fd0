import { editChangeSchema, proposeChangeSchema } from "@/lib/validations/change-record";
import { changeFiltersSchema } from "@/lib/server/change-queries";
import { submitSchema, withdrawSchema } from "@/lib/server/changes";
import { updateFromProductionSchema } from "@/lib/server/change-update";
import { decisionSchema, queuePageSchema } from "@/lib/server/signoffs";
import { changeRecord, page, spec } from "../examples";
import { READ, type ApiOperation } from "../registry";

const id = { id: "The change record's id, or its number as `CR-42`." };
const proposers = {
  token: "changes:write",
  people: "everyone but leaders and auditors (the change's author, for an open change)",
} as const;

export const changeOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/v1/changes",
    tag: "Changes",
    summary: "List change records",
    description: "Newest first. `mine=1`: the caller's own; `needsMySignoff=1`: those waiting for the caller's sign-off.",
    access: READ,
    query: [changeFiltersSchema],
    response: {
      status: 200,
      description: "A page of change records and how many match.",
      example: page({
        id: changeRecord.id,
        number: "CR-42",
        state: "in_review",
        title: changeRecord.title,
        agent: "refund-assistant",
        riskTier: "high",
        author: "engineer@countersign.test",
        createdAt: changeRecord.createdAt,
        submittedAt: changeRecord.submittedAt,
        waitingOn: ["security"],
      }),
    },
  },
  {
    method: "post",
    path: "/api/v1/changes",
    tag: "Changes",
    summary: "Propose a change",
    description:
      "Answers with the change record, its permission diff, risk tier and reasons, and the sign-offs it needs. With `branch`, the agent's open change from that branch (by the same author) is updated instead, answered 200. `retire: true` proposes retiring the agent (no spec).",
    access: proposers,
    body: proposeChangeSchema,
    bodyExamples: {
      propose: {
        summary: "A new version of an agent, sent to review",
        value: {
          agent: "refund-assistant",
          title: "Raise the refund limit to $200",
          rationale: "Most refund requests between $100 and $200 are approved by hand anyway.",
          spec,
          harmMetrics: [{ name: "refund_reversal_rate", comparator: ">", threshold: 0.02, window: "24h" }],
          evidence: { pullRequest: "https://github.com/acme/agents/pull/118" },
          rollbackPlan: "Roll back to version 3 from the agent page.",
          rollbackOwner: "ops@countersign.test",
          monitoring: "Watch refund_reversal_rate for a day.",
          branch: "raise-refund-limit",
          submit: true,
        },
      },
      retire: { summary: "Retire an agent", value: { agent: "refund-assistant", title: "Retire the refund assistant", retire: true } },
    },
    response: {
      status: 201,
      description: "The change record opened.",
      example: changeRecord,
      alsoStatus: { status: 200, description: "A `branch` named the open change proposed from it, which was updated: the change record." },
    },
    errors: { 409: "Another author's change from this branch is open." },
  },
  {
    method: "get",
    path: "/api/v1/changes/{id}",
    tag: "Changes",
    summary: "Read one change record",
    description: "With `sinceRelease`: what its release did in production (null until it reached production).",
    access: READ,
    pathParams: id,
    response: { status: 200, description: "The change record.", example: { ...changeRecord, sinceRelease: null } },
  },
  {
    method: "patch",
    path: "/api/v1/changes/{id}",
    tag: "Changes",
    summary: "Edit a change",
    description: "A draft or a change in review, by its author; an edit in review dismisses the sign-offs given on the old content hash.",
    access: proposers,
    pathParams: id,
    body: editChangeSchema,
    bodyExamples: { title: { summary: "Retitle it", value: { title: "Raise the refund limit to $200 for EU customers" } } },
    response: { status: 200, description: "The change record as edited.", example: changeRecord },
    errors: { 409: "The change is no longer open to edits (approved, released, withdrawn)." },
  },
  {
    method: "post",
    path: "/api/v1/changes/{id}/submit",
    tag: "Changes",
    summary: "Send a draft to review",
    description: "Takes no fields. A standard change is approved at once; a change missing something is a 422 naming each field.",
    access: proposers,
    pathParams: id,
    body: submitSchema,
    bodyOptional: true,
    response: { status: 200, description: "The change record, now in review (or approved).", example: changeRecord },
    errors: { 409: "The change is not a draft." },
  },
  {
    method: "post",
    path: "/api/v1/changes/{id}/withdraw",
    tag: "Changes",
    summary: "Withdraw a change",
    description: "A draft or a change in review, by its author; the sign-offs still asked are dismissed.",
    access: proposers,
    pathParams: id,
    body: withdrawSchema,
    bodyOptional: true,
    bodyExamples: { reason: { summary: "Say why", value: { reason: "Superseded by CR-43" } } },
    response: { status: 200, description: "The withdrawn change record.", example: { ...changeRecord, state: "withdrawn" } },
    errors: { 409: "The change is neither a draft nor in review." },
  },
  {
    method: "post",
    path: "/api/v1/changes/{id}/update-from-production",
    tag: "Changes",
    summary: "Re-base a change on what production runs",
    description:
      "The change's own edits are re-applied on top of production's version. While a field both sides changed has no resolution, the answer is a 409 listing `conflicts: [{path, label, base, ours, theirs}]`.",
    access: proposers,
    pathParams: id,
    body: updateFromProductionSchema,
    bodyOptional: true,
    bodyExamples: { resolve: { summary: "Keep the change's instructions", value: { resolutions: { instructions: "ours" } } } },
    response: { status: 200, description: "The change record, re-based.", example: changeRecord },
    errors: { 409: "Already up to date, or fields both sides changed have no resolution (`conflicts`)." },
    errorExamples: {
      409: {
        error: "conflict",
        message: "CR-42 and production both changed 1 field: choose ours or theirs for each",
        conflicts: [{ path: "instructions", label: "Instructions", base: "Help.", ours: "Help with refunds.", theirs: "Help kindly." }],
      },
    },
  },
  {
    method: "post",
    path: "/api/v1/changes/{id}/signoffs",
    tag: "Sign-offs",
    summary: "Sign off a change",
    description:
      "One person's decision for one role they hold. People only: API tokens never sign off. Nobody signs their own change (nor one proposed by a token they hold); a comment is required to reject or request changes; the decision binds to `contentHash`, and one made on older content is refused.",
    access: { token: null, people: "workflow owners, security, engineering, operations and compliance, for a role they hold" },
    pathParams: id,
    body: decisionSchema,
    bodyExamples: {
      approve: {
        summary: "Approve as security",
        value: { role: "security", decision: "approve", contentHash: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00" },
      },
      requestChanges: {
        summary: "Ask for changes",
        value: { role: "workflow_owner", decision: "request_changes", comment: "Keep the limit at $150 for now." },
      },
    },
    response: {
      status: 200,
      description: "The change's state and sign-offs after the decision, and the whole change record.",
      example: { state: "approved", signoffs: changeRecord.signoffs, change: { ...changeRecord, state: "approved" } },
    },
    errors: { 409: "The change is not in review, the content changed since the signer read it, or the role was already signed." },
  },
  {
    method: "get",
    path: "/api/v1/signoffs/mine",
    tag: "Sign-offs",
    summary: "My sign-off queue",
    description:
      "The caller's queue, oldest first, with each retro sign-off's deadline; `total` counts the whole queue. A token's queue is always empty: tokens never sign off.",
    access: READ,
    query: [queuePageSchema],
    response: {
      status: 200,
      description: "A page of the queue.",
      example: page({
        change: changeRecord.id,
        number: "CR-42",
        title: changeRecord.title,
        agent: "refund-assistant",
        riskTier: "high",
        role: "security",
        attests: "The change does not widen access beyond what the workflow needs.",
        waitingSince: "2026-11-28T17:05:00.000Z",
        retroSignoffDueAt: null,
      }),
    },
  },
];

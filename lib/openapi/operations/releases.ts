import { deploymentFiltersSchema } from "@/lib/server/deployments";
import { evalRunSchema } from "@/lib/server/evals";
import { incidentFiltersSchema, openIncidentSchema, updateIncidentSchema } from "@/lib/server/incidents";
import { promoteSchema } from "@/lib/server/promotion";
import { rollbackSchema } from "@/lib/server/rollback";
import { deployment, incident, page, SPEC_HASH } from "../examples";
import { READ, type ApiOperation } from "../registry";

const changeId = { id: "The change record's id, or its number as `CR-42`." };
const releasers = { token: "deploy", people: "engineering and operations (an emergency release: operations only, never a token)" } as const;
const incidentHandlers = { token: "deploy", people: "operations, engineering, security, workflow owners and compliance" } as const;
const gates = [
  { gate: "change_state", met: true, reason: "CR-42 is approved", fixBy: null },
  {
    gate: "staging_eval",
    met: false,
    reason: "no eval run recorded in staging for spec 9f2c4e7a",
    fixBy: "the author: run the eval suite in staging",
  },
];

export const releaseOperations: ApiOperation[] = [
  {
    method: "post",
    path: "/api/v1/changes/{id}/promote",
    tag: "Releases",
    summary: "Promote a change to an environment",
    description:
      "Places the change's version in the environment. The gates are checked inside the write, so of concurrent requests exactly one deploys. While the evidence is not there yet, the answer is a 409 `gate_failed` listing every gate.",
    access: releasers,
    pathParams: changeId,
    body: promoteSchema,
    bodyExamples: { production: { summary: "Release to production", value: { environment: "production" } } },
    response: { status: 200, description: "The deployment made.", example: { deployment } },
    errors: { 409: "`gate_failed`: a gate is not met (`gates` lists each with its reason and who can fix it)." },
    errorExamples: {
      409: { error: "gate_failed", message: "CR-42 cannot go to production: no eval run recorded in staging for spec 9f2c4e7a", gates },
    },
  },
  {
    method: "post",
    path: "/api/v1/changes/{id}/retire",
    tag: "Releases",
    summary: "Release an approved retire change",
    description:
      "Takes no fields. One `retire` deployment per environment the agent ran in; the agent is retired and its other open changes withdrawn.",
    access: releasers,
    pathParams: changeId,
    bodyOptional: true,
    response: {
      status: 200,
      description: "The retire deployments.",
      example: { deployments: [{ ...deployment, kind: "retire", version: null, specHash: null }] },
    },
    errors: { 409: "`gate_failed` while its gates are not met, or when the change retires nothing.", 422: "The request sent fields." },
  },
  {
    method: "post",
    path: "/api/v1/agents/{slug}/rollback",
    tag: "Releases",
    summary: "Roll an environment back",
    description:
      "Redeploys the previous approved version. In production it also marks the change that introduced the bad version rolled back and links (or opens) its incident. `expectedVersion` is the version you saw running there (409 if it changed meanwhile), so that a retry cannot roll back twice; it is required unless the request sends an `Idempotency-Key`.",
    access: { token: "deploy", people: "the agent's rollback owner and operations" },
    pathParams: { slug: "The agent's slug." },
    body: rollbackSchema,
    bodyExamples: {
      rollback: {
        summary: "Roll production back",
        value: { environment: "production", reason: "Refunds issued twice", severity: "sev2", expectedVersion: 4 },
      },
    },
    response: {
      status: 200,
      description: "The rollback deployment, the change marked rolled back, and the incident opened or linked (production only).",
      example: { deployment: { ...deployment, kind: "rollback", version: 3, replacedVersion: 4 }, rolledBackChange: "CR-42", incident },
    },
    errors: { 409: "The environment no longer runs `expectedVersion`, has nothing to roll back to, or the agent is retired." },
  },
  {
    method: "get",
    path: "/api/v1/deployments",
    tag: "Releases",
    summary: "The deployment log",
    description: "Newest first; `from` and `to` are ISO-8601 dates or times.",
    access: READ,
    query: [deploymentFiltersSchema],
    response: { status: 200, description: "A page of deployments.", example: page(deployment) },
  },
  {
    method: "post",
    path: "/api/v1/evals",
    tag: "Releases",
    summary: "Record an eval run",
    description: "Against a version of the agent, named by its spec hash (which must be one of the agent's versions).",
    access: { token: "evals:write", people: "engineering and operations" },
    body: evalRunSchema,
    bodyExamples: {
      run: {
        summary: "A passing suite in staging",
        value: {
          agent: "refund-assistant",
          specHash: SPEC_HASH,
          environment: "staging",
          suite: "refund-regressions",
          passed: 48,
          failed: 0,
          reportUrl: "https://ci.example.com/runs/5521",
        },
      },
    },
    response: {
      status: 201,
      description: "The eval run recorded.",
      example: {
        id: "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e",
        agent: "refund-assistant",
        specHash: SPEC_HASH,
        version: 4,
        environment: "staging",
        suite: "refund-regressions",
        passed: 48,
        failed: 0,
        regressions: 0,
        reportUrl: "https://ci.example.com/runs/5521",
        changeNumber: "CR-42",
        recordedAt: "2026-11-29T10:40:00.000Z",
        recordedBy: "token:ci-pipeline",
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/incidents",
    tag: "Incidents",
    summary: "List incidents",
    description: "Open ones first.",
    access: READ,
    query: [incidentFiltersSchema],
    response: { status: 200, description: "A page of incidents.", example: page(incident) },
  },
  {
    method: "post",
    path: "/api/v1/incidents",
    tag: "Incidents",
    summary: "Open an incident",
    access: incidentHandlers,
    body: openIncidentSchema,
    bodyExamples: {
      open: {
        summary: "A sev2 on the refund assistant",
        value: { agent: "refund-assistant", severity: "sev2", title: "Refunds issued twice" },
      },
    },
    response: { status: 201, description: "The incident opened.", example: incident },
  },
  {
    method: "get",
    path: "/api/v1/incidents/{id}",
    tag: "Incidents",
    summary: "Read one incident",
    access: READ,
    pathParams: { id: "The incident's id." },
    response: { status: 200, description: "The incident.", example: incident },
  },
  {
    method: "patch",
    path: "/api/v1/incidents/{id}",
    tag: "Incidents",
    summary: "Edit or resolve an incident",
    access: incidentHandlers,
    pathParams: { id: "The incident's id." },
    body: updateIncidentSchema,
    bodyExamples: {
      resolve: { summary: "Resolved by rolling back", value: { resolution: "rollback", resolvedAt: "2026-11-30T16:05:00Z" } },
    },
    response: {
      status: 200,
      description: "The incident as saved.",
      example: { ...incident, resolution: "rollback", resolvedAt: "2026-11-30T16:05:00.000Z" },
    },
    errors: { 409: "The incident is already resolved." },
  },
];

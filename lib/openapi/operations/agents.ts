import { registerAgentSchema } from "@/lib/validations/agent-registration";
import { agentDetailsSchema } from "@/lib/validations/agent-details";
import { agentFiltersSchema, agentSearchSchema } from "@/lib/server/agents";
import { importSchema } from "@/lib/server/import";
import { changeRecord, page, SPEC_HASH, spec } from "../examples";
import { READ, type ApiOperation } from "../registry";

const slug = { slug: "The agent's slug, e.g. `refund-assistant`." };
const environments = {
  development: { version: 4, specHash: SPEC_HASH, deployedAt: "2026-11-28T17:30:00.000Z" },
  staging: { version: 4, specHash: SPEC_HASH, deployedAt: "2026-11-29T11:00:00.000Z" },
  production: {
    version: 3,
    specHash: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809",
    deployedAt: "2026-10-02T09:00:00.000Z",
  },
};

export const agentOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/v1/agents",
    tag: "Agents",
    summary: "List the agent inventory",
    description:
      "Each agent's workflow, status, autonomy, the version in each environment and who approved production's. With no `status`, the agents that run or are about to (active and proposed).",
    access: READ,
    query: [agentFiltersSchema],
    response: {
      status: 200,
      description: "A page of agents and how many match.",
      example: page({
        slug: "refund-assistant",
        name: "Refund assistant",
        status: "active",
        registration: null,
        platform: "openai-agents",
        workflow: { slug: "customer-refunds", name: "Customer refunds", riskClass: "high" },
        autonomy: "bounded",
        environments,
        productionApprovals: [{ role: "workflow_owner", signer: "owner@countersign.test" }],
        productionStandardChange: null,
        lastDeployedAt: "2026-11-29T11:00:00.000Z",
        lastReviewedAt: "2026-10-02T09:00:00.000Z",
        openChanges: 1,
        posture: null,
      }),
    },
  },
  {
    method: "post",
    path: "/api/v1/agents",
    tag: "Agents",
    summary: "Register a new agent through review",
    description:
      "The agent is created `proposed`, with the change record of its first spec (no base version); it becomes active when that change is released to production.",
    access: { token: "changes:write", people: "engineering and workflow owners" },
    body: registerAgentSchema,
    bodyExamples: {
      register: {
        summary: "A new agent, sent to review at once",
        value: {
          slug: "refund-assistant",
          name: "Refund assistant",
          description: "Answers refund requests in the help centre.",
          platform: "openai-agents",
          workflow: "customer-refunds",
          engineeringOwner: "engineer@countersign.test",
          rollbackOwner: "ops@countersign.test",
          spec,
          title: "Register the refund assistant",
          rationale: "Refund requests wait two days for a person today.",
          rollbackPlan: "Retire the agent; refunds go back to the queue.",
          monitoring: "refund_reversal_rate, daily",
          submit: true,
        },
      },
    },
    response: {
      status: 201,
      description: "The agent (proposed) and its first change record.",
      example: {
        agent: {
          slug: "refund-assistant",
          name: "Refund assistant",
          description: "Answers refund requests in the help centre.",
          platform: "openai-agents",
          workflow: { slug: "customer-refunds", name: "Customer refunds", riskClass: "high" },
          engineeringOwner: "engineer@countersign.test",
          rollbackOwner: "ops@countersign.test",
          status: "proposed",
          createdAt: "2026-11-28T16:40:00.000Z",
        },
        change: { ...changeRecord, baseVersion: null, production: null },
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/agent-search",
    tag: "Agents",
    summary: "Find agents by name or slug",
    description:
      "Agents whose name or slug starts with, then contains, `q` (any case, taken literally), by name. What the agent pickers ask.",
    access: READ,
    query: [agentSearchSchema],
    response: {
      status: 200,
      description: "Matching agents, at most `limit`.",
      example: { items: [{ slug: "refund-assistant", name: "Refund assistant", status: "active" }] },
    },
  },
  {
    method: "get",
    path: "/api/v1/agents/{slug}",
    tag: "Agents",
    summary: "Read one agent",
    description:
      "Owners, runtime names, each environment (version, since, by whom, through which change, approvals), versions still running that were rolled back elsewhere, and every version.",
    access: READ,
    pathParams: slug,
    response: {
      status: 200,
      description: "The agent.",
      example: {
        slug: "refund-assistant",
        name: "Refund assistant",
        description: "Answers refund requests in the help centre.",
        platform: "openai-agents",
        status: "active",
        workflow: {
          slug: "customer-refunds",
          name: "Customer refunds",
          riskClass: "high",
          riskReason: "Moves customers' money",
          owner: "owner@countersign.test",
        },
        engineeringOwner: "engineer@countersign.test",
        rollbackOwner: "ops@countersign.test",
        runtimeNames: ["refund-assistant"],
        lastReviewedAt: "2026-10-02T09:00:00.000Z",
        environments: {},
        stillRunningRolledBack: [],
        versions: [
          {
            number: 4,
            specHash: SPEC_HASH,
            createdAt: "2026-11-28T16:40:00.000Z",
            createdBy: "engineer@countersign.test",
            changeNumber: "CR-42",
          },
        ],
      },
    },
  },
  {
    method: "patch",
    path: "/api/v1/agents/{slug}",
    tag: "Agents",
    summary: "Edit an agent's details",
    description:
      "People by email, the workflow by slug; `runtimeNames` (the names its traces give it) replace the list. A move to a workflow of a higher risk class re-assesses the agent's open changes (`reassessedChanges`).",
    access: { token: null, people: "admins and the agent's engineering owner" },
    pathParams: slug,
    body: agentDetailsSchema,
    bodyExamples: {
      owners: { summary: "Hand the agent to another engineer", value: { engineeringOwner: "engineer2@countersign.test" } },
      runtimeNames: { summary: "Name it as its traces do", value: { runtimeNames: ["refund-assistant", "refunds-bot"] } },
    },
    response: {
      status: 200,
      description: "The agent's details as saved.",
      example: {
        slug: "refund-assistant",
        name: "Refund assistant",
        description: "Answers refund requests in the help centre.",
        engineeringOwner: "engineer2@countersign.test",
        rollbackOwner: "ops@countersign.test",
        workflow: { slug: "customer-refunds", name: "Customer refunds", riskClass: "high" },
        runtimeNames: ["refund-assistant"],
        reassessedChanges: [],
      },
    },
    errors: { 409: "A runtime name already leads to another agent." },
  },
  {
    method: "get",
    path: "/api/v1/agents/{slug}/versions/{n}",
    tag: "Agents",
    summary: "Read one version's spec",
    access: READ,
    pathParams: { ...slug, n: "The version number (1, 2, …)." },
    extraQuery: [
      {
        name: "format",
        description: "`json` (default) answers `{number, specHash, spec}`; `yaml` answers the spec as YAML, its hash in `X-Spec-Hash`.",
        schema: { type: "string", enum: ["json", "yaml"], default: "json" },
      },
    ],
    response: {
      status: 200,
      description: "The version.",
      example: { number: 4, specHash: SPEC_HASH, spec },
      alsoContent: {
        "application/yaml": { example: "model:\n  provider: openai\n  name: gpt-4.1\n  version: 2025-04-14\nautonomy: bounded\n" },
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/agents/{slug}/diff",
    tag: "Agents",
    summary: "Compare two versions",
    description: "The permission diff (escalations first) and the instructions' line diff between any two versions.",
    access: READ,
    pathParams: slug,
    extraQuery: [
      { name: "from", description: "The older version number.", schema: { type: "integer", minimum: 1 }, required: true },
      { name: "to", description: "The newer version number.", schema: { type: "integer", minimum: 1 }, required: true },
    ],
    response: {
      status: 200,
      description: "The two versions and what changed between them.",
      example: {
        from: 3,
        to: 4,
        items: changeRecord.permissionDiff,
        instructions: [{ type: "unchanged", text: "Help customers with refunds." }],
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/agents/{slug}/as-of",
    tag: "Agents",
    summary: "What each environment ran at an instant",
    access: READ,
    pathParams: slug,
    extraQuery: [
      {
        name: "at",
        description: "An ISO-8601 time, e.g. `2026-03-01T12:00:00Z`.",
        schema: { type: "string", format: "date-time" },
        required: true,
      },
    ],
    response: {
      status: 200,
      description: "Each environment's version then, through which change record, approved by whom.",
      example: { at: "2026-11-01T00:00:00.000Z", environments: {} },
    },
  },
  {
    method: "post",
    path: "/api/v1/import",
    tag: "Agents",
    summary: "Read a platform's definitions as specs",
    description:
      "A read sent as POST (the files are the body): writes nothing. The platform is detected unless named; a file of no platform is a 422 naming it.",
    access: READ,
    body: importSchema,
    bodyExamples: {
      openai: {
        summary: "An OpenAI Agents SDK file",
        value: {
          files: [
            {
              path: "agents/refunds.py",
              content: 'from agents import Agent\nagent = Agent(name="Refund assistant", instructions="Help.")\n',
            },
          ],
          platform: "openai-agents",
        },
      },
    },
    response: {
      status: 200,
      description: "The definitions read as canonical specs, with provenance and warnings.",
      example: {
        platform: "openai-agents",
        agents: [{ name: "Refund assistant", description: "", platform: "openai-agents", spec, provenance: [], warnings: [] }],
        toolsets: [],
        warnings: [],
      },
    },
  },
];

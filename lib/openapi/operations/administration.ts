import { createWorkflowSchema, updateWorkflowSchema } from "@/lib/validations/workflow";
import { addPersonSchema, updatePersonSchema } from "@/lib/validations/people";
import { peopleQuery } from "@/lib/server/people";
import { workflowFiltersSchema } from "@/lib/server/workflows";
import { page, person, workflow } from "../examples";
import { READ, type ApiOperation } from "../registry";

const admins = { token: null, people: "admins" } as const;
const email = { email: "The person's email address (URL-encoded)." };
const slug = { slug: "The workflow's slug, e.g. `customer-refunds`." };

export const administrationOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/v1/workflows",
    tag: "Administration",
    summary: "List workflows",
    access: READ,
    query: [workflowFiltersSchema],
    response: { status: 200, description: "A page of workflows, each with how many agents it has.", example: page(workflow) },
  },
  {
    method: "post",
    path: "/api/v1/workflows",
    tag: "Administration",
    summary: "Create a workflow",
    description: "Its slug is made from its name.",
    access: admins,
    body: createWorkflowSchema,
    bodyExamples: {
      create: {
        summary: "A high-risk workflow",
        value: { name: "Customer refunds", owner: "owner@countersign.test", riskClass: "high", riskReason: "Moves customers' money" },
      },
    },
    response: { status: 201, description: "The workflow created.", example: { ...workflow, agents: 0 } },
  },
  {
    method: "get",
    path: "/api/v1/workflows/{slug}",
    tag: "Administration",
    summary: "Read one workflow",
    access: READ,
    pathParams: slug,
    response: { status: 200, description: "The workflow.", example: workflow },
  },
  {
    method: "patch",
    path: "/api/v1/workflows/{slug}",
    tag: "Administration",
    summary: "Edit a workflow",
    description:
      "Rename it, change its owner, or its risk class (always with `riskReason`); a higher class re-assesses its agents' open changes.",
    access: admins,
    pathParams: slug,
    body: updateWorkflowSchema,
    bodyExamples: {
      riskClass: { summary: "Raise its risk class", value: { riskClass: "critical", riskReason: "Now issues refunds of any size" } },
    },
    response: { status: 200, description: "The workflow as saved.", example: { ...workflow, riskClass: "critical" } },
  },
  {
    method: "get",
    path: "/api/v1/people",
    tag: "Administration",
    summary: "List people",
    description: "Everyone, by name.",
    access: admins,
    query: [peopleQuery],
    response: { status: 200, description: "A page of people.", example: page(person) },
  },
  {
    method: "post",
    path: "/api/v1/people",
    tag: "Administration",
    summary: "Add a person",
    description: "The invitation link comes back in this answer only, for the admin to pass on.",
    access: admins,
    body: addPersonSchema,
    bodyExamples: {
      add: { summary: "An engineer", value: { email: "engineer2@countersign.test", name: "Sam Engineer", roles: ["engineering"] } },
    },
    response: {
      status: 201,
      description: "The person (invited) and their one-time invitation link.",
      example: {
        person: { ...person, status: "invited", lastSignedInAt: null },
        inviteUrl: "https://countersign.example.com/welcome/Qm9vb…",
        emailed: true,
      },
    },
  },
  {
    method: "patch",
    path: "/api/v1/people/{email}",
    tag: "Administration",
    summary: "Change a person's name, roles or access",
    description:
      "Send `expectedRoles` (the roles you saw) to get a 409 rather than silently undo someone else's change. The last active admin cannot be demoted or disabled (409).",
    access: admins,
    pathParams: email,
    body: updatePersonSchema,
    bodyExamples: {
      roles: { summary: "Make them an operator too", value: { roles: ["engineering", "operations"], expectedRoles: ["engineering"] } },
      disable: { summary: "Disable their account", value: { disabled: true } },
    },
    response: { status: 200, description: "The person as saved.", example: { ...person, roles: ["engineering", "operations"] } },
    errors: { 409: "Their roles changed since `expectedRoles`, or they are the last active admin." },
  },
  {
    method: "post",
    path: "/api/v1/people/{email}/reset",
    tag: "Administration",
    summary: "Issue a password reset link",
    description: "A one-time link for the person to set a new password (a fresh invitation if they never accepted theirs). Takes no body.",
    access: admins,
    pathParams: email,
    response: {
      status: 200,
      description: "The link, for the admin to pass on.",
      example: { resetUrl: "https://countersign.example.com/welcome/UmVz…", purpose: "reset", emailed: false },
    },
    errors: { 409: "The person is disabled: enable them first." },
  },
];

export const documentationOperations: ApiOperation[] = [
  {
    method: "get",
    path: "/api/v1/openapi.json",
    tag: "Documentation",
    summary: "This document",
    description:
      "The API's OpenAPI 3.1 description, generated from the schemas the API validates with. Readable without signing in; it holds no data.",
    access: "public",
    response: { status: 200, description: "The OpenAPI document." },
  },
];

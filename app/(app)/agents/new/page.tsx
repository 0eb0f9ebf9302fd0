import type { Metadata } from "next";
import Link from "next/link";
import { RegisterAgentForm } from "@/components/agents/register-agent-form";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { requireUser } from "@/lib/server/auth";
import { canRegisterAgents } from "@/lib/server/agent-registration";
import { engineeringPeople } from "@/lib/server/agent-registration-form";
import { workflowFacets } from "@/lib/server/agents";
import { listActivePeople } from "@/lib/server/users";
import { previewRegistrationAction, registerAgentAction } from "./actions";
import { EMPTY_FIELDS } from "../../changes/editor-state";

export const metadata: Metadata = { title: "Register an agent" };

/** A new agent's first spec, with the starting points every spec needs; the author replaces them. */
const STARTER_SPEC = `model: { provider: openai, name: gpt-4.1, version: "2025-04-14" }
instructions: |
  Say what the agent does, for whom, and what it must never do.
autonomy: read_only
tools: []
forbidden: []
traceRetentionDays: 30
`;

export default async function RegisterAgentPage() {
  const user = await requireUser();
  if (!canRegisterAgents(user))
    return (
      <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-6 text-sm text-rose-900">
        Engineering and workflow owners register new agents.{" "}
        <Link href="/agents" className="font-medium underline">
          Go to the agents
        </Link>
      </div>
    );
  const engineers = await engineeringPeople();
  return (
    <div className="space-y-5">
      <Breadcrumb items={[{ href: "/agents", label: "Agents" }, { label: "Register an agent" }]} />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Register an agent</h1>
        <p className="mt-1 text-sm text-slate-600">
          A new agent is reviewed like any change: its first spec grants everything it lists, so every owner signs. It stays proposed until
          its first production release.
        </p>
      </div>
      <RegisterAgentForm
        workflows={await workflowFacets()}
        engineers={engineers}
        people={await listActivePeople()}
        defaultEngineer={engineers.some((p) => p.email === user.email) ? user.email : ""}
        initial={{
          mode: "yaml",
          spec: null,
          specText: STARTER_SPEC,
          fields: EMPTY_FIELDS,
        }}
        register={registerAgentAction}
        preview={previewRegistrationAction}
      />
    </div>
  );
}

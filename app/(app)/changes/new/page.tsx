import type { Metadata } from "next";
import Link from "next/link";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ImportableChangeEditor } from "@/components/changes/importable-change-editor";
import { isAppError } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { canProposeChanges } from "@/lib/server/changes";
import { getAgentRecord, getAgentVersion } from "@/lib/server/registry";
import { listActivePeople } from "@/lib/server/users";
import { agentRegistration } from "@/lib/server/agent-registration-form";
import { previewChangeAction, saveChangeAction, submitChangeAction, proposeAndSubmitAction } from "../actions";
import { newEditorState } from "../editor-state";

export const metadata: Metadata = { title: "Propose a change" };

function Problem({ children }: { children: React.ReactNode }) {
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-6 text-sm text-rose-900">
      {children}{" "}
      <Link href="/agents" className="font-medium underline">
        Go to the agents
      </Link>
    </div>
  );
}

export default async function NewChangePage({ searchParams }: { searchParams: Promise<{ agent?: string }> }) {
  const user = await requireUser();
  const { agent: slug } = await searchParams;
  if (!canProposeChanges(user)) return <Problem>Leaders and auditors can read change records but not propose them.</Problem>;
  if (!slug) return <Problem>Choose the agent to change first: open it and select “Propose a change”.</Problem>;
  const caller = userCaller(user);
  let agent;
  try {
    agent = await getAgentRecord(caller, slug);
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") return <Problem>{error.message}.</Problem>;
    throw error;
  }
  if (agent.status !== "active") {
    const registration = await agentRegistration(caller, slug);
    return (
      <Problem>
        {agent.status === "proposed" && registration
          ? `${slug} is being registered by ${registration.label}; edit that change.`
          : `${slug} is ${agent.status}: no change can be proposed on it.`}
      </Problem>
    );
  }
  const baseNumber = agent.environments.production?.version ?? agent.versions[0]?.number;
  if (!baseNumber) return <Problem>{agent.name} has no version to start from.</Problem>;
  const base = await getAgentVersion(caller, slug, baseNumber);
  return (
    <div className="space-y-5">
      <Breadcrumb
        items={[{ href: "/agents", label: "Agents" }, { href: `/agents/${slug}`, label: agent.name }, { label: "Propose a change" }]}
      />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Propose a change to {agent.name}</h1>
        <p className="mt-1 text-sm text-slate-600">
          Starting from v{base.number}. The panel shows the permission diff, the risk tier and who must sign as you type. Save a draft at
          any time.
        </p>
      </div>
      <ImportableChangeEditor
        agent={{ slug, name: agent.name }}
        change={null}
        initial={newEditorState(base.spec, agent.rollbackOwner.email)}
        people={await listActivePeople()}
        save={saveChangeAction}
        submit={submitChangeAction}
        proposeAndSubmit={proposeAndSubmitAction}
        preview={previewChangeAction}
      />
    </div>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { Card } from "@/components/ui/card";
import { AgentDetailsForm } from "@/components/workflows/agent-details-form";
import { orNotFound } from "@/app/(app)/or-not-found";
import { agentDetailsChoices, canEditAgentDetails, getAgentDetails } from "@/lib/server/agent-details";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { updateAgentDetailsAction } from "./actions";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Edit ${(await params).slug}` };
}

export default async function EditAgentPage({ params }: Props) {
  const caller = userCaller(await requireUser());
  const { slug } = await params;
  const agent = await orNotFound(async () => await getAgentDetails(caller, slug));
  const crumbs = (
    <Breadcrumb items={[{ href: "/agents", label: "Agents" }, { href: `/agents/${slug}`, label: agent.name }, { label: "Edit details" }]} />
  );
  if (!(await canEditAgentDetails(caller, slug))) {
    return (
      <div className="space-y-5">
        {crumbs}
        <div role="note" className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700">
          <p className="font-medium text-slate-900">Only admins and the agent’s engineering owner edit its details.</p>
          <p className="mt-1">
            {agent.engineeringOwner.name} ({agent.engineeringOwner.email}) owns {agent.name}’s engineering.{" "}
            <Link href={`/agents/${slug}`} className="text-brand-700 hover:underline">
              Back to the agent
            </Link>
          </p>
        </div>
      </div>
    );
  }
  const choices = await agentDetailsChoices(caller);
  return (
    <div className="space-y-5">
      {crumbs}
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Edit {agent.name}’s details</h1>
        <p className="mt-1 text-sm text-slate-600">
          What the agent does is changed through a change record; its name, description, owners, workflow and the names its runtime gives it
          in traces are changed here, and recorded in the audit log.
        </p>
      </div>
      <Card>
        <AgentDetailsForm
          slug={slug}
          current={{
            name: agent.name,
            description: agent.description,
            engineeringOwner: agent.engineeringOwner.email,
            rollbackOwner: agent.rollbackOwner.email,
            workflow: agent.workflow.slug,
            runtimeNames: agent.runtimeNames,
          }}
          workflows={choices.workflows}
          engineers={choices.engineers}
          people={choices.people}
          save={updateAgentDetailsAction}
        />
      </Card>
    </div>
  );
}

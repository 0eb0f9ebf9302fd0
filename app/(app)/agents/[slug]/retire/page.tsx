import type { Metadata } from "next";
import Link from "next/link";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { RetireForm } from "@/components/changes/retire-form";
import { orNotFound } from "@/app/(app)/or-not-found";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { canProposeChanges } from "@/lib/server/changes";
import { getAgentRecord } from "@/lib/server/registry";
import { listActivePeople } from "@/lib/server/users";
import { proposeRetirementAction } from "../../../changes/actions";

export const metadata: Metadata = { title: "Retire agent" };

/** Retiring is a change record like any other: proposed here, signed by the workflow owner and operations at least. */
export default async function RetireAgentPage({ params }: { params: Promise<{ slug: string }> }) {
  const user = await requireUser();
  const { slug } = await params;
  const agent = await orNotFound(async () => await getAgentRecord(userCaller(user), slug));
  const production = agent.environments.production;
  const refusal = !canProposeChanges(user)
    ? "Leaders and auditors can read agents but not propose changes to them."
    : agent.status !== "active"
      ? `${agent.name} is ${agent.status}: only an active agent can be retired.`
      : !production
        ? `${agent.name} does not run in production: there is nothing to retire.`
        : null;
  return (
    <div className="max-w-3xl space-y-5">
      <Breadcrumb items={[{ href: "/agents", label: "Agents" }, { href: `/agents/${slug}`, label: agent.name }, { label: "Retire" }]} />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight break-words">Retire {agent.name}</h1>
        <p className="mt-1 text-sm text-slate-600">
          A retire change goes through review like any change: its workflow owner and operations sign it at least. Once released, nothing of{" "}
          {agent.name} runs in development, staging or production, its other open changes are withdrawn, and it leaves the inventory&apos;s
          default view. Its history stays.
        </p>
      </div>
      {refusal ? (
        <p role="alert" className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
          {refusal}{" "}
          <Link href={`/agents/${slug}`} className="font-medium underline">
            Back to {agent.name}
          </Link>
        </p>
      ) : (
        <RetireForm
          initial={{ title: `Retire ${agent.name}`, rationale: "", rollbackPlan: "", rollbackOwner: "", monitoring: "" }}
          people={await listActivePeople()}
          submitLabel="Submit for review"
          send={proposeRetirementAction.bind(null, slug)}
        />
      )}
    </div>
  );
}

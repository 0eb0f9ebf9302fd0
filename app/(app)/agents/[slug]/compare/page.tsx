import type { Metadata } from "next";
import Link from "next/link";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { InstructionsDiffView, PermissionDiffView } from "@/components/agents/diff-view";
import { Card } from "@/components/ui/card";
import { isAppError } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { orNotFound } from "@/app/(app)/or-not-found";
import { userCaller } from "@/lib/server/caller";
import { compareAgentVersions, getAgentRecord, parseVersionNumber } from "@/lib/server/registry";

export const metadata: Metadata = { title: "Compare versions" };

type Props = { params: Promise<{ slug: string }>; searchParams: Promise<{ from?: string; to?: string }> };

export default async function ComparePage({ params, searchParams }: Props) {
  const caller = userCaller(await requireUser());
  const { slug } = await params;
  const query = await searchParams;
  const agentName = await orNotFound(async () => (await getAgentRecord(caller, slug)).name);
  const back = (
    <Breadcrumb items={[{ href: "/agents", label: "Agents" }, { href: `/agents/${slug}`, label: agentName }, { label: "Compare" }]} />
  );
  let comparison;
  try {
    comparison = await compareAgentVersions(caller, slug, parseVersionNumber("from", query.from), parseVersionNumber("to", query.to));
  } catch (error) {
    if (!isAppError(error)) throw error;
    return (
      <div className="space-y-4">
        {back}
        <p role="alert" className="rounded-md bg-rose-50 px-4 py-3 text-sm text-rose-800 ring-1 ring-rose-200 ring-inset">
          {error.message}.{" "}
          <Link href={`/agents/${slug}`} className="font-medium underline">
            Pick two versions on the agent page
          </Link>
        </p>
      </div>
    );
  }
  const { from, to } = comparison;
  return (
    <div className="space-y-6">
      {back}
      <header>
        <h1 className="text-2xl font-semibold tracking-tight">
          {agentName}: <span className="font-mono">v{from.number}</span> → <span className="font-mono">v{to.number}</span>
        </h1>
        <p className="mt-1 text-sm text-slate-600">
          What changed from v{from.number} to v{to.number}, grouped by who signs for it, escalations first.{" "}
          <Link href={`/agents/${slug}/compare?from=${to.number}&to=${from.number}`} className="text-brand-700 hover:underline">
            Swap direction
          </Link>
        </p>
      </header>
      <Card title="Permission diff">
        <PermissionDiffView items={comparison.items} />
      </Card>
      <Card title="Instructions">
        <InstructionsDiffView lines={comparison.instructions} />
      </Card>
    </div>
  );
}

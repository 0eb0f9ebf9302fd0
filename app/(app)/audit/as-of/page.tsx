import type { Metadata } from "next";
import { AsOfForm } from "@/components/audit/as-of-form";
import { AuditTabs } from "@/components/audit/audit-tabs";
import { EnvironmentThen } from "@/components/audit/environment-then";
import { UtcTime } from "@/components/ui/utc-time";
import { isAppError } from "@/lib/errors";
import { agentOption } from "@/lib/server/agents";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { whatRanWhen, type WhatRanWhen } from "@/lib/server/evidence";
import { parseInstant } from "@/lib/server/registry";

export const metadata: Metadata = { title: "What ran when" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** A datetime-local value has no zone; the form says UTC, so it is read as UTC. */
function readInstant(value: string): number {
  const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  return parseInstant("at", withZone);
}

/** The answer, or the reason there is none (an unknown agent, a malformed or future instant). */
async function answer(read: () => Promise<WhatRanWhen>): Promise<{ result: WhatRanWhen | null; error: string | null }> {
  try {
    return { result: await read(), error: null };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { result: null, error: e.message };
  }
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? "";

export default async function WhatRanWhenPage({ searchParams }: Props) {
  const caller = userCaller(await requireUser());
  const params = await searchParams;
  const agent = first(params.agent);
  const at = first(params.at);
  const { result, error } =
    agent && at ? await answer(async () => await whatRanWhen(caller, agent, readInstant(at))) : { result: null, error: null };
  return (
    <div className="space-y-5">
      <AuditTabs current="as-of" />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">What ran when</h1>
        <p className="mt-1 text-sm text-slate-600">
          Pick an agent and an instant (UTC): for each environment, the version that ran then, the deployment and change record that put it
          there, who approved it on which content, the eval runs on its spec, and what has changed since.
        </p>
      </div>
      <AsOfForm
        agent={(await agentOption(agent)) ?? (agent ? { slug: agent, name: agent } : null)}
        at={result ? new Date(result.at).toISOString().slice(0, 19) : at}
      />
      {error && (
        <p role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-4 text-sm text-rose-900">
          {error}
        </p>
      )}
      {!result && !error && (
        <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
          <p className="text-base font-medium text-slate-900">Choose an agent and an instant</p>
          <p className="mt-1 text-sm text-slate-600">
            The answer is exact to the second, from the deployment log; the link to it can be shared.
          </p>
        </div>
      )}
      {result && !result.existed && (
        <p role="status" className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
          {result.agent.name} did not exist yet at <UtcTime at={result.at} seconds />: it was registered at{" "}
          <UtcTime at={result.agent.createdAt} seconds />. Nothing of it ran before then.
        </p>
      )}
      {result?.existed && (
        <section className="space-y-4" aria-label="What ran then">
          <p className="text-sm text-slate-700">
            <span className="font-medium text-slate-900">{result.agent.name}</span> as of <UtcTime at={result.at} seconds />:
          </p>
          {(["production", "staging", "development"] as const).map((env) => (
            <EnvironmentThen key={env} environment={env} ran={result.environments[env]} />
          ))}
        </section>
      )}
    </div>
  );
}

import { headers } from "next/headers";
import { RuntimeSection } from "@/components/runtime/runtime-section";
import { DEFAULT_RUNTIME_RANGE, RUNTIME_RANGES, type RuntimeRange } from "@/components/runtime/runtime-format";
import { ENVIRONMENTS, type Environment } from "@/lib/domain/terms";
import { accountLinkBase } from "@/lib/server/account-links";
import { getAgentDetails } from "@/lib/server/agent-details";
import type { Caller } from "@/lib/server/caller";
import { agentRuntime } from "@/lib/server/runtime-evidence";

const DAY_MS = 86_400_000;

/** `?runtimeRange=7d|30d|90d`; anything else is the default. */
function rangeOf(value: string | undefined): RuntimeRange {
  const days = Number(/^(\d+)d$/.exec(value ?? "")?.[1]);
  return (RUNTIME_RANGES as readonly number[]).includes(days) ? (days as RuntimeRange) : DEFAULT_RUNTIME_RANGE;
}

/** Where this installation takes traces, as the person reading the page reaches it (AUTH_URL wins when set). */
async function otlpEndpoint(): Promise<string> {
  const h = await headers();
  const host = h.get("x-forwarded-host")?.split(",")[0]?.trim() || h.get("host") || "localhost:3000";
  const scheme = h.get("x-forwarded-proto")?.split(",")[0]?.trim() || "http";
  return `${accountLinkBase(`${scheme}://${host}`).replace(/\/$/, "")}/api/v1/otlp/v1/traces`;
}

/** The agent page's runtime panel: the last 7, 30 or 90 UTC days (today included) of one environment. */
export async function RuntimePanel({
  caller,
  slug,
  name,
  query,
  canEdit,
  now,
}: {
  caller: Caller;
  slug: string;
  name: string;
  query: Record<string, string | undefined>;
  canEdit: boolean;
  now: number;
}) {
  const range = rangeOf(query.runtimeRange);
  const environment: Environment = (ENVIRONMENTS as readonly string[]).includes(query.runtimeEnv ?? "")
    ? (query.runtimeEnv as Environment)
    : "production";
  const from = Math.floor(now / DAY_MS) * DAY_MS - (range - 1) * DAY_MS;
  const view = await agentRuntime(caller, slug, { from: new Date(from).toISOString(), to: new Date(now).toISOString(), environment }, now);
  const kept = Object.fromEntries(
    Object.entries(query).filter((e): e is [string, string] => typeof e[1] === "string" && !e[0].startsWith("runtime")),
  );
  return (
    <RuntimeSection
      slug={slug}
      name={name}
      view={view}
      range={range}
      query={kept}
      endpoint={await otlpEndpoint()}
      runtimeNames={(await getAgentDetails(caller, slug)).runtimeNames}
      editHref={canEdit ? `/agents/${slug}/edit` : null}
    />
  );
}

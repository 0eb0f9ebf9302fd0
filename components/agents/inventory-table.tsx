import { ArrowDown, ArrowUp, ArrowUpDown } from "lucide-react";
import Link from "next/link";
import { cn } from "@/components/ui/cn";
import { RelativeTime } from "@/components/ui/relative-time";
import { ENVIRONMENTS, PLATFORM_LABELS, type AgentStatus, type Environment, type Platform, type RiskLevel } from "@/lib/domain/terms";
import { AutonomyBadge } from "./autonomy-badge";
import { RiskBadge } from "./risk-badge";
import { Badge } from "@/components/ui/badge";
import { PostureBadges, type PostureView } from "./inventory-posture";

type EnvVersion = { version: number; specHash: string; deployedAt: number } | null;

export type InventoryRow = {
  slug: string;
  name: string;
  status: AgentStatus;
  /** The change that registers a proposed agent (or registered a withdrawn one), e.g. "CR-12". */
  registration: string | null;
  platform: Platform;
  workflow: { slug: string; name: string; riskClass: RiskLevel };
  autonomy: string;
  environments: Record<Environment, EnvVersion>;
  lastDeployedAt: number | null;
  lastReviewedAt: number | null;
  openChanges: number;
  productionApprovers: { role: string; name: string; email: string }[];
  productionStandardChange: string | null;
  posture: PostureView;
};

function Approvers({ agent }: { agent: InventoryRow }) {
  if (agent.productionStandardChange)
    return (
      <span className="text-slate-600" title={agent.productionStandardChange}>
        standard change
      </span>
    );
  const [first, ...rest] = agent.productionApprovers;
  if (!first) return <span className="text-slate-400">—</span>;
  return (
    <span title={agent.productionApprovers.map((a) => `${a.name} (${a.role})`).join(", ")}>
      {first.name}
      {rest.length > 0 && <span className="text-slate-500"> +{rest.length}</span>}
    </span>
  );
}

/** Only agents that are not simply active say so; a proposed one links to the change that registers it. */
function StatusBadge({ agent }: { agent: InventoryRow }) {
  if (agent.status === "active") return null;
  const label = agent.status[0]!.toUpperCase() + agent.status.slice(1);
  const badge = <Badge tone={agent.status === "proposed" ? "info" : "neutral"}>{label}</Badge>;
  if (!agent.registration) return <span className="mt-1 block">{badge}</span>;
  return (
    <Link
      href={`/changes/${agent.registration}`}
      className="mt-1 inline-block hover:underline"
      title={agent.status === "proposed" ? `Being registered by ${agent.registration}` : `Registration ${agent.registration}`}
    >
      {badge}{" "}
      <span className="sr-only">{agent.status === "proposed" ? `being registered by ${agent.registration}` : agent.registration}</span>
    </Link>
  );
}

type Sort = { sort: string; dir: "asc" | "desc" };

const ENV_LABEL: Record<Environment, string> = { development: "Dev", staging: "Staging", production: "Prod" };

function SortHeader({
  label,
  column,
  current,
  query,
  className,
}: {
  label: string;
  column: string;
  current: Sort;
  query: string;
  className?: string;
}) {
  const active = current.sort === column;
  const nextDir = active && current.dir === "asc" ? "desc" : "asc";
  const params = new URLSearchParams(query);
  params.set("sort", column);
  params.set("dir", nextDir);
  const Icon = active ? (current.dir === "asc" ? ArrowUp : ArrowDown) : ArrowUpDown;
  return (
    <th
      scope="col"
      aria-sort={active ? (current.dir === "asc" ? "ascending" : "descending") : "none"}
      className={cn("px-3 py-2.5 font-medium", className)}
    >
      <Link href={`?${params}`} scroll={false} className="inline-flex items-center gap-1 whitespace-nowrap hover:text-slate-900">
        {label}
        <Icon aria-hidden className={cn("size-3.5", active ? "text-brand-600" : "text-slate-400")} />
        <span className="sr-only">{active ? `, sorted ${current.dir === "asc" ? "ascending" : "descending"}` : ", sortable"}</span>
      </Link>
    </th>
  );
}

function VersionCell({ value }: { value: EnvVersion }) {
  if (!value) return <span className="text-slate-400">—</span>;
  return (
    <span className="font-mono text-xs" title={`spec ${value.specHash.slice(0, 12)}…`}>
      v{value.version}
    </span>
  );
}

export function InventoryTable({
  items,
  filters,
  query,
  filtered,
  now,
  postureDays,
  canRegister = false,
}: {
  items: InventoryRow[];
  filters: Sort;
  query: string;
  filtered: boolean;
  now: number;
  postureDays: { unobservedAfterDays: number; reviewIntervalDays: number };
  canRegister?: boolean;
}) {
  if (items.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-16 text-center">
        <p className="text-base font-medium text-slate-900">{filtered ? "No agents match these filters" : "No agents registered yet"}</p>
        <p className="mt-1 text-sm text-slate-600">
          {filtered
            ? "Try a shorter search or fewer filters."
            : "An agent appears here once it is registered: its first change record goes through review like any other."}
        </p>
        {!filtered && canRegister && (
          <Link href="/agents/new" className="mt-4 inline-block text-sm font-medium text-brand-700 underline">
            Register an agent
          </Link>
        )}
        {filtered && (
          <Link href="/agents" className="mt-4 inline-block text-sm font-medium text-brand-700 underline">
            Clear filters
          </Link>
        )}
      </div>
    );
  }
  const header = (label: string, column: string, className?: string) => (
    <SortHeader label={label} column={column} current={filters} query={query} className={className} />
  );
  // Relative, so the screen-reader-only text of columns scrolled out of view is clipped with them instead of widening the page.
  return (
    <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
      {/* The cells' shared look is set once here: fifty rows of repeated classes were a third of the page. */}
      <table className="w-full min-w-[1360px] text-left text-sm [&_td]:px-3 [&_td]:py-2.5 [&_td]:whitespace-nowrap [&_td]:text-slate-700">
        <caption className="sr-only">Agent inventory</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
          <tr>
            {header("Agent", "name", "sticky left-0 bg-slate-50")}
            {header("Platform", "platform")}
            {header("Workflow", "workflow")}
            {header("Risk", "risk")}
            {header("Autonomy", "autonomy")}
            {ENVIRONMENTS.map((env) => (
              <th key={env} scope="col" className="px-3 py-2.5 font-medium">
                {ENV_LABEL[env]}
              </th>
            ))}
            <th scope="col" className="px-3 py-2.5 font-medium">
              Posture
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium whitespace-nowrap">
              Prod approved by
            </th>
            {header("Last deployed", "lastDeployed")}
            {header("Last reviewed", "lastReviewed")}
            {header("Open changes", "openChanges", "text-right")}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((agent) => (
            <tr key={agent.slug} className="hover:bg-slate-50/70">
              <th scope="row" className="sticky left-0 max-w-72 bg-white px-3 py-2.5 text-left font-normal">
                <Link
                  href={`/agents/${agent.slug}`}
                  className="block truncate font-medium text-brand-700 hover:underline"
                  title={agent.name}
                >
                  {agent.name}
                </Link>
                <span className="block truncate font-mono text-xs text-slate-500">{agent.slug}</span>
                <StatusBadge agent={agent} />
              </th>
              <td>{PLATFORM_LABELS[agent.platform]}</td>
              <td className="max-w-56 truncate" title={agent.workflow.name}>
                {agent.workflow.name}
              </td>
              <td>
                <RiskBadge level={agent.workflow.riskClass} />
              </td>
              <td>
                <AutonomyBadge autonomy={agent.autonomy} />
              </td>
              {ENVIRONMENTS.map((env) => (
                <td key={env}>
                  <VersionCell value={agent.environments[env]} />
                </td>
              ))}
              <td>
                <PostureBadges slug={agent.slug} posture={agent.posture} lastReviewedAt={agent.lastReviewedAt} now={now} {...postureDays} />
              </td>
              <td className="max-w-44 truncate">
                <Approvers agent={agent} />
              </td>
              <td>
                <RelativeTime at={agent.lastDeployedAt} now={now} empty="never" />
              </td>
              <td>
                <RelativeTime at={agent.lastReviewedAt} now={now} empty="never" />
              </td>
              <td className="text-right tabular-nums">
                {agent.openChanges > 0 ? agent.openChanges : <span className="text-slate-400">0</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

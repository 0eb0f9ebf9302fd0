import Link from "next/link";
import type { ComponentProps } from "react";
import { RiskBadge } from "@/components/agents/risk-badge";
import { SeverityBadge } from "@/components/incidents/severity-badge";
import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import { ROLE_LABELS, type DeploymentKind, type RiskLevel, type Role, type Severity } from "@/lib/domain/terms";
import { ApprovalsTable } from "./approvals-table";
import { EvalRunsList } from "./eval-runs-list";

type Deployment = {
  id: string;
  version: number;
  specHash: string;
  kind: DeploymentKind;
  deployedAt: number;
  deployedBy: string;
  replacedVersion: number | null;
  reason: string | null;
};

export type EvidenceReleaseView = {
  deployment: Deployment;
  change: {
    label: string;
    title: string;
    rationale: string;
    agent: { slug: string; name: string; workflow: { name: string } };
    author: { kind: "user"; email: string; name: string } | { kind: "token"; name: string };
    riskTier: RiskLevel | null;
    riskReasons: string[];
    baseVersion: { number: number } | null;
    standardChange: string | null;
    contentHash: string | null;
  };
  approvals: ComponentProps<typeof ApprovalsTable>["approvals"];
  pendingSignoffs: Role[];
  evalRuns: ComponentProps<typeof EvalRunsList>["runs"];
  emergency: {
    justification: string;
    retro: { dueAt: number; completedAt: number | null; waitingOn: Role[]; rejected: boolean; overdue: boolean } | null;
  } | null;
  rollbacks: Deployment[];
  incidents: {
    id: string;
    severity: Severity;
    title: string;
    detectedAt: number;
    resolvedAt: number | null;
    relation: "suspected" | "fixed";
  }[];
  breaches: Breach[];
  exceptions: { kind: string; label: string; detail: string }[];
};

type Breach = {
  number: string;
  kind: string;
  label: string;
  action: string | null;
  metric: string | null;
  firstAt: number;
  lastAt: number;
  occurrences: number;
  value: number | null;
  threshold: string | null;
  clearedAt: number | null;
  incident: { id: string; severity: Severity; resolvedAt: number | null } | null;
};

function Part({ title, children, wide = false }: { title: string; children: React.ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? "min-w-0 md:col-span-2 print:col-span-2" : "min-w-0"}>
      <h4 className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</h4>
      {children}
    </div>
  );
}

const roles = (list: Role[]) => list.map((r) => ROLE_LABELS[r].toLowerCase()).join(", ");

function Retro({ retro }: { retro: NonNullable<NonNullable<EvidenceReleaseView["emergency"]>["retro"]> }) {
  return (
    <p className={retro.overdue ? "text-rose-800" : "text-slate-700"}>
      Retro sign-off due <UtcTime at={retro.dueAt} />
      {retro.completedAt !== null ? (
        <>
          ; completed <UtcTime at={retro.completedAt} />
          {retro.overdue ? " (late)" : ""}
        </>
      ) : retro.waitingOn.length > 0 ? (
        <>
          ; {retro.overdue ? "overdue, " : ""}still waiting on {roles(retro.waitingOn)}
        </>
      ) : null}
      {retro.rejected && "; refused by a signer afterwards"}.
    </p>
  );
}

/** One breach of the release's version in production: what, how often, when, whether it cleared, and its incident. */
function BreachLine({ breach: b, agent }: { breach: Breach; agent: string }) {
  const harm = b.kind === "harm_threshold";
  return (
    <li className="flex flex-wrap items-baseline gap-x-1.5 gap-y-0.5">
      <span className="font-medium text-slate-900">{b.number}</span>
      <Badge tone={harm ? "warning" : "danger"}>{b.label}</Badge>
      <span className="font-mono text-xs break-all text-slate-800">{b.action ?? b.metric}</span>
      <span className="text-slate-600">
        {harm ? (
          <>
            {b.value !== null && <>at {Math.round(b.value * 100) / 100} </>}({b.threshold}), crossed <UtcTime at={b.firstAt} />
            {b.clearedAt === null ? (
              <>, still crossed</>
            ) : (
              <>
                , back within <UtcTime at={b.clearedAt} />
              </>
            )}
          </>
        ) : b.occurrences === 1 ? (
          <>
            1 call, <UtcTime at={b.firstAt} />
          </>
        ) : (
          <>
            {b.occurrences} calls, <UtcTime at={b.firstAt} /> to <UtcTime at={b.lastAt} />
          </>
        )}
        {b.incident ? (
          <>
            {"; "}
            <Link
              href={`/incidents?agent=${agent}`}
              className="text-brand-700 underline underline-offset-2 print:text-slate-900 print:no-underline"
            >
              {b.incident.severity.toUpperCase()} incident {b.incident.resolvedAt === null ? "open" : "resolved"}
            </Link>
          </>
        ) : (
          "; no incident"
        )}
      </span>
    </li>
  );
}

/** One production release as an auditor reads it: compact, and kept on one printed page where it fits. */
export function EvidenceRelease({ release }: { release: EvidenceReleaseView }) {
  const { deployment: d, change: c } = release;
  const headingId = `release-${d.id}-title`;
  return (
    <article
      id={`release-${d.id}`}
      aria-labelledby={headingId}
      className="break-inside-avoid rounded-lg border border-slate-200 bg-white p-4 print:rounded-none print:border-slate-400 print:p-3"
    >
      <header className="flex flex-wrap items-start justify-between gap-2">
        <h3 id={headingId} className="min-w-0 text-sm font-semibold text-slate-900">
          <Link href={`/changes/${c.label}`} className="text-brand-700 underline underline-offset-2 print:text-slate-900">
            {c.label}
          </Link>{" "}
          {c.title}
          <span className="font-normal text-slate-500">
            {" "}
            · {c.agent.name} ({c.agent.slug}) · {c.agent.workflow.name}
          </span>
        </h3>
        <div className="flex flex-wrap gap-1">
          {d.kind === "emergency" && <Badge tone="danger">emergency</Badge>}
          {release.exceptions.map((e, i) => (
            <Badge key={`${e.kind}-${i}`} tone={e.kind === "self_approval" ? "critical" : "warning"}>
              {e.label}
            </Badge>
          ))}
        </div>
      </header>
      <p className="mt-1 text-sm text-slate-700">
        Deployed to production <UtcTime at={d.deployedAt} seconds /> by {d.deployedBy}: v{d.version}
        {d.replacedVersion !== null ? ` replacing v${d.replacedVersion}` : " (first production version)"}
        {c.baseVersion ? `, reviewed against v${c.baseVersion.number}` : ", reviewed as a new agent"}.{" "}
        <span className="font-mono text-xs break-all text-slate-500">
          spec {d.specHash.slice(0, 16)}… · content {c.contentHash?.slice(0, 16) ?? "—"}…
        </span>
      </p>
      {release.exceptions.length > 0 && (
        <ul
          aria-label={`Exceptions of ${c.label}`}
          className="mt-2 space-y-0.5 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset"
        >
          {release.exceptions.map((e, i) => (
            <li key={`${e.kind}-${i}`}>
              <span className="font-medium">{e.label}:</span> {e.detail}
            </li>
          ))}
        </ul>
      )}
      <div className="mt-3 grid gap-4 md:grid-cols-2 print:grid-cols-2">
        <Part title="Change">
          <div className="space-y-1 text-sm text-slate-700">
            <p>Author: {c.author.kind === "user" ? `${c.author.name} (${c.author.email})` : `API token “${c.author.name}”`}</p>
            {c.rationale && <p className="text-slate-600">{c.rationale}</p>}
            {c.riskTier && (
              <div className="flex items-start gap-2">
                <RiskBadge level={c.riskTier} />
                <ul aria-label="Why this tier" className="list-disc pl-4 text-slate-600">
                  {c.riskReasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        </Part>
        <Part title="Approvals">
          <ApprovalsTable approvals={release.approvals} caption={`Approvals of ${c.label}`} standardChange={c.standardChange} />
          {release.pendingSignoffs.length > 0 && (
            <p className="mt-1 text-sm text-amber-800">Not yet signed: {roles(release.pendingSignoffs)}.</p>
          )}
        </Part>
        <Part title="Eval runs on the released spec">
          <EvalRunsList runs={release.evalRuns} deployedAt={d.deployedAt} specHash={d.specHash} />
        </Part>
        <Part title="Emergency, rollbacks and incidents">
          <div className="space-y-1 text-sm text-slate-700">
            {release.emergency ? (
              <>
                <p>Emergency release: “{release.emergency.justification}”</p>
                {release.emergency.retro && <Retro retro={release.emergency.retro} />}
              </>
            ) : (
              <p className="text-slate-500">Not an emergency release.</p>
            )}
            {release.rollbacks.map((r) => (
              <p key={r.id} className="text-amber-800">
                Rolled back <UtcTime at={r.deployedAt} /> by {r.deployedBy} to v{r.version}
                {r.reason ? `: “${r.reason}”` : ""}
              </p>
            ))}
            {release.incidents.map((i) => (
              <p key={i.id} className="flex flex-wrap items-center gap-1.5">
                <SeverityBadge severity={i.severity} />
                <span className="text-slate-900">{i.title}</span>
                <span className="text-slate-500">
                  ({i.relation === "suspected" ? "suspected of this release" : "fixed by this release"}; detected{" "}
                  <UtcTime at={i.detectedAt} />
                  {i.resolvedAt !== null && (
                    <>
                      , resolved <UtcTime at={i.resolvedAt} />
                    </>
                  )}
                  )
                </span>
              </p>
            ))}
            {release.rollbacks.length === 0 && release.incidents.length === 0 && (
              <p className="text-slate-500">No rollback, no incident.</p>
            )}
          </div>
        </Part>
        <Part title="Runtime breaches in production" wide>
          {release.breaches.length === 0 ? (
            <p className="text-sm text-slate-500">None recorded: its runtime stayed within its grants and harm thresholds.</p>
          ) : (
            <>
              <ul aria-label={`Runtime breaches of ${c.label}`} className="space-y-1 text-sm">
                {release.breaches.map((b) => (
                  <BreachLine key={b.number} breach={b} agent={c.agent.slug} />
                ))}
              </ul>
              <Link
                href={`/agents/${c.agent.slug}#runtime`}
                className="mt-1 inline-block text-sm text-brand-700 hover:underline print:hidden"
              >
                See the agent&rsquo;s runtime evidence
              </Link>
            </>
          )}
        </Part>
      </div>
    </article>
  );
}

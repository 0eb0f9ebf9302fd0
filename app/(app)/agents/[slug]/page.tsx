import type { Metadata } from "next";
import Link from "next/link";
import { CopyText } from "@/components/ui/copy-text";
import { notFound } from "next/navigation";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ApprovalsList } from "@/components/agents/approvals-list";
import { AsOfPanel } from "@/components/agents/as-of-panel";
import { AutonomyLadder, HumanInTheLoop, ModelLine, ToolsTable } from "@/components/agents/config-record";
import { EnvironmentsPanel } from "@/components/agents/environments-panel";
import { RiskBadge } from "@/components/agents/risk-badge";
import { VersionHistory } from "@/components/agents/version-history";
import { ChangeTable } from "@/components/changes/change-table";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card, Field } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { PLATFORM_LABELS } from "@/lib/domain/terms";
import { AppError, isAppError } from "@/lib/errors";
import { requireUser } from "@/lib/server/auth";
import { orNotFound } from "@/app/(app)/or-not-found";
import { userCaller } from "@/lib/server/caller";
import { canEditAgentDetails } from "@/lib/server/agent-details";
import { canProposeChanges } from "@/lib/server/changes";
import { listChanges, parseChangeFilters } from "@/lib/server/change-queries";
import { agentAsOf, getAgentRecord, getAgentVersion, parseInstant, parseVersionNumber, recentEvalRuns } from "@/lib/server/registry";
import { RollbackPanel } from "@/components/agents/rollback-panel";
import { RegistrationNotice } from "@/components/agents/registration-notice";
import { agentRegistration } from "@/lib/server/agent-registration-form";
import { RolledBackStillRunning } from "@/components/agents/rolled-back-still-running";
import { IncidentTable } from "@/components/incidents/incident-table";
import { DeploymentList } from "@/components/release/deployment-list";
import { EvalRunsTable } from "@/components/release/eval-runs-table";
import { RetroSignoffNotice } from "@/components/release/retro-signoff-notice";
import { ROLE_LABELS } from "@/lib/domain/terms";
import { listDeployments } from "@/lib/server/deployments";
import { listIncidents } from "@/lib/server/incidents";
import { openRetroSignoffs } from "@/lib/server/retro-signoffs";
import { rollbackOptions } from "@/lib/server/rollback";
import { stillRunningRolledBack } from "@/lib/server/rolled-back-versions";
import { rollBackStillRunningAction, rollbackAction } from "../actions";
import { DriftSection } from "@/components/drift/drift-section";
import { ResolveDriftForm } from "@/components/drift/resolve-drift-form";
import { isReviewDue, isUnobserved, MAX_ACCEPTANCE_DAYS } from "@/lib/domain/drift";
import { postureSettings } from "@/lib/env";
import { canResolveDrift, lastProductionObservation, listDrift } from "@/lib/server/drift";
import { resolveDriftAction } from "./drift-actions";
import { RuntimePanel } from "./runtime-panel";

type Props = {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ version?: string; at?: string; runtimeRange?: string; runtimeEnv?: string }>;
};

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).slug };
}

/** A datetime-local value has no zone; the form says UTC, so it is read as UTC. */
function readInstant(value: string): number {
  const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  return parseInstant("at", withZone);
}

export default async function AgentPage({ params, searchParams }: Props) {
  const user = await requireUser();
  const caller = userCaller(user);
  const { slug } = await params;
  const query = await searchParams;
  const now = Date.now();

  const agent = await orNotFound(async () => await getAgentRecord(caller, slug));
  const registration = await agentRegistration(caller, slug);
  // A registration saved as a draft before its spec parsed has no version yet: its change says the rest.
  if (agent.versions.length === 0 && !registration) notFound();
  if (agent.versions.length === 0)
    return (
      <div className="space-y-6">
        <Breadcrumb items={[{ href: "/agents", label: "Agents" }, { label: agent.name }]} />
        <h1 className="text-2xl font-semibold tracking-tight break-words">{agent.name}</h1>
        <RegistrationNotice name={agent.name} status={agent.status} registration={registration} />
      </div>
    );

  // The record shown: the requested version, else what production runs, else the newest.
  const production = agent.environments.production;
  let shownNumber = production?.version ?? agent.versions[0]!.number;
  let versionError: string | null = null;
  if (query.version) {
    try {
      shownNumber = parseVersionNumber("version", query.version);
      await getAgentVersion(caller, slug, shownNumber);
    } catch (error) {
      if (!isAppError(error)) throw error;
      versionError = error.message;
      shownNumber = production?.version ?? agent.versions[0]!.number;
    }
  }
  const shown = await getAgentVersion(caller, slug, shownNumber);
  const spec = shown.spec;

  let asOf = null;
  let asOfError: string | null = null;
  if (query.at) {
    try {
      asOf = await agentAsOf(caller, slug, readInstant(query.at));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      asOfError = error.message;
    }
  }

  const changes = await listChanges(caller, parseChangeFilters({ agent: slug, pageSize: "8" }));
  const canPropose = canProposeChanges(user);
  const rollbacks = await rollbackOptions(caller, slug);
  const rollbackChoices = rollbacks.options.flatMap((o) =>
    o.plan ? [{ environment: o.environment, from: o.plan.current.versionNumber, to: o.plan.target.versionNumber }] : [],
  );
  const stillRunning = await stillRunningRolledBack(caller, slug);
  const incidents = await listIncidents(caller, { agent: slug, pageSize: 5 });
  const deploymentLog = await listDeployments(caller, { agent: slug, pageSize: 8 });
  const evals = await recentEvalRuns(caller, slug, 8);
  const retros = await openRetroSignoffs(caller, { agent: slug }, now);
  const drift = await listDrift(caller, { agent: slug }, now);
  const openDrift = drift.items.filter((d) => d.state === "open");
  const lastObserved = await lastProductionObservation(caller, slug);
  const inProduction = Boolean(production) && production?.kind !== "retire";
  const canEdit = await canEditAgentDetails(caller, slug);
  const day = (offset: number) => new Date(now + offset * 86_400_000).toISOString().slice(0, 10);
  const label =
    production?.version === shown.number
      ? production.kind === "retire"
        ? "the last in production, retired"
        : "running in production"
      : agent.versions[0]!.number === shown.number
        ? "newest version"
        : "an earlier version";

  return (
    <div className="space-y-6">
      <Breadcrumb items={[{ href: "/agents", label: "Agents" }, { label: agent.name }]} />
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight break-words">{agent.name}</h1>
          <p className="mt-0.5 font-mono text-sm text-slate-500">{agent.slug}</p>
          <p className="mt-2 max-w-3xl text-sm text-slate-700">{agent.description}</p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Badge>{PLATFORM_LABELS[agent.platform]}</Badge>
          <Badge tone={agent.status === "active" ? "success" : "neutral"}>{agent.status}</Badge>
          {canEdit && (
            <Link href={`/agents/${slug}/edit`} className={buttonClasses("secondary")}>
              Edit details
            </Link>
          )}
          {canPropose && agent.status === "active" && (
            <Link href={`/changes/new?agent=${slug}`} className={buttonClasses("primary")}>
              Propose a change
            </Link>
          )}
          {canPropose && agent.status === "active" && production && (
            <Link href={`/agents/${slug}/retire`} className={buttonClasses("secondary")}>
              Retire agent
            </Link>
          )}
        </div>
      </header>

      <RegistrationNotice name={agent.name} status={agent.status} registration={registration} />

      {retros.map((r) => (
        <div key={r.changeId}>
          <RetroSignoffNotice status={r.status} dueAt={r.dueAt} now={now} waitingOn={r.waitingOn.map((role) => ROLE_LABELS[role])} />
          <Link href={`/changes/CR-${r.number}`} className="mt-1 inline-block text-sm text-brand-700 hover:underline">
            CR-{r.number}: {r.title}
          </Link>
        </div>
      ))}

      <RolledBackStillRunning slug={slug} items={stillRunning} canRollBack={rollbacks.allowed} rollBack={rollBackStillRunningAction} />

      {versionError && (
        <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-rose-200 ring-inset">
          {versionError}. Showing v{shown.number} instead.
        </p>
      )}

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <div className="space-y-6">
          <DriftSection
            open={openDrift}
            closed={drift.items.filter((d) => d.state === "closed")}
            closedTotal={drift.total - openDrift.length}
            lastObserved={lastObserved}
            unobserved={inProduction && isUnobserved(lastObserved?.observedAt ?? null, postureSettings.unobservedAfterMs, now)}
            now={now}
            resolveForm={
              canResolveDrift(user)
                ? (record) => (
                    <ResolveDriftForm
                      record={record}
                      expiryRange={{ min: day(1), max: day(MAX_ACCEPTANCE_DAYS) }}
                      resolve={resolveDriftAction.bind(null, slug)}
                    />
                  )
                : undefined
            }
          />
          <RuntimePanel caller={caller} slug={slug} name={agent.name} query={query} canEdit={canEdit} now={now} />
          <Card
            title={
              <>
                Configuration record · <span className="font-mono">v{shown.number}</span>{" "}
                <span className="font-normal text-slate-500">({label})</span>
              </>
            }
            action={
              <span className="flex gap-3 text-sm">
                <a className="text-brand-700 hover:underline" href={`/agents/${slug}/versions/${shown.number}/spec?format=yaml`} download>
                  Export YAML
                </a>
                <a className="text-brand-700 hover:underline" href={`/agents/${slug}/versions/${shown.number}/spec?format=json`} download>
                  Export JSON
                </a>
              </span>
            }
          >
            <dl className="divide-y divide-slate-50">
              <Field label="Model">
                <ModelLine model={spec.model} />
              </Field>
              <Field label="Autonomy">
                <AutonomyLadder autonomy={spec.autonomy} />
              </Field>
              <Field label="Instructions">
                <pre className="max-h-80 overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs leading-5 whitespace-pre-wrap">
                  {spec.instructions}
                </pre>
              </Field>
              <Field label="Tools">
                <ToolsTable tools={spec.tools} />
              </Field>
              <Field label="Forbidden">
                {spec.forbidden.length ? (
                  <ul className="flex flex-wrap gap-1.5">
                    {spec.forbidden.map((f) => (
                      <li key={f}>
                        <Badge tone="danger" className="font-mono">
                          {f}
                        </Badge>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="text-slate-500">Nothing explicitly forbidden</span>
                )}
              </Field>
              <Field label="Human in the loop">
                <HumanInTheLoop hitl={spec.humanInTheLoop} />
              </Field>
              <Field label="Trace retention">{spec.traceRetentionDays} days</Field>
              <Field label="Spec hash">
                <CopyText value={shown.specHash} label="spec hash" />
              </Field>
              <Field label="Approved by">
                {shown.approvedBy.changeNumber !== null && (
                  <p className="mb-1 text-xs text-slate-500">
                    through CR-{shown.approvedBy.changeNumber}: {shown.approvedBy.changeTitle}
                  </p>
                )}
                <ApprovalsList approved={shown.approvedBy} />
              </Field>
            </dl>
          </Card>

          <Card
            title="Change records"
            action={
              <Link href={`/changes?agent=${slug}`} className="text-sm text-brand-700 hover:underline">
                All {changes.total}
              </Link>
            }
          >
            {changes.items.length ? (
              <ChangeTable items={changes.items} now={now} showAgent={false} caption={`Change records for ${agent.name}`} />
            ) : (
              <p className="text-sm text-slate-500">No change records yet.</p>
            )}
          </Card>

          <Card
            title="Incidents"
            action={
              <Link href={`/incidents?agent=${slug}`} className="text-sm text-brand-700 hover:underline">
                All {incidents.total}
              </Link>
            }
          >
            {incidents.items.length ? (
              <IncidentTable incidents={incidents.items} now={now} caption={`Incidents of ${agent.name}`} showAgent={false} />
            ) : (
              <p className="text-sm text-slate-500">No incidents recorded.</p>
            )}
          </Card>

          <Card title="Recent eval runs">
            <EvalRunsTable runs={evals} now={now} caption={`Recent eval runs of ${agent.name}`} showVersion />
          </Card>

          <Card
            title="Deployment log"
            action={
              <a href={`/api/v1/deployments?agent=${slug}`} className="text-sm text-brand-700 hover:underline">
                All {deploymentLog.total} (JSON)
              </a>
            }
          >
            <DeploymentList deployments={deploymentLog.items} />
          </Card>

          <Card title="Version history">
            <VersionHistory slug={slug} versions={agent.versions} shown={shown.number} now={now} />
          </Card>
        </div>

        <div className="space-y-6">
          <Card title="Environments">
            <EnvironmentsPanel
              environments={agent.environments}
              now={now}
              rolledBack={Object.fromEntries(
                stillRunning.map((i) => [i.environment, { rolledBackAt: i.rolledBackAt, change: i.change?.label ?? null }]),
              )}
            />
          </Card>
          {rollbacks.allowed && (
            <Card title="Roll back">
              <RollbackPanel slug={slug} options={rollbackChoices} rollback={rollbackAction} />
            </Card>
          )}
          <Card title="Ownership">
            <dl>
              <Field label="Workflow">
                {agent.workflow.name} <RiskBadge level={agent.workflow.riskClass} />
                <span className="block text-xs text-slate-500">{agent.workflow.riskReason}</span>
              </Field>
              <Field label="Workflow owner">{agent.workflow.owner.name}</Field>
              <Field label="Engineering owner">{agent.engineeringOwner.name}</Field>
              <Field label="Rollback owner">{agent.rollbackOwner.name}</Field>
              <Field label="Last reviewed">
                <RelativeTime at={agent.lastReviewedAt} now={now} empty="never" />
                {inProduction && isReviewDue(agent.lastReviewedAt, postureSettings.reviewIntervalMs, now) && (
                  <Badge tone="warning" className="ml-2">
                    review due
                  </Badge>
                )}
              </Field>
            </dl>
          </Card>
          <Card title="What ran when">
            <AsOfPanel slug={slug} at={asOf?.at ?? null} environments={asOf?.environments ?? null} error={asOfError} now={now} />
          </Card>
        </div>
      </div>
    </div>
  );
}

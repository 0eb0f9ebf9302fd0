import type { Metadata } from "next";
import Link from "next/link";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { InstructionsDiffView, PermissionDiffView } from "@/components/agents/diff-view";
import { ChangeActions } from "@/components/changes/change-actions";
import { UpdateFromProduction } from "@/components/changes/update-from-production";
import { ChangeStateBadge } from "@/components/changes/change-state-badge";
import { Badge } from "@/components/ui/badge";
import { RiskPanel } from "@/components/changes/risk-panel";
import { DecisionForm } from "@/components/changes/decision-form";
import { ReviewFocus } from "@/components/changes/review-focus";
import { SignoffList } from "@/components/changes/signoff-list";
import { Timeline } from "@/components/changes/timeline";
import { Card, Field } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { instructionsDiff } from "@/lib/domain/permission-diff";
import { requireUser } from "@/lib/server/auth";
import { orNotFound } from "@/app/(app)/or-not-found";
import { userCaller } from "@/lib/server/caller";
import { getChange } from "@/lib/server/changes";
import { evalRunsFor } from "@/lib/server/registry";
import { ATTESTS, changeTimeline, rolesToDecide } from "@/lib/server/signoffs";
import { ROLE_LABELS } from "@/lib/domain/terms";
import { decideSignoffAction, submitChangeAction, updateFromProductionAction, withdrawChangeAction } from "../actions";
import { ChangesSinceReviewView } from "@/components/changes/changes-since-review";
import { OpenChangesList } from "@/components/changes/open-changes-list";
import { OutOfDateNotice } from "@/components/changes/out-of-date-notice";
import { changesSinceReview, otherOpenChanges } from "@/lib/server/change-context";
import { promoteAction, recordEvalAction, retireAction } from "../release-actions";
import { DeploymentList } from "@/components/release/deployment-list";
import { EvalRunForm } from "@/components/release/eval-run-form";
import { EvalRunsTable } from "@/components/release/eval-runs-table";
import { ReleaseOutcome, type SettledState } from "@/components/release/release-outcome";
import { ReleaseSteps } from "@/components/release/release-steps";
import { RetirementStep } from "@/components/release/retirement-step";
import { RetroSignoffNotice } from "@/components/release/retro-signoff-notice";
import { IncidentTable } from "@/components/incidents/incident-table";
import { retroSignoffStatus } from "@/lib/domain/retro-signoff";
import { listDeployments, releaseHistory } from "@/lib/server/deployments";
import { canRecordEvals } from "@/lib/server/evals";
import { incidentsOfChange } from "@/lib/server/incidents";
import { releaseSteps } from "@/lib/server/promotion";
import { signerAvailability } from "@/lib/server/signer-availability";
import { retirementStep } from "@/lib/server/retirement";
import { SinceRelease } from "@/components/runtime/since-release";
import { changeSinceRelease } from "@/lib/server/release-evidence";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: decodeURIComponent((await params).id) };
}

export default async function ChangePage({ params }: Props) {
  const user = await requireUser();
  const { id } = await params;
  const change = await orNotFound(async () => await getChange(userCaller(user), decodeURIComponent(id)));
  const now = Date.now();
  const caller = userCaller(user);
  const deciding = await rolesToDecide(caller, change);
  const timeline = await changeTimeline(caller, change.id);
  const evals = change.specHash ? await evalRunsFor(caller, change.agent.slug, change.specHash) : [];
  const compared = change.comparedWith;
  const instructions = change.spec && compared ? instructionsDiff(compared.spec.instructions, change.spec.instructions) : [];
  const sinceReview = deciding.length > 0 ? await changesSinceReview(caller, change) : null;
  const others = await otherOpenChanges(caller, change.agent.slug, change.id);
  const isAuthor = change.author.kind === "user" && change.author.id === user.id;
  const steps = change.specHash ? await releaseSteps(caller, change.id) : [];
  const deployed = (await listDeployments(caller, { change: change.id, pageSize: 100 })).items;
  const incidents = await incidentsOfChange(caller, change.id);
  const retro = retroSignoffStatus(change.retroSignoffDueAt, change.signoffs, now);
  const running = Object.fromEntries(steps.map((s) => [s.environment, s.gates.some((g) => g.gate === "not_already_running" && !g.met)]));
  const retirement = change.retire ? await retirementStep(caller, change.id) : null;
  const showRelease = (steps.length > 0 || retirement !== null) && !["rejected", "withdrawn"].includes(change.state);
  // Once released, rolled back, rejected or withdrawn, the release section tells what happened instead of listing gates.
  const settled = (["released", "rolled_back", "rejected", "withdrawn"] as SettledState[]).find((s) => s === change.state);
  const history = settled ? await releaseHistory(caller, change.id) : null;
  const sinceRelease = await changeSinceRelease(caller, change.id, now);
  const open = change.state === "draft" || change.state === "in_review";
  const problems = Object.entries(change.submissionProblems);
  const link = (url: string | undefined, label: string) =>
    url ? (
      <a href={url} className="break-all text-brand-700 hover:underline" rel="noreferrer noopener" target="_blank">
        {label}
      </a>
    ) : null;

  return (
    <div className="space-y-6">
      <Breadcrumb items={[{ href: "/changes", label: "Changes" }, { label: change.label }]} />
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="flex items-center gap-2 font-mono text-sm text-slate-500">
            {change.label} <ChangeStateBadge state={change.state} />
            {change.retire && <Badge>retires the agent</Badge>}
          </p>
          <h1 className="mt-1 text-2xl font-semibold tracking-tight break-words">{change.title || "Untitled draft"}</h1>
          <p className="mt-1 text-sm text-slate-600">
            to{" "}
            <Link href={`/agents/${change.agent.slug}`} className="text-brand-700 underline">
              {change.agent.name}
            </Link>{" "}
            ({change.agent.workflow.name}) · proposed by{" "}
            {change.author.kind === "user" ? change.author.name : `API token “${change.author.name}”`}{" "}
            <RelativeTime at={change.createdAt} now={now} />
            {change.retire && change.headVersion ? (
              <> · retires v{change.headVersion}</>
            ) : (
              change.baseVersion && (
                <>
                  {" "}
                  · proposes {change.headVersion ? `v${change.headVersion}` : "a spec that does not parse yet"}, based on v
                  {change.baseVersion.number}
                </>
              )
            )}
          </p>
        </div>
        {isAuthor && (
          <ChangeActions
            id={change.id}
            label={change.label}
            canEdit={open || change.state === "approved"}
            canSubmit={change.state === "draft" && problems.length === 0}
            canWithdraw={open}
            submit={submitChangeAction}
            withdraw={withdrawChangeAction}
          />
        )}
      </header>

      {change.state === "draft" && problems.length > 0 && (
        <div role="status" className="rounded-lg border border-amber-200 bg-amber-50 p-4 text-sm text-amber-900">
          <p className="font-medium">Before this draft can go to review:</p>
          <ul className="mt-1 list-disc pl-5">
            {problems.map(([field, messages]) => (
              <li key={field}>{messages.join("; ")}</li>
            ))}
          </ul>
        </div>
      )}

      {change.outOfDate && change.production && (
        <OutOfDateNotice
          label={change.label}
          baseVersion={change.baseVersion?.number ?? null}
          production={change.production}
          escalations={change.permissionDiff.filter((i) => i.direction === "escalation").map((i) => i.summary)}
          now={now}
          action={isAuthor ? <UpdateFromProduction changeId={change.id} update={updateFromProductionAction} /> : null}
        />
      )}

      {retro && change.retroSignoffDueAt !== null && (
        <RetroSignoffNotice
          status={retro}
          dueAt={change.retroSignoffDueAt}
          now={now}
          waitingOn={change.signoffs.filter((s) => s.status === "pending").map((s) => ROLE_LABELS[s.role])}
        />
      )}

      {deciding.map((role) => (
        <Card key={role} title={`Your review as ${ROLE_LABELS[role]}: ${ATTESTS[role]}`} className="border-brand-200 ring-1 ring-brand-100">
          <div className="space-y-5">
            {sinceReview && (
              <ChangesSinceReviewView
                since={sinceReview}
                headVersion={change.headVersion}
                comparedWith={compared?.number ?? null}
                now={now}
              />
            )}
            <ReviewFocus role={role} change={change} instructions={instructions} evals={evals} />
            <DecisionForm
              changeId={change.id}
              contentHash={change.contentHash!}
              comparedWithVersion={compared?.number ?? null}
              approveBlocked={
                change.outOfDate && change.state !== "released"
                  ? "Approving waits until the author updates this change from production; you can still request changes or reject it."
                  : null
              }
              role={role}
              roleLabel={ROLE_LABELS[role]}
              decide={decideSignoffAction}
            />
          </div>
        </Card>
      ))}

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <div className="space-y-6">
          {(showRelease || settled) && (
            <Card
              title="Release"
              action={
                settled !== "rejected" &&
                settled !== "withdrawn" && (
                  <span className="text-xs text-slate-500">
                    {change.retire ? "retired in every environment at once" : "development → staging → production"}
                  </span>
                )
              }
            >
              {settled && history ? (
                <ReleaseOutcome
                  label={change.label}
                  state={settled}
                  agent={change.agent.slug}
                  environments={history.environments}
                  rollback={history.rollback}
                />
              ) : retirement ? (
                <RetirementStep changeId={change.id} agentName={change.agent.name} {...retirement} retire={retireAction} />
              ) : (
                <ReleaseSteps changeId={change.id} steps={steps} running={running} promote={promoteAction} />
              )}
            </Card>
          )}
          {sinceRelease && <SinceRelease since={sinceRelease} />}
          {change.retire ? (
            <Card title="What retiring withdraws">
              <p className="text-sm text-slate-700">
                {change.label} retires {change.agent.name}
                {change.headVersion ? ` (v${change.headVersion}, what production runs)` : ""}: once released, every grant of that version
                stops in development, staging and production, and the workflow&apos;s work returns to people or other agents.
              </p>
            </Card>
          ) : (
            <Card
              title={
                compared
                  ? `Permission diff against v${compared.number}${compared.isProduction ? ", what production runs now" : ""}`
                  : "Permission diff: a new agent, compared with nothing"
              }
            >
              {change.spec ? (
                <PermissionDiffView items={change.permissionDiff} />
              ) : (
                <p className="text-sm text-slate-600">The proposed spec does not parse yet, so there is nothing to compare.</p>
              )}
            </Card>
          )}
          {change.spec && compared && !change.retire && (
            <Card title="Instructions">
              <InstructionsDiffView lines={instructions} />
            </Card>
          )}
          <Card title="The change record">
            <dl className="divide-y divide-slate-50">
              <Field label="Rationale">
                {change.rationale ? <p className="whitespace-pre-wrap">{change.rationale}</p> : <span className="text-slate-500">—</span>}
              </Field>
              <Field label="Role impacts">
                {change.roleImpacts.length ? (
                  <ul className="space-y-1">
                    {change.roleImpacts.map((r, i) => (
                      <li key={i}>
                        <span className="font-medium">{r.role}</span> {r.impact} work: {r.description}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="text-slate-500">none stated</span>
                )}
              </Field>
              <Field label="Harm metrics">
                {change.harmMetrics.length ? (
                  <ul className="space-y-1">
                    {change.harmMetrics.map((m, i) => (
                      <li key={i} className="font-mono text-xs">
                        {m.name} {m.comparator} {m.threshold} over {m.window}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="text-slate-500">none stated</span>
                )}
              </Field>
              <Field label="Evidence">
                <span className="flex flex-col gap-0.5">
                  {link(change.evidence.pullRequest, "Pull request")}
                  {change.branch && (
                    <span>
                      From branch <code className="break-all font-mono text-xs">{change.branch}</code>
                    </span>
                  )}
                  {link(change.evidence.evalReport, "Eval report")}
                  {link(change.evidence.traceSample, "Trace sample")}
                  {!change.evidence.pullRequest && !change.evidence.evalReport && !change.evidence.traceSample && !change.branch && (
                    <span className="text-slate-500">none linked</span>
                  )}
                </span>
              </Field>
              <Field label="Rollback plan">
                {change.rollbackPlan ? (
                  <p className="whitespace-pre-wrap">{change.rollbackPlan}</p>
                ) : (
                  <span className="text-slate-500">—</span>
                )}
              </Field>
              <Field label="Rollback owner">{change.rollbackOwner?.name ?? <span className="text-slate-500">—</span>}</Field>
              <Field label="Monitoring">{change.monitoring || <span className="text-slate-500">—</span>}</Field>
              {change.emergency && <Field label="Emergency">{change.emergency.justification}</Field>}
              <Field label="Content hash">
                <span className="font-mono text-xs break-all">{change.contentHash ?? "—"}</span>
              </Field>
            </dl>
          </Card>
        </div>
        <div className="space-y-6">
          <Card title="Risk and routing">
            <RiskPanel
              tier={change.riskTier}
              reasons={change.riskReasons}
              required={change.requiredSignoffs}
              standardChange={change.standardChange}
              classChange={change.workflowClassChangedSince}
              reassessmentReason={change.reassessmentReason}
            />
            {change.policyVersion && (
              <p className="mt-3 text-xs text-slate-500">Submitted under sign-off policy version {change.policyVersion}.</p>
            )}
          </Card>
          {change.specHash && !change.retire && (
            <Card title={`Eval runs for spec ${change.specHash.slice(0, 12)}`}>
              <div className="space-y-4">
                <EvalRunsTable runs={evals} now={now} caption={`Eval runs for ${change.label}`} />
                {canRecordEvals(caller) && showRelease && !settled && (
                  <EvalRunForm
                    changeId={change.id}
                    agent={change.agent.slug}
                    specHash={change.specHash}
                    suggestedSuite={`${change.agent.slug}-regression`}
                    record={recordEvalAction}
                  />
                )}
              </div>
            </Card>
          )}
          {(deployed.length > 0 || showRelease) && (
            <Card title="Deployments">
              <DeploymentList deployments={deployed} />
            </Card>
          )}
          {incidents.length > 0 && (
            <Card title="Incidents">
              <IncidentTable incidents={incidents} now={now} caption={`Incidents linked to ${change.label}`} showAgent={false} />
            </Card>
          )}
          {change.signoffs.length > 0 && (
            <Card title="Sign-offs">
              <SignoffList
                signoffs={change.signoffs}
                now={now}
                signers={await signerAvailability(caller, change.id, change.author.kind === "user" ? change.author.id : null)}
              />
            </Card>
          )}
          {others.length > 0 && (
            <Card title="Other open changes on this agent">
              <OpenChangesList changes={others} now={now} />
            </Card>
          )}
          <Card title="Timeline">
            <Timeline entries={timeline} />
          </Card>
        </div>
      </div>
    </div>
  );
}

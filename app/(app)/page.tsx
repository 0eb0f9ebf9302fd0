import type { Metadata } from "next";
import Link from "next/link";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Suspense } from "react";
import { AlertTriangle, AlarmClock } from "lucide-react";
import { ChangeTable } from "@/components/changes/change-table";
import { SeverityBadge } from "@/components/incidents/severity-badge";
import { RiskBadge } from "@/components/agents/risk-badge";
import { Card } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { OPEN_CHANGE_STATES, ROLE_LABELS } from "@/lib/domain/terms";
import { requireUser } from "@/lib/server/auth";
import { userCaller, type Caller } from "@/lib/server/caller";
import { canProposeChanges } from "@/lib/server/changes";
import { listChanges } from "@/lib/server/change-queries";
import { listIncidents } from "@/lib/server/incidents";
import { openRetroSignoffs } from "@/lib/server/retro-signoffs";
import { mySignoffCounts, mySignoffQueue } from "@/lib/server/signoffs";
import { hasRole } from "@/lib/server/users";
import { gettingStarted } from "@/lib/server/setup";
import { GettingStarted } from "@/components/shell/getting-started";
import { SIGNER_ROLES } from "@/lib/domain/signoff-policy";
import { doraSummary } from "@/components/metrics/dora-format";
import { DoraTiles } from "@/components/metrics/dora-tiles";
import { doraReport } from "@/lib/server/metrics";
import { DriftCard } from "@/components/home/drift-card";
import { driftOverview } from "@/lib/server/inventory-posture";
import { canResolveDrift } from "@/lib/server/drift";
import { RuntimeBreachesCard } from "@/components/home/runtime-breaches-card";
import { RECENT_BREACH_DAYS, runtimeBreachOverview } from "@/lib/server/runtime-overview";

export const metadata: Metadata = { title: "Home" };

/** What each person needs on sign-in: what waits on them, what they have in flight, and what is on fire. */
export default async function HomePage() {
  const user = await requireUser();
  const caller = userCaller(user);
  const now = Date.now();
  const { waiting } = await mySignoffCounts(caller);
  const queue = await mySignoffQueue(caller, { page: 1, pageSize: 6 });
  const mine = canProposeChanges(user)
    ? (await listChanges(caller, { mine: "1", page: 1, pageSize: 100 })).items.filter((c) =>
        (OPEN_CHANGE_STATES as readonly string[]).includes(c.state),
      )
    : [];
  const overdue = (await openRetroSignoffs(caller, {}, now)).filter((r) => r.status !== "pending");
  const urgent = [
    ...(await listIncidents(caller, { open: "true", severity: "sev1", pageSize: 20 })).items,
    ...(await listIncidents(caller, { open: "true", severity: "sev2", pageSize: 20 })).items,
  ];
  const signs = user.roles.some((r) => (SIGNER_ROLES as readonly string[]).includes(r));
  const leader = hasRole(user, "leader");
  const auditor = hasRole(user, "auditor");
  const setup = await gettingStarted(caller);
  // The people who resolve drift (engineering, security, operations) see it on arrival.
  const drift = canResolveDrift(user) ? await driftOverview(caller, now) : null;
  const breaches = await runtimeBreachOverview(caller, now);

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Welcome back, {user.name.split(" ")[0]}</h1>
        <p className="mt-1 text-sm text-slate-600">
          Signed in as {user.roles.map((r) => ROLE_LABELS[r]).join(", ") || "a person with no role yet"}.
        </p>
      </div>

      {setup && <GettingStarted progress={setup} />}

      <section aria-label="Alerts" className="space-y-2">
        {overdue.map((r) => (
          <Link
            key={r.changeId}
            href={`/changes/CR-${r.number}`}
            className="flex gap-3 rounded-lg border border-rose-300 bg-rose-50 p-3 text-sm text-rose-900 hover:bg-rose-100"
          >
            <AlarmClock aria-hidden className="mt-0.5 size-5 shrink-0" />
            <span>
              {r.status === "rejected" ? (
                <>
                  <span className="font-semibold">Retro sign-off rejected</span>: CR-{r.number} {r.title} ({r.agent.name}) was released as
                  an emergency and refused afterwards.
                </>
              ) : (
                <>
                  <span className="font-semibold">Retro sign-off overdue</span> <RelativeTime at={r.dueAt} now={now} />: CR-{r.number}{" "}
                  {r.title} ({r.agent.name}) still waits on {r.waitingOn.map((role) => ROLE_LABELS[role]).join(", ")}.
                </>
              )}
            </span>
          </Link>
        ))}
        {urgent.map((i) => (
          <Link
            key={i.id}
            href={`/incidents?agent=${i.agent}&open=true`}
            className="flex items-start gap-3 rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950 hover:bg-amber-100"
          >
            <AlertTriangle aria-hidden className="mt-0.5 size-5 shrink-0" />
            <span>
              <SeverityBadge severity={i.severity} /> <span className="font-semibold">Open incident</span> on {i.agentName}: {i.title} —
              detected <RelativeTime at={i.detectedAt} now={now} />.
            </span>
          </Link>
        ))}
        {overdue.length === 0 && urgent.length === 0 && (
          <p className="rounded-lg border border-slate-200 bg-white p-3 text-sm text-slate-600">
            No alerts: no open sev1 or sev2 incident, and no overdue or rejected retro sign-off.
          </p>
        )}
      </section>

      {leader && (
        <section aria-label="DORA metrics for agent changes" className="space-y-2">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 className="text-base font-semibold">Agent changes, the last 26 weeks against the 26 before</h2>
            <Link href="/metrics" className="text-sm text-brand-700 hover:underline">
              Open the dashboard
            </Link>
          </div>
          <Suspense
            fallback={
              <div role="status" className="min-h-32 rounded-lg border border-slate-200 bg-white px-4 py-6 text-sm text-slate-500">
                Computing the five numbers…
              </div>
            }
          >
            <HomeDoraTiles caller={caller} now={now} />
          </Suspense>
        </section>
      )}

      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-2">
        {breaches.total > 0 && <RuntimeBreachesCard data={{ ...breaches, days: RECENT_BREACH_DAYS }} now={now} />}

        {signs && (
          <Card
            title={`Waiting on your sign-off (${waiting})`}
            action={
              <Link href="/signoffs" className="text-sm text-brand-700 hover:underline">
                Open the queue
              </Link>
            }
          >
            {queue.length === 0 ? (
              <p className="text-sm text-slate-500">Nothing waits on you.</p>
            ) : (
              <ul className="divide-y divide-slate-100">
                {queue.map((q) => (
                  <li key={`${q.changeId}-${q.role}`} className="flex flex-wrap items-baseline justify-between gap-2 py-2 text-sm">
                    <Link href={`/changes/CR-${q.number}`} className="min-w-0 font-medium text-brand-700 hover:underline">
                      <span className="font-mono text-xs text-slate-500">CR-{q.number}</span> {q.title}
                    </Link>
                    <span className="flex items-center gap-2 text-xs text-slate-500">
                      {q.riskTier && <RiskBadge level={q.riskTier} />} as {ROLE_LABELS[q.role]} ·{" "}
                      <RelativeTime at={q.waitingSince} now={now} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        )}

        {canProposeChanges(user) && (
          <Card
            title={`Your open changes (${mine.length})`}
            action={
              <Link href="/changes?mine=1" className="text-sm text-brand-700 hover:underline">
                All yours
              </Link>
            }
          >
            {mine.length ? (
              <ChangeTable items={mine.slice(0, 6)} now={now} caption="Your open changes" />
            ) : (
              <p className="text-sm text-slate-500">Nothing in flight. Open an agent and choose “Propose a change”.</p>
            )}
          </Card>
        )}

        {drift && <DriftCard data={drift} now={now} />}

        {(leader || auditor) && (
          <Card title={leader ? "How agent changes are going" : "Evidence"}>
            <ul className="space-y-2 text-sm">
              {leader && (
                <li>
                  <Link href="/metrics" className="font-medium text-brand-700 hover:underline">
                    DORA metrics for agent changes
                  </Link>{" "}
                  — lead time, deployment frequency, change fail rate, recovery time and rework rate, with the records behind each number.
                </li>
              )}
              <li>
                <Link href="/audit" className="font-medium text-brand-700 hover:underline">
                  Audit trail
                </Link>{" "}
                — every event, hash-chained, with an integrity check.
              </li>
            </ul>
          </Card>
        )}
      </div>
    </div>
  );
}

/** The leader's tiles stream in after the rest of the page: a turn of the event loop first, so the page is sent before the reads (each SQLite statement holds the event loop while it runs). */
async function HomeDoraTiles({ caller, now }: { caller: Caller; now: number }) {
  await nextTurn();
  const dora = await doraReport(caller, {}, now);
  return <DoraTiles current={doraSummary(dora.current)} previous={doraSummary(dora.previous)} />;
}

import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import type { DeploymentKind, Environment } from "@/lib/domain/terms";

type Deployment = {
  id: string;
  version: number;
  kind: DeploymentKind;
  deployedAt: number;
  deployedBy: string;
  changeNumber: number | null;
  reason: string | null;
};

type EnvironmentRelease = {
  environment: Environment;
  deployed: Deployment | null;
  replacedBy: Deployment | null;
  current: Deployment | null;
};
type Rollback = { deployment: Deployment; incident: { id: string; title: string } | null } | null;
export type SettledState = "released" | "rolled_back" | "rejected" | "withdrawn";

/**
 * The release section of a change whose review is over: what happened to its version in each environment,
 * instead of a checklist of gates that no longer apply.
 */
export function ReleaseOutcome({
  label,
  state,
  agent,
  environments,
  rollback,
}: {
  label: string;
  state: SettledState;
  agent: string;
  environments: EnvironmentRelease[];
  rollback: Rollback;
}) {
  const stillRunning = environments.filter((e) => e.deployed && e.current?.version === e.deployed.version);
  if (state === "rejected" || state === "withdrawn") {
    return (
      <div className="space-y-1 text-sm text-slate-700">
        <p>
          {label} was {state}: nothing of it can be promoted.
        </p>
        {stillRunning.map((e) => (
          <p key={e.environment} className="text-slate-600">
            <span className="capitalize">{e.environment}</span> still runs its v{e.deployed!.version}, since{" "}
            <UtcTime at={e.current!.deployedAt} />.
          </p>
        ))}
      </div>
    );
  }
  const production = environments.find((e) => e.environment === "production")?.deployed ?? null;
  return (
    <div className="space-y-4">
      {state === "rolled_back" && (
        <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset">
          {production && (
            <>
              Released on <UtcTime at={production.deployedAt} /> by {production.deployedBy};{" "}
            </>
          )}
          {rollback ? (
            <>
              rolled back on <UtcTime at={rollback.deployment.deployedAt} /> by {rollback.deployment.deployedBy}
              {rollback.deployment.reason && <> (“{rollback.deployment.reason}”)</>}
              {rollback.incident ? (
                <>
                  , incident{" "}
                  <Link href={`/incidents?agent=${agent}`} className="font-medium underline">
                    “{rollback.incident.title}”
                  </Link>
                  .
                </>
              ) : (
                <>, no incident linked.</>
              )}
            </>
          ) : (
            <>its production release was rolled back.</>
          )}
        </p>
      )}
      <ol className="space-y-3">
        {environments.map((e) => (
          <EnvironmentOutcome
            key={e.environment}
            release={e}
            rolledBack={state === "rolled_back"}
            rollbackId={state === "rolled_back" ? (rollback?.deployment.id ?? null) : null}
            agent={agent}
          />
        ))}
      </ol>
    </div>
  );
}

function EnvironmentOutcome({
  release,
  rolledBack,
  rollbackId,
  agent,
}: {
  release: EnvironmentRelease;
  rolledBack: boolean;
  /** The production rollback the summary above already tells, reason and all. */
  rollbackId: string | null;
  agent: string;
}) {
  const { environment, deployed, replacedBy, current } = release;
  const running = deployed !== null && current?.version === deployed.version;
  const badge = !deployed ? (
    <Badge>never deployed</Badge>
  ) : running ? (
    rolledBack ? (
      <Badge tone="warning">still running</Badge>
    ) : (
      <Badge tone="success">running this version</Badge>
    )
  ) : replacedBy?.kind === "rollback" ? (
    <Badge tone="warning">rolled back</Badge>
  ) : (
    <Badge>replaced</Badge>
  );
  if (!deployed)
    return (
      <li aria-label={`${environment}: never deployed`} className="rounded-md border border-dashed border-slate-200 px-3 py-2">
        <h3 className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-600">
          <span className="capitalize">{environment}</span>
          {badge}
        </h3>
      </li>
    );
  return (
    // Every deployment of a change passed that environment's gates; the name keeps the checklist's for the same place.
    <li aria-label={`${environment} gates passed`} className="rounded-md border border-slate-200 p-3">
      <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
        <span className="capitalize">{environment}</span>
        {badge}
      </h3>
      <div className="mt-1.5 space-y-1 text-sm text-slate-700">
        <p>
          {environment === "production" ? (
            <>
              {deployed.kind === "emergency" ? "Released to production as an emergency" : "Released to production"} on{" "}
              <UtcTime at={deployed.deployedAt} /> by {deployed.deployedBy} (v{deployed.version})
            </>
          ) : running ? (
            <>
              Runs v{deployed.version} since <UtcTime at={current!.deployedAt} />, promoted by {deployed.deployedBy}
            </>
          ) : (
            <>
              Ran v{deployed.version} from <UtcTime at={deployed.deployedAt} />, promoted by {deployed.deployedBy}
            </>
          )}
        </p>
        {replacedBy && !running && <Replacement by={replacedBy} current={current} withReason={replacedBy.id !== rollbackId} />}
        {running && rolledBack && environment !== "production" && (
          <p className="text-amber-800">
            It was rolled back in production; roll {environment} back from{" "}
            <Link href={`/agents/${agent}`} className="font-medium underline">
              the agent page
            </Link>
            .
          </p>
        )}
      </div>
    </li>
  );
}

/** What took the version's place: a rollback, or another change; and, when that too has gone, what runs now. */
function Replacement({ by, current, withReason }: { by: Deployment; current: Deployment | null; withReason: boolean }) {
  const stillThere = current?.id === by.id;
  return (
    <p className="text-slate-600">
      {by.kind === "rollback" ? (
        <>
          Rolled back to v{by.version} on <UtcTime at={by.deployedAt} /> by {by.deployedBy}
          {withReason && by.reason && <> (“{by.reason}”)</>}
        </>
      ) : (
        <>
          Replaced by v{by.version} {stillThere ? "since" : "on"} <UtcTime at={by.deployedAt} />
          {by.changeNumber !== null && (
            <>
              {" "}
              (
              <Link href={`/changes/CR-${by.changeNumber}`} className="text-brand-700 underline">
                CR-{by.changeNumber}
              </Link>
              )
            </>
          )}
        </>
      )}
      {!stillThere && current && <>; now runs v{current.version}</>}.
    </p>
  );
}

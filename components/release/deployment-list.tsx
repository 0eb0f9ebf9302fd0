import Link from "next/link";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import type { DeploymentKind, Environment } from "@/lib/domain/terms";

type Deployment = {
  id: string;
  agent: string;
  environment: Environment;
  version: number;
  kind: DeploymentKind;
  deployedAt: number;
  deployedBy: string;
  changeNumber: number | null;
  replacedVersion: number | null;
  reason: string | null;
};

const KIND_TONE: Record<DeploymentKind, BadgeTone> = { promote: "info", rollback: "warning", emergency: "danger", retire: "neutral" };

/** The deployment log, newest first: what went where, replacing what, by whom, for which change. */
export function DeploymentList({ deployments, empty = "Not deployed anywhere yet." }: { deployments: Deployment[]; empty?: string }) {
  if (deployments.length === 0) return <p className="text-sm text-slate-500">{empty}</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm">
      {deployments.map((d) => (
        <li key={d.id} className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5 py-1.5">
          <Badge tone={KIND_TONE[d.kind]}>{d.kind}</Badge>
          <span className="font-medium capitalize">{d.environment}</span>
          <span className="font-mono text-xs">
            {d.replacedVersion ? `v${d.replacedVersion} → ` : ""}v{d.version}
          </span>
          {d.changeNumber !== null && (
            <Link href={`/changes/CR-${d.changeNumber}`} className="text-brand-700 hover:underline">
              CR-{d.changeNumber}
            </Link>
          )}
          <span className="text-slate-500">
            by {d.deployedBy}, <UtcTime at={d.deployedAt} />
          </span>
          {d.reason && <span className="basis-full text-xs break-words text-slate-600">“{d.reason}”</span>}
        </li>
      ))}
    </ul>
  );
}

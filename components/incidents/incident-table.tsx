import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { UtcTime } from "@/components/ui/utc-time";
import type { Environment, Resolution, Severity } from "@/lib/domain/terms";
import { SeverityBadge } from "./severity-badge";

export type IncidentRow = {
  id: string;
  agent: string;
  agentName: string;
  deployment: { environment: Environment; version: number; changeNumber: number | null } | null;
  severity: Severity;
  title: string;
  detectedAt: number;
  resolvedAt: number | null;
  resolution: Resolution | null;
  fixChangeNumber: number | null;
  openedBy: string;
};

/** Incidents with their suspected deployment and how they ended; `actions` renders per-row controls (e.g. resolve). */
export function IncidentTable({
  incidents,
  now,
  caption,
  showAgent = true,
  actions,
}: {
  incidents: IncidentRow[];
  now: number;
  caption: string;
  showAgent?: boolean;
  actions?: (incident: IncidentRow) => React.ReactNode;
}) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-500">
          <tr>
            <th className="py-2 pr-3 font-medium">Severity</th>
            <th className="py-2 pr-3 font-medium">Incident</th>
            {showAgent && <th className="py-2 pr-3 font-medium">Agent</th>}
            <th className="py-2 pr-3 font-medium">Suspected deployment</th>
            <th className="py-2 pr-3 font-medium">Detected</th>
            <th className="py-2 pr-3 font-medium">Status</th>
            {actions && (
              <th className="py-2 font-medium">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {incidents.map((i) => (
            <tr key={i.id} className="align-top">
              <td className="py-2 pr-3">
                <SeverityBadge severity={i.severity} />
              </td>
              <td className="max-w-md py-2 pr-3 break-words">
                {i.title}
                <span className="block text-xs text-slate-500">opened by {i.openedBy}</span>
              </td>
              {showAgent && (
                <td className="py-2 pr-3">
                  <Link href={`/agents/${i.agent}`} className="text-brand-700 hover:underline">
                    {i.agentName}
                  </Link>
                </td>
              )}
              <td className="py-2 pr-3 whitespace-nowrap">
                {i.deployment ? (
                  <>
                    {i.deployment.environment} v{i.deployment.version}
                    {i.deployment.changeNumber !== null && (
                      <>
                        {" "}
                        ·{" "}
                        <Link href={`/changes/CR-${i.deployment.changeNumber}`} className="text-brand-700 underline">
                          CR-{i.deployment.changeNumber}
                        </Link>
                      </>
                    )}
                  </>
                ) : (
                  <span className="text-slate-400">not linked</span>
                )}
              </td>
              <td className="py-2 pr-3 whitespace-nowrap">
                <UtcTime at={i.detectedAt} />
              </td>
              <td className="py-2 pr-3">
                {i.resolvedAt === null ? (
                  <Badge tone="danger">open</Badge>
                ) : (
                  <span className="text-slate-700">
                    <Badge tone="success">resolved</Badge> {i.resolution?.replace("_", " ")}{" "}
                    <span className="text-xs text-slate-500">
                      <RelativeTime at={i.resolvedAt} now={now} />
                    </span>
                    {i.fixChangeNumber !== null && (
                      <span className="block text-xs">
                        fixed by{" "}
                        <Link href={`/changes/CR-${i.fixChangeNumber}`} className="text-brand-700 underline">
                          CR-{i.fixChangeNumber}
                        </Link>
                      </span>
                    )}
                  </span>
                )}
              </td>
              {actions && <td className="py-2">{actions(i)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

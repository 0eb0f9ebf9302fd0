import Link from "next/link";
import { formatHours } from "@/components/charts/units";
import { SeverityBadge } from "@/components/incidents/severity-badge";
import { Badge } from "@/components/ui/badge";
import { UtcTime } from "@/components/ui/utc-time";
import { SEVERITIES, type Severity } from "@/lib/domain/terms";
import { METRIC_NAMES, type MetricKey } from "./dora-format";

/** One record behind a DORA number (the shape `metricRecords` returns). */
export type DrillRecord = {
  deployment: { id: string; agent: string; environment: string; version: number; kind: string };
  agentName: string;
  change: { number: number; title: string } | null;
  at: number;
  hours: number | null;
  note: string;
  incidents: { id: string; title: string; severity: string }[];
};

const WHEN: Record<MetricKey, string> = {
  leadTime: "Released",
  deploymentFrequency: "Released",
  changeFailRate: "Released",
  recoveryTime: "Failure detected",
  reworkRate: "Deployed",
};
const HOURS: Partial<Record<MetricKey, string>> = { leadTime: "Lead time", recoveryTime: "Recovery time" };
const KIND_TONE = { promote: "neutral", emergency: "warning", rollback: "info" } as const;

const isSeverity = (s: string): s is Severity => (SEVERITIES as readonly string[]).includes(s);
const none = <span className="text-slate-400">—</span>;

function Agent({ r }: { r: DrillRecord }) {
  return (
    <Link href={`/agents/${r.deployment.agent}`} className="text-brand-700 hover:underline">
      {r.agentName}
    </Link>
  );
}

function Deployment({ r }: { r: DrillRecord }) {
  return (
    <span className="whitespace-nowrap">
      {r.deployment.environment} v{r.deployment.version}{" "}
      <Badge tone={KIND_TONE[r.deployment.kind as keyof typeof KIND_TONE] ?? "neutral"}>{r.deployment.kind}</Badge>
    </span>
  );
}

function Change({ r }: { r: DrillRecord }) {
  if (!r.change) return none;
  return (
    <Link href={`/changes/CR-${r.change.number}`} className="text-brand-700 hover:underline">
      <span className="font-mono text-xs text-slate-500">CR-{r.change.number}</span> {r.change.title}
    </Link>
  );
}

function Incidents({ r }: { r: DrillRecord }) {
  if (r.incidents.length === 0) return none;
  return (
    <ul className="space-y-1">
      {r.incidents.map((i) => (
        <li key={i.id} className="flex items-start gap-1.5">
          {isSeverity(i.severity) ? <SeverityBadge severity={i.severity} /> : <Badge>{i.severity}</Badge>}
          <Link href={`/incidents?agent=${r.deployment.agent}`} className="hover:underline">
            {i.title}
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** The records as a table on wide screens and as a list of cards on phones, where seven columns cannot fit. */
export function MetricRecordList({ metric, records }: { metric: MetricKey; records: DrillRecord[] }) {
  const hoursLabel = HOURS[metric];
  return (
    <>
      <div className="hidden overflow-x-auto md:block">
        <table className="w-full min-w-[960px] text-left text-sm">
          <caption className="sr-only">Records behind {METRIC_NAMES[metric].toLowerCase()}</caption>
          <thead className="text-xs text-slate-500">
            <tr>
              <th scope="col" className="py-2 pr-3 font-medium">
                {WHEN[metric]}
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                Agent
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                Deployment
              </th>
              <th scope="col" className="py-2 pr-3 font-medium">
                Change record
              </th>
              {hoursLabel && (
                <th scope="col" className="py-2 pr-3 font-medium">
                  {hoursLabel}
                </th>
              )}
              <th scope="col" className="py-2 pr-3 font-medium">
                Why it counts
              </th>
              <th scope="col" className="py-2 font-medium">
                Incidents
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {records.map((r) => (
              <tr key={r.deployment.id} className="align-top">
                <td className="py-2 pr-3 whitespace-nowrap">
                  <UtcTime at={r.at} />
                </td>
                <td className="py-2 pr-3">
                  <Agent r={r} />
                </td>
                <td className="py-2 pr-3">
                  <Deployment r={r} />
                </td>
                <td className="max-w-80 py-2 pr-3">
                  <Change r={r} />
                </td>
                {hoursLabel && (
                  <td className="py-2 pr-3 whitespace-nowrap tabular-nums">{r.hours === null ? none : formatHours(r.hours)}</td>
                )}
                <td className="py-2 pr-3 text-slate-700">{r.note}</td>
                <td className="py-2">
                  <Incidents r={r} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ul aria-label={`Records behind ${METRIC_NAMES[metric].toLowerCase()}`} className="divide-y divide-slate-100 text-sm md:hidden">
        {records.map((r) => (
          <li key={r.deployment.id} className="space-y-1 py-3">
            <p className="flex flex-wrap items-baseline justify-between gap-x-3 text-xs text-slate-500">
              <span>
                {WHEN[metric]} <UtcTime at={r.at} />
              </span>
              {hoursLabel && (
                <span className="font-medium text-slate-900 tabular-nums">{r.hours === null ? "—" : formatHours(r.hours)}</span>
              )}
            </p>
            <p className="flex flex-wrap items-center gap-x-2">
              <Agent r={r} /> <Deployment r={r} />
            </p>
            <p>
              <Change r={r} />
            </p>
            <p className="text-slate-600">{r.note}</p>
            {r.incidents.length > 0 && <Incidents r={r} />}
          </li>
        ))}
      </ul>
    </>
  );
}

import Link from "next/link";
import { UtcTime } from "@/components/ui/utc-time";

export type AuditRow = {
  seq: number;
  at: number;
  actor: { type: "user" | "token" | "system"; id: string | null; label: string };
  action: string;
  entity: { type: string; id: string; agent: string | null; changeNumber: number | null };
  payload: unknown;
  hash: string;
};

function EntityCell({ entity }: { entity: AuditRow["entity"] }) {
  const link = "font-medium text-brand-700 hover:underline";
  if (entity.changeNumber !== null) {
    return (
      <Link href={`/changes/CR-${entity.changeNumber}`} className={link}>
        CR-{entity.changeNumber}
      </Link>
    );
  }
  if (entity.type === "agent" && entity.agent) {
    return (
      <Link href={`/agents/${entity.agent}`} className={link}>
        {entity.agent}
      </Link>
    );
  }
  return (
    <>
      <span className="text-slate-700">{entity.type.replace(/_/g, " ")}</span>{" "}
      <span className="font-mono text-xs text-slate-500" title={entity.id}>
        {entity.id.length > 14 ? `${entity.id.slice(0, 12)}…` : entity.id}
      </span>
      {entity.agent && (
        <>
          {" "}
          of{" "}
          <Link href={`/agents/${entity.agent}`} className={link}>
            {entity.agent}
          </Link>
        </>
      )}
    </>
  );
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

function hasBeforeAfter(payload: unknown): payload is { before: unknown; after: unknown } & Record<string, unknown> {
  return payload !== null && typeof payload === "object" && "before" in payload && "after" in payload;
}

/** The payload folded away: before and after side by side when the event records both, the JSON otherwise. */
function PayloadCell({ seq, payload }: { seq: number; payload: unknown }) {
  if (payload === null || (typeof payload === "object" && Object.keys(payload).length === 0))
    return <span className="text-slate-400">—</span>;
  if (hasBeforeAfter(payload)) {
    const { before, after, ...rest } = payload;
    return (
      <details className="group">
        <summary className="cursor-pointer text-brand-700 select-none hover:underline">Before / after</summary>
        <div className="mt-2 grid gap-2 md:grid-cols-2" aria-label={`Event ${seq} before and after`}>
          <div>
            <p className="mb-1 text-xs font-medium text-slate-500">Before</p>
            <pre>{json(before)}</pre>
          </div>
          <div>
            <p className="mb-1 text-xs font-medium text-slate-500">After</p>
            <pre>{json(after)}</pre>
          </div>
          {Object.keys(rest).length > 0 && <pre className="md:col-span-2">{json(rest)}</pre>}
        </div>
      </details>
    );
  }
  return (
    <details>
      <summary className="cursor-pointer text-brand-700 select-none hover:underline">Payload</summary>
      <pre className="mt-2">{json(payload)}</pre>
    </details>
  );
}

/** The audit trail, one event per row, with everything its hash covers. */
export function AuditTable({ items }: { items: AuditRow[] }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      {/* Shared looks are set once here rather than on each of fifty rows' cells and payloads (issue 14: page weight). */}
      <table className="w-full min-w-[1000px] text-left text-sm [&_pre]:max-h-80 [&_pre]:overflow-auto [&_pre]:rounded [&_pre]:bg-slate-50 [&_pre]:p-2 [&_pre]:font-mono [&_pre]:text-xs [&_pre]:break-all [&_pre]:whitespace-pre-wrap [&_pre]:text-slate-800 [&_td]:px-3 [&_td]:py-2.5">
        <caption className="sr-only">Audit events</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Seq
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Time (UTC)
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Actor
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Action
            </th>
            <th scope="col" className="px-3 py-2.5 font-medium">
              Entity
            </th>
            <th scope="col" className="w-[36%] px-3 py-2.5 font-medium">
              Details
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {items.map((e) => (
            <tr key={e.seq} className="hover:bg-slate-50/70">
              <th
                scope="row"
                className="px-3 py-2.5 text-left font-mono text-xs font-normal text-slate-600 tabular-nums"
                title={`hash ${e.hash}`}
              >
                #{e.seq}
              </th>
              <td className="whitespace-nowrap text-slate-700 tabular-nums">
                <UtcTime at={e.at} seconds />
              </td>
              <td className="whitespace-nowrap text-slate-700">
                {e.actor.type === "system" ? <span className="text-slate-500">{e.actor.label} (system)</span> : e.actor.label}
              </td>
              <td className="font-mono text-xs whitespace-nowrap text-slate-800">{e.action}</td>
              <td className="whitespace-nowrap">
                <EntityCell entity={e.entity} />
              </td>
              <td>
                <PayloadCell seq={e.seq} payload={e.payload} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { ArrowDownRight, ArrowUpRight, Minus } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import type { DiffItem, LineChange } from "@/lib/domain/permission-diff";
import { REVIEW_DOMAINS, type ReviewDomain } from "@/lib/domain/terms";

const DOMAIN_LABEL: Record<ReviewDomain, string> = {
  semantics: "Semantics — workflow owner",
  authority: "Authority — security",
  runtime: "Runtime — engineering",
  incident_path: "Incident path — operations",
};

const DIRECTION = {
  escalation: { label: "escalation", tone: "danger" as const, Icon: ArrowUpRight, row: "bg-rose-50/60" },
  reduction: { label: "reduction", tone: "success" as const, Icon: ArrowDownRight, row: "" },
  neutral: { label: "neutral", tone: "neutral" as const, Icon: Minus, row: "" },
};

/** The permission diff grouped by review domain; domains with escalations come first, and so do their escalations. */
export function PermissionDiffView({ items }: { items: DiffItem[] }) {
  if (items.length === 0) return <p className="text-sm text-slate-600">The two versions have the same configuration.</p>;
  const escalations = items.filter((i) => i.direction === "escalation").length;
  const domains = [...REVIEW_DOMAINS]
    .filter((d) => items.some((i) => i.domain === d))
    .sort(
      (a, b) =>
        Number(items.some((i) => i.domain === b && i.direction === "escalation")) -
        Number(items.some((i) => i.domain === a && i.direction === "escalation")),
    );
  return (
    <div className="space-y-5">
      <p className="text-sm text-slate-700">
        {items.length} {items.length === 1 ? "change" : "changes"}
        {escalations > 0 ? (
          <>
            ,{" "}
            <strong className="text-rose-700">
              {escalations} {escalations === 1 ? "escalation" : "escalations"}
            </strong>
          </>
        ) : (
          ", no escalation"
        )}
        .
      </p>
      {domains.map((domain) => (
        <section key={domain} aria-label={DOMAIN_LABEL[domain]}>
          <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">{DOMAIN_LABEL[domain]}</h3>
          <ul className="divide-y divide-slate-100 rounded-md border border-slate-200">
            {items
              .filter((i) => i.domain === domain)
              .map((it, n) => {
                const d = DIRECTION[it.direction];
                return (
                  <li key={`${it.path}-${it.kind}-${n}`} className={cn("flex items-start gap-3 px-3 py-2 text-sm", d.row)}>
                    <Badge tone={d.tone} className="mt-0.5 shrink-0">
                      <d.Icon aria-hidden className="size-3" />
                      {d.label}
                    </Badge>
                    <span className="min-w-0">
                      <span className="block [overflow-wrap:anywhere] text-slate-900">{it.summary}</span>
                      {it.path && <span className="block font-mono text-xs break-all text-slate-600">{it.path}</span>}
                    </span>
                  </li>
                );
              })}
          </ul>
        </section>
      ))}
    </div>
  );
}

export function InstructionsDiffView({ lines }: { lines: LineChange[] }) {
  if (!lines.some((l) => l.type !== "unchanged")) return <p className="text-sm text-slate-600">Instructions unchanged.</p>;
  return (
    <pre
      aria-label="Instructions line diff"
      className="overflow-x-auto rounded-md border border-slate-200 bg-slate-50 py-2 font-mono text-xs leading-5"
    >
      {lines.map((line, i) => (
        <div
          key={i}
          className={cn(
            "px-3 whitespace-pre-wrap",
            line.type === "added" && "bg-emerald-50 text-emerald-900",
            line.type === "removed" && "bg-rose-50 text-rose-900 line-through decoration-rose-300",
          )}
        >
          <span aria-hidden className="mr-2 inline-block w-3 select-none text-slate-400">
            {line.type === "added" ? "+" : line.type === "removed" ? "−" : " "}
          </span>
          <span className="sr-only">{line.type === "added" ? "added: " : line.type === "removed" ? "removed: " : ""}</span>
          {line.text || " "}
        </div>
      ))}
    </pre>
  );
}

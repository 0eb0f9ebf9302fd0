import Link from "next/link";
import { AgentCombobox, type AgentChoice } from "@/components/filters/agent-combobox";
import { buttonClasses } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/field";

type Option = { slug: string; name: string };

/** The pack's period and scope, as a plain GET form: the report's URL is the report. */
export function EvidenceFilters({
  from,
  to,
  workflow,
  agent,
  workflows,
}: {
  from: string;
  to: string;
  workflow: string;
  /** The URL's agent, looked up on the server; the picker searches the rest. */
  agent: AgentChoice | null;
  workflows: Option[];
}) {
  return (
    <form
      action="/audit/evidence"
      aria-label="Evidence pack period and scope"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3"
    >
      <div>
        <Label htmlFor="evidence-from">From (UTC)</Label>
        <Input id="evidence-from" name="from" type="date" defaultValue={from} required className="w-auto" />
      </div>
      <div>
        <Label htmlFor="evidence-to">To (UTC, inclusive)</Label>
        <Input id="evidence-to" name="to" type="date" defaultValue={to} required className="w-auto" />
      </div>
      <div className="w-full sm:w-56">
        <Label htmlFor="evidence-workflow">Workflow</Label>
        <Select id="evidence-workflow" name="workflow" defaultValue={workflow}>
          <option value="">All workflows</option>
          {workflows.map((w) => (
            <option key={w.slug} value={w.slug}>
              {w.name}
            </option>
          ))}
        </Select>
      </div>
      <div className="w-full sm:w-64">
        <Label htmlFor="evidence-agent">Agent</Label>
        <AgentCombobox key={agent?.slug ?? ""} id="evidence-agent" name="agent" value={agent} placeholder="All agents" includeRetired />
      </div>
      <button type="submit" className={buttonClasses("primary")}>
        Show evidence
      </button>
      <Link href="/audit/evidence" className="inline-flex h-9 items-center px-1 text-sm text-brand-700 hover:underline">
        Last quarter
      </Link>
    </form>
  );
}

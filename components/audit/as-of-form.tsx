import { buttonClasses } from "@/components/ui/button";
import { AgentCombobox, type AgentChoice } from "@/components/filters/agent-combobox";
import { Label } from "@/components/ui/field";

/** The auditor's question, as a plain GET form so the answer has a URL: which agent, at which instant (UTC). */
export function AsOfForm({ agent, at }: { agent: AgentChoice | null; at: string }) {
  return (
    <form
      action="/audit/as-of"
      aria-label="What ran when"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 print:hidden"
    >
      <div className="w-full sm:w-72">
        <Label htmlFor="as-of-agent">Agent</Label>
        <AgentCombobox
          key={agent?.slug}
          id="as-of-agent"
          name="agent"
          value={agent}
          placeholder="Choose an agent"
          includeRetired
          required
          className="sm:w-full"
        />
      </div>
      <div className="w-full sm:w-64">
        <Label htmlFor="as-of-at">Date and time (UTC)</Label>
        <input
          id="as-of-at"
          name="at"
          type="datetime-local"
          step={1}
          defaultValue={at}
          required
          className="h-9 w-full rounded-md border border-slate-300 bg-white px-3 text-sm focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 focus:outline-none"
        />
      </div>
      <button type="submit" className={buttonClasses("primary")}>
        Show what ran
      </button>
    </form>
  );
}

import Link from "next/link";

/** No evidence yet: how a runtime sends it, in the words of its own OpenTelemetry exporter. */
export function RuntimeEmpty({ slug, environment, days, endpoint }: { slug: string; environment: string; days: number; endpoint: string }) {
  const config = [
    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${endpoint}`,
    `OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer cst_…"`,
    `OTEL_RESOURCE_ATTRIBUTES="deployment.environment.name=${environment},countersign.agent=${slug}"`,
  ].join("\n");
  return (
    <div className="rounded-md border border-dashed border-slate-300 px-4 py-5 text-sm text-slate-700">
      <p className="font-medium text-slate-900">
        No runtime evidence from {environment} in the last {days} days.
      </p>
      <p className="mt-1">
        Point the agent’s OpenTelemetry exporter (or a Collector) at Countersign, with an{" "}
        <Link href="/settings/tokens" className="text-brand-700 underline">
          API token
        </Link>{" "}
        holding the <code className="font-mono text-xs">evidence:write</code> scope:
      </p>
      <pre
        className="mt-2 overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs leading-5"
        tabIndex={0}
        aria-label="Exporter settings"
      >
        {config}
      </pre>
      <p className="mt-2 text-slate-600">
        Countersign reads the GenAI spans (agent invocations, tool calls, model answers) as the README’s “Runtime evidence” section says;{" "}
        <code className="font-mono text-xs">examples/runtime</code> holds a simulator that sends some.
      </p>
    </div>
  );
}

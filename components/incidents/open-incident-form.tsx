"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { AgentCombobox, type AgentChoice } from "@/components/filters/agent-combobox";
import { Input, Label, Select } from "@/components/ui/field";
import { FieldError } from "@/components/ui/field-error";
import { useAction, type Outcome } from "@/components/ui/use-action";
import { utcIso } from "./utc-input";
import { SeveritySelect } from "@/components/incidents/severity-select";

type DeploymentOption = { id: string; environment: string; version: number; kind: string; deployedAt: string; changeNumber: string | null };

async function recentDeployments(agent: string): Promise<DeploymentOption[]> {
  const response = await fetch(`/api/v1/deployments?agent=${encodeURIComponent(agent)}&pageSize=20`);
  if (!response.ok) throw new Error(((await response.json()) as { message?: string }).message ?? "Could not load the deployments");
  return ((await response.json()) as { items: DeploymentOption[] }).items;
}

const EMPTY = { agent: "", severity: "sev3", title: "", detectedAt: "", deploymentId: "" };

/** Opens an incident: the agent, its suspected deployment (from the agent's recent deployments), severity, title, when it was detected. */
export function OpenIncidentForm({
  defaultAgent,
  open,
}: {
  defaultAgent?: AgentChoice | null;
  open: (input: Record<string, unknown>) => Promise<Outcome>;
}) {
  const [form, setForm] = useState({ ...EMPTY, agent: defaultAgent?.slug ?? "" });
  const { pending, fieldErrors, run } = useAction();
  const deployments = useQuery({
    queryKey: ["deployments", form.agent],
    queryFn: () => recentDeployments(form.agent),
    enabled: Boolean(form.agent),
  });
  const set = (key: keyof typeof EMPTY) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm({ ...form, [key]: e.target.value, ...(key === "agent" && { deploymentId: "" }) });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    run(
      () =>
        open({
          agent: form.agent,
          severity: form.severity,
          title: form.title,
          detectedAt: utcIso(form.detectedAt),
          deploymentId: form.deploymentId || null,
        }),
      () => setForm({ ...EMPTY, agent: form.agent }),
    );
  };
  return (
    <form onSubmit={submit} aria-label="Open an incident" className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
      <div>
        <Label htmlFor="incident-agent">Agent</Label>
        <AgentCombobox
          id="incident-agent"
          value={defaultAgent ?? null}
          onChange={(agent) => setForm({ ...form, agent: agent?.slug ?? "", deploymentId: "" })}
          placeholder="Choose an agent…"
          required
          className="sm:w-full"
          aria-describedby="incident-agent-error"
        />
        <FieldError id="incident-agent-error" messages={fieldErrors.agent} />
      </div>
      <div>
        <Label htmlFor="incident-deployment">Suspected deployment</Label>
        <Select
          id="incident-deployment"
          value={form.deploymentId}
          onChange={set("deploymentId")}
          disabled={!form.agent || deployments.isLoading}
          aria-describedby="incident-deployment-error"
        >
          <option value="">{deployments.isLoading ? "Loading…" : "None / not known yet"}</option>
          {deployments.data?.map((d) => (
            <option key={d.id} value={d.id}>
              {d.environment} v{d.version} ({d.kind}
              {d.changeNumber ? `, ${d.changeNumber}` : ""}) — {d.deployedAt.slice(0, 16).replace("T", " ")} UTC
            </option>
          ))}
        </Select>
        <FieldError id="incident-deployment-error" messages={deployments.error ? [deployments.error.message] : fieldErrors.deploymentId} />
      </div>
      <div>
        <Label htmlFor="incident-severity">Severity</Label>
        <SeveritySelect id="incident-severity" value={form.severity} onChange={set("severity")} />
      </div>
      <div className="md:col-span-2">
        <Label htmlFor="incident-title">Title</Label>
        <Input
          id="incident-title"
          value={form.title}
          onChange={set("title")}
          required
          maxLength={200}
          placeholder="What went wrong, in a line"
          aria-invalid={Boolean(fieldErrors.title)}
          aria-describedby="incident-title-error"
        />
        <FieldError id="incident-title-error" messages={fieldErrors.title} />
      </div>
      <div>
        <Label htmlFor="incident-detected">Detected at (UTC)</Label>
        <Input
          id="incident-detected"
          type="datetime-local"
          value={form.detectedAt}
          onChange={set("detectedAt")}
          aria-describedby="incident-detected-error"
        />
        {fieldErrors.detectedAt ? (
          <FieldError id="incident-detected-error" messages={fieldErrors.detectedAt} />
        ) : (
          <p className="mt-1 text-xs text-slate-500">Leave empty for now.</p>
        )}
      </div>
      <div className="md:col-span-2 xl:col-span-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Opening…" : "Open incident"}
        </Button>
      </div>
    </form>
  );
}

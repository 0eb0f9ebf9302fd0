"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { ChangeEditor, type EditorState } from "@/components/changes/change-editor";
import { Card } from "@/components/ui/card";
import { FieldError } from "@/components/ui/field-error";
import { Input, Label, Select, Textarea } from "@/components/ui/field";
import type { FieldErrors } from "@/lib/errors";
import { PLATFORM_LABELS, PLATFORMS, type Platform } from "@/lib/domain/terms";
import type { ChangePreview, EditChangeInput } from "@/lib/validations/change-record";
import { forgetImportedSpec, peekImportedSpec } from "./import-handoff";

export type AgentDetails = {
  slug: string;
  name: string;
  description: string;
  platform: Platform | "";
  workflow: string;
  engineeringOwner: string;
};
export type RegistrationResult = { ok: true; id: string; label: string } | { ok: false; message: string; fieldErrors?: FieldErrors };
export type RegistrationPreviewInput = {
  workflow: string;
  spec: string | Record<string, unknown>;
  emergency: boolean;
  raisedTier: string | null;
  raisedReason: string | null;
};

type Props = {
  workflows: { slug: string; name: string; riskClass: string }[];
  engineers: { email: string; name: string }[];
  people: { email: string; name: string }[];
  initial: EditorState;
  /** The signed-in engineer, proposed as the engineering owner. */
  defaultEngineer: string;
  register: (details: AgentDetails, fields: EditChangeInput, submit: boolean) => Promise<RegistrationResult>;
  preview: (input: RegistrationPreviewInput) => Promise<ChangePreview | { error: string }>;
};

const STORAGE_KEY = "countersign:agent-registration";
const DETAIL_FIELDS = ["slug", "name", "description", "platform", "workflow", "engineeringOwner"] as const;

/**
 * Registers a new agent: its details here, its first spec and change record in the change editor. The
 * details are kept in this browser until the server has them, as the editor keeps its own fields.
 */
export function RegisterAgentForm(props: Props) {
  const mounted = useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
  return mounted ? <Form {...props} /> : <p className="text-sm text-slate-500">Loading the form…</p>;
}

const subscribeNever = () => () => {};

function Form({ workflows, engineers, people, initial: starter, defaultEngineer, register, preview }: Props) {
  // A spec handed over by the import page replaces the starter spec and any unsaved registration, once.
  const [imported] = useState(() => peekImportedSpec({ kind: "register" }));
  useEffect(() => forgetImportedSpec({ kind: "register" }), []);
  const initial: EditorState = imported ? { ...starter, mode: "yaml", spec: null, specText: imported.yaml } : starter;
  const [details, setDetails] = useState<AgentDetails>(() => {
    const blank: AgentDetails = { slug: "", name: "", description: "", platform: "", workflow: "", engineeringOwner: defaultEngineer };
    if (imported) return { ...blank, name: imported.name, description: imported.description, platform: imported.platform };
    const saved = window.localStorage.getItem(STORAGE_KEY);
    return saved ? { ...blank, ...(JSON.parse(saved) as Partial<AgentDetails>) } : blank;
  });
  const [errors, setErrors] = useState<FieldErrors>({});
  useEffect(() => window.localStorage.setItem(STORAGE_KEY, JSON.stringify(details)), [details]);

  const set = (patch: Partial<AgentDetails>) => setDetails({ ...details, ...patch });
  const send = async (fields: EditChangeInput, submit: boolean): Promise<RegistrationResult> => {
    const result = await register(details, fields, submit);
    if (result.ok) {
      window.localStorage.removeItem(STORAGE_KEY);
      setErrors({});
    } else {
      const mine = Object.entries(result.fieldErrors ?? {}).filter(([field]) => (DETAIL_FIELDS as readonly string[]).includes(field));
      setErrors(Object.fromEntries(mine));
    }
    return result;
  };

  const text = (field: "slug" | "name", label: string, hint?: string) => (
    <div>
      <Label htmlFor={`agent-${field}`} required>
        {label}
      </Label>
      <Input
        id={`agent-${field}`}
        value={details[field]}
        onChange={(e) => set({ [field]: e.target.value })}
        aria-invalid={Boolean(errors[field])}
        aria-describedby={`agent-${field}-hint agent-${field}-error`}
        autoComplete="off"
      />
      {hint && (
        <p id={`agent-${field}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      <FieldError id={`agent-${field}-error`} messages={errors[field]} />
    </div>
  );

  return (
    <div className="space-y-6">
      <Card title="The agent">
        <div className="grid gap-4 sm:grid-cols-2">
          {text("slug", "Slug", 'How the API and the CLI name it: lowercase letters, digits and "-", e.g. refund-assistant')}
          {text("name", "Name")}
          <div className="sm:col-span-2">
            <Label htmlFor="agent-description">Description</Label>
            <Textarea
              id="agent-description"
              rows={2}
              value={details.description}
              onChange={(e) => set({ description: e.target.value })}
              aria-invalid={Boolean(errors.description)}
            />
            <FieldError messages={errors.description} />
          </div>
          <div>
            <Label htmlFor="agent-platform" required>
              Platform
            </Label>
            <Select
              id="agent-platform"
              value={details.platform}
              onChange={(e) => set({ platform: e.target.value as Platform })}
              aria-invalid={Boolean(errors.platform)}
            >
              <option value="">Choose a platform</option>
              {PLATFORMS.map((p) => (
                <option key={p} value={p}>
                  {PLATFORM_LABELS[p]}
                </option>
              ))}
            </Select>
            <FieldError messages={errors.platform} />
          </div>
          <div>
            <Label htmlFor="agent-workflow" required>
              Workflow
            </Label>
            <Select
              id="agent-workflow"
              value={details.workflow}
              onChange={(e) => set({ workflow: e.target.value })}
              aria-invalid={Boolean(errors.workflow)}
            >
              <option value="">Choose a workflow</option>
              {workflows.map((w) => (
                <option key={w.slug} value={w.slug}>
                  {w.name} ({w.riskClass} risk)
                </option>
              ))}
            </Select>
            <FieldError messages={errors.workflow} />
          </div>
          <div>
            <Label htmlFor="agent-engineeringOwner" required>
              Engineering owner
            </Label>
            <Select
              id="agent-engineeringOwner"
              value={details.engineeringOwner}
              onChange={(e) => set({ engineeringOwner: e.target.value })}
              aria-invalid={Boolean(errors.engineeringOwner)}
            >
              <option value="">Choose a person in engineering</option>
              {engineers.map((p) => (
                <option key={p.email} value={p.email}>
                  {p.name} ({p.email})
                </option>
              ))}
            </Select>
            <FieldError messages={errors.engineeringOwner} />
          </div>
          <p className="self-end text-xs text-slate-500">
            The rollback owner you name in the change record below is the agent&apos;s rollback owner too.
          </p>
        </div>
      </Card>
      <ChangeEditor
        // The workflow is part of the name so the live review is asked again when it changes.
        agent={{ slug: `new-agent:${details.workflow}`, name: details.name || "the new agent" }}
        change={null}
        initial={initial}
        people={people}
        save={(_changeId, _agent, fields) => send(fields, false)}
        submit={async () => ({ ok: false, message: "Save the registration first" })}
        proposeAndSubmit={(_agent, fields) => send(fields, true)}
        preview={(input) =>
          preview({
            workflow: details.workflow,
            spec: input.spec,
            emergency: input.emergency,
            raisedTier: input.raisedTier,
            raisedReason: input.raisedReason,
          })
        }
      />
    </div>
  );
}

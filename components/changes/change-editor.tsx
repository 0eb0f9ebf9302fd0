"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Upload } from "lucide-react";
import { useRouter } from "next/navigation";
import { useEffect, useState, useSyncExternalStore, useTransition } from "react";
import { toast } from "sonner";
import { PermissionDiffView } from "@/components/agents/diff-view";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import type { FieldErrors } from "@/lib/errors";
import type { AgentSpec } from "@/lib/domain/spec";
import type { ChangePreview, EditChangeInput } from "@/lib/validations/change-record";
import { RecordFieldsForm, type RecordFields } from "./record-fields";
import { RiskPanel } from "./risk-panel";
import { FieldError } from "@/components/ui/field-error";
import { SpecForm } from "./spec-form";

type Result = { ok: true; id: string; label: string } | { ok: false; message: string; fieldErrors?: FieldErrors };
type PreviewInput = {
  agent: string;
  changeId: string | null;
  spec: string | Record<string, unknown>;
  emergency: boolean;
  raisedTier: string | null;
  raisedReason: string | null;
};

export type EditorState = { fields: RecordFields; mode: "form" | "yaml"; spec: AgentSpec | null; specText: string };

type Props = {
  agent: { slug: string; name: string };
  change: { id: string; label: string; state: string } | null;
  initial: EditorState;
  /** Problems to show from the start (after a submission that was refused). */
  initialErrors?: FieldErrors;
  people: { email: string; name: string }[];
  save: (changeId: string | null, agent: string, fields: EditChangeInput) => Promise<Result>;
  submit: (changeId: string) => Promise<Result>;
  /** Proposes a new change straight to review: all or nothing. */
  proposeAndSubmit: (agent: string, fields: EditChangeInput) => Promise<Result>;
  preview: (input: PreviewInput) => Promise<ChangePreview | { error: string }>;
};

function payload(state: EditorState): EditChangeInput {
  const f = state.fields;
  const evidence = Object.fromEntries(Object.entries(f.evidence).filter(([, v]) => v.trim()));
  return {
    title: f.title,
    rationale: f.rationale,
    spec: state.mode === "yaml" ? state.specText : ((state.spec ?? {}) as Record<string, unknown>),
    roleImpacts: f.roleImpacts,
    harmMetrics: f.harmMetrics.map((m) => ({ ...m, threshold: m.threshold.trim() === "" ? Number.NaN : Number(m.threshold) })),
    evidence,
    rollbackPlan: f.rollbackPlan,
    rollbackOwner: f.rollbackOwner || null,
    monitoring: f.monitoring,
    emergency: f.emergency ? { justification: f.emergencyJustification } : null,
    raiseTier: f.raisedTier ? { tier: f.raisedTier as "medium", reason: f.tierRaisedReason } : null,
  };
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

const subscribeNever = () => () => {};

/** The editor renders in the browser only: it restores unsaved edits from this browser's storage. */
export function ChangeEditor(props: Props) {
  const mounted = useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
  return mounted ? <Editor {...props} /> : <p className="text-sm text-slate-500">Loading the editor…</p>;
}

function Editor({ agent, change, initial, initialErrors, people, save, submit, proposeAndSubmit, preview }: Props) {
  const router = useRouter();
  const inReview = change?.state === "in_review";
  const storageKey = `countersign:change-editor:${change?.id ?? `new:${agent.slug}`}`;
  const [restored] = useState(() => {
    const saved = window.localStorage.getItem(storageKey);
    return saved ? (JSON.parse(saved) as EditorState) : null;
  });
  const [state, setState] = useState<EditorState>(restored ?? initial);
  const [errors, setErrors] = useState<FieldErrors>(initialErrors ?? {});
  const [pending, start] = useTransition();

  useEffect(() => {
    if (restored) toast.info("Restored the edits you had not saved yet.");
  }, [restored]);
  // Every keystroke is kept in this browser until the server has it.
  useEffect(() => window.localStorage.setItem(storageKey, JSON.stringify(state)), [state, storageKey]);

  const debounced = useDebounced(state, 400);
  const previewInput: PreviewInput = {
    agent: agent.slug,
    changeId: change?.id ?? null,
    spec: debounced.mode === "yaml" ? debounced.specText : ((debounced.spec ?? {}) as Record<string, unknown>),
    emergency: debounced.fields.emergency,
    raisedTier: debounced.fields.raisedTier || null,
    raisedReason: debounced.fields.tierRaisedReason || null,
  };
  const live = useQuery({
    queryKey: ["change-preview", previewInput],
    queryFn: () => preview(previewInput),
    placeholderData: keepPreviousData,
  });
  const result = live.data && !("error" in live.data) ? live.data : null;
  const specIssues: FieldErrors = {};
  for (const issue of result?.specIssues ?? []) (specIssues[`spec.${issue.path}`] ??= []).push(issue.message);
  const allErrors = { ...specIssues, ...errors };

  const switchMode = (mode: "form" | "yaml") => {
    if (mode === state.mode) return;
    if (mode === "yaml") return setState({ ...state, mode, specText: result?.yaml ?? JSON.stringify(state.spec, null, 2) });
    if (!result?.spec) return toast.error("Fix the spec text first: the form needs a spec that parses.");
    setState({ ...state, mode, spec: result.spec });
  };

  const persist = async (): Promise<Result> => {
    const saved = await save(change?.id ?? null, agent.slug, payload(state));
    if (saved.ok) {
      window.localStorage.removeItem(storageKey);
      setErrors({});
    } else setErrors(saved.fieldErrors ?? {});
    return saved;
  };

  const onSave = () =>
    start(async () => {
      const saved = await persist();
      if (!saved.ok) return void toast.error(saved.message);
      toast.success(inReview ? `${saved.label} saved` : `Draft ${saved.label} saved`);
      if (!change) router.replace(`/changes/${saved.label}/edit`);
      else router.refresh();
    });

  const onSubmit = () =>
    start(async () => {
      // A new change is proposed and submitted in one step: refused, it leaves nothing behind but the edits here.
      let submitted: Result;
      if (change) {
        const saved = await persist();
        if (!saved.ok) return void toast.error(saved.message);
        submitted = await submit(saved.id);
      } else submitted = await proposeAndSubmit(agent.slug, payload(state));
      if (!submitted.ok) {
        setErrors(submitted.fieldErrors ?? {});
        return void toast.error(submitted.message);
      }
      window.localStorage.removeItem(storageKey);
      toast.success(`${submitted.label} submitted`);
      router.push(`/changes/${submitted.label}`);
    });

  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-6 xl:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
      <div className="space-y-6">
        <Card title="The change record">
          <RecordFieldsForm value={state.fields} onChange={(fields) => setState({ ...state, fields })} errors={allErrors} people={people} />
        </Card>
        <Card
          title="Proposed spec"
          action={
            <div role="tablist" aria-label="Edit the spec as" className="inline-flex rounded-md border border-slate-300 p-0.5 text-xs">
              {(["form", "yaml"] as const).map((m) => (
                <button
                  key={m}
                  role="tab"
                  type="button"
                  aria-selected={state.mode === m}
                  onClick={() => switchMode(m)}
                  className={cn("rounded px-2.5 py-1", state.mode === m ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100")}
                >
                  {m === "form" ? "Form" : "YAML / JSON"}
                </button>
              ))}
            </div>
          }
        >
          {state.mode === "form" && state.spec ? (
            <SpecForm spec={state.spec} onChange={(spec) => setState({ ...state, spec })} errors={allErrors} />
          ) : (
            <div className="space-y-2">
              <label htmlFor="spec-text" className="block text-sm font-medium text-slate-700">
                Paste the agent spec as YAML or JSON
              </label>
              <textarea
                id="spec-text"
                rows={22}
                spellCheck={false}
                value={state.specText}
                onChange={(e) => setState({ ...state, mode: "yaml", specText: e.target.value })}
                aria-invalid={Object.keys(specIssues).length > 0}
                aria-describedby="spec-errors"
                className="w-full rounded-md border border-slate-300 bg-white p-3 font-mono text-xs leading-5 focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 focus:outline-none"
              />
              <FieldError
                id="spec-errors"
                messages={
                  Object.values(allErrors).length
                    ? Object.entries(allErrors)
                        .filter(([k]) => k === "spec" || k.startsWith("spec."))
                        .flatMap(([, m]) => m)
                    : undefined
                }
              />
              <label className="inline-flex cursor-pointer items-center gap-2 text-sm text-brand-700 hover:underline">
                <Upload aria-hidden className="size-4" /> Upload a .yaml or .json file
                <input
                  type="file"
                  accept=".yaml,.yml,.json,application/json,application/yaml,text/yaml"
                  className="sr-only"
                  onChange={async (e) => {
                    const file = e.target.files?.[0];
                    if (file) setState({ ...state, mode: "yaml", specText: await file.text() });
                  }}
                />
              </label>
            </div>
          )}
        </Card>
      </div>

      <aside aria-label="Live review" className="space-y-6 xl:sticky xl:top-20 xl:self-start">
        <Card
          title={
            result?.baseVersion
              ? `Compared with v${result.baseVersion}${result.comparedWithProduction ? ", what production runs now" : ", the newest reviewed version (nothing runs in production)"}`
              : "Compared with nothing yet: a new agent"
          }
          action={live.isFetching ? <span className="text-xs text-slate-500">updating…</span> : null}
        >
          {live.data && "error" in live.data ? (
            <p role="alert" className="text-sm text-rose-700">
              {live.data.error}
            </p>
          ) : result && result.specIssues.length > 0 ? (
            <div role="status" className="text-sm text-rose-700">
              <p className="font-medium">The spec has problems:</p>
              <ul className="mt-1 list-disc pl-5">
                {result.specIssues.map((i, n) => (
                  <li key={n}>{i.message}</li>
                ))}
              </ul>
            </div>
          ) : result ? (
            <div aria-live="polite">
              <PermissionDiffView items={result.diff} />
            </div>
          ) : (
            <p className="text-sm text-slate-500">Working out the diff…</p>
          )}
        </Card>
        <Card title="Risk and routing">
          {result ? (
            <RiskPanel tier={result.tier} reasons={result.reasons} required={result.required} standardChange={result.standardChange} />
          ) : (
            <p className="text-sm text-slate-500">…</p>
          )}
        </Card>
        <div className="flex flex-wrap gap-2">
          <Button type="button" variant={inReview ? "primary" : "secondary"} disabled={pending} onClick={onSave}>
            {inReview ? "Save changes" : "Save draft"}
          </Button>
          {!inReview && (
            <Button type="button" disabled={pending} onClick={onSubmit}>
              Submit for review
            </Button>
          )}
        </div>
        {Object.keys(errors).length > 0 && (
          <div role="alert" className="rounded-md bg-rose-50 p-3 text-sm text-rose-800 ring-1 ring-rose-200 ring-inset">
            <p className="font-medium">Fix these first:</p>
            <ul className="mt-1 list-disc pl-5">
              {Object.entries(errors).map(([field, messages]) => (
                <li key={field}>
                  <span className="font-mono text-xs">{field}</span>: {messages.join("; ")}
                </li>
              ))}
            </ul>
          </div>
        )}
      </aside>
    </div>
  );
}

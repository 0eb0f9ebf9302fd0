"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import { forgetImportedSpec, peekImportedSpec } from "@/components/agents/import-handoff";
import { PLATFORM_LABELS } from "@/lib/domain/terms";
import { ChangeEditor } from "./change-editor";

type Props = React.ComponentProps<typeof ChangeEditor>;
const subscribeNever = () => () => {};

/** The change editor for a new change, starting from a spec handed over by the import page when there is one. */
export function ImportableChangeEditor(props: Props) {
  const mounted = useSyncExternalStore(
    subscribeNever,
    () => true,
    () => false,
  );
  return mounted ? <WithImport {...props} /> : <p className="text-sm text-slate-500">Loading the editor…</p>;
}

function WithImport(props: Props) {
  const target = { kind: "change" as const, agent: props.agent.slug };
  const [imported] = useState(() => peekImportedSpec(target));
  useEffect(() => forgetImportedSpec({ kind: "change", agent: props.agent.slug }), [props.agent.slug]);
  if (!imported) return <ChangeEditor {...props} />;
  return (
    <div className="space-y-3">
      <p role="status" className="rounded-md border border-sky-200 bg-sky-50 p-3 text-sm text-sky-900">
        The proposed spec is the one imported from {PLATFORM_LABELS[imported.platform]} ({imported.name}). Check it below before you save.
      </p>
      <ChangeEditor {...props} initial={{ ...props.initial, mode: "yaml", spec: null, specText: imported.yaml }} />
    </div>
  );
}

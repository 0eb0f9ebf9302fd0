import type { Platform } from "@/lib/domain/terms";

/**
 * Hands an imported spec from the import page to the register form or the change editor through this tab's
 * session storage: read once when the form opens, then removed, so a reload shows the form as usual.
 */
export type ImportedSpec = { yaml: string; name: string; description: string; platform: Platform; source: string };
export type HandoffTarget = { kind: "register" } | { kind: "change"; agent: string };

const keyOf = (target: HandoffTarget) =>
  target.kind === "register" ? "countersign:imported-spec:register" : `countersign:imported-spec:change:${target.agent}`;
// The change editor keeps unsaved edits under this key (components/changes/change-editor.tsx); an import replaces them.
const draftKeyOf = (target: HandoffTarget) => `countersign:change-editor:new:${target.kind === "register" ? "new-agent:" : target.agent}`;

export function stashImportedSpec(target: HandoffTarget, spec: ImportedSpec) {
  window.sessionStorage.setItem(keyOf(target), JSON.stringify(spec));
}

/** The spec handed over, if any; the editor's unsaved draft is dropped so the import shows. Idempotent until `forget`. */
export function peekImportedSpec(target: HandoffTarget): ImportedSpec | null {
  const saved = window.sessionStorage.getItem(keyOf(target));
  if (!saved) return null;
  window.localStorage.removeItem(draftKeyOf(target));
  try {
    return JSON.parse(saved) as ImportedSpec;
  } catch {
    return null;
  }
}

export function forgetImportedSpec(target: HandoffTarget) {
  window.sessionStorage.removeItem(keyOf(target));
}

import type { EditorState } from "@/components/changes/change-editor";
import type { ChangeRecordView } from "@/lib/server/change-records";
import type { AgentSpec } from "@/lib/domain/spec";

export const EMPTY_FIELDS: EditorState["fields"] = {
  title: "",
  rationale: "",
  roleImpacts: [],
  harmMetrics: [],
  evidence: { pullRequest: "", evalReport: "", traceSample: "" },
  rollbackPlan: "",
  rollbackOwner: "",
  monitoring: "",
  emergency: false,
  emergencyJustification: "",
  raisedTier: "",
  tierRaisedReason: "",
};

/** A new change starts from the base version's spec, with the agent's rollback owner proposed. */
export function newEditorState(base: AgentSpec, rollbackOwner: string): EditorState {
  return { fields: { ...EMPTY_FIELDS, rollbackOwner }, mode: "form", spec: base, specText: "" };
}

/** An existing draft as the editor holds it; a spec that does not parse yet opens in the text view. */
export function editorStateOf(change: ChangeRecordView): EditorState {
  return {
    mode: change.specText === null && change.spec ? "form" : "yaml",
    spec: change.spec,
    specText: change.specText ?? "",
    fields: {
      title: change.title,
      rationale: change.rationale,
      roleImpacts: change.roleImpacts,
      harmMetrics: change.harmMetrics.map((m) => ({ ...m, threshold: String(m.threshold) })),
      evidence: {
        pullRequest: change.evidence.pullRequest ?? "",
        evalReport: change.evidence.evalReport ?? "",
        traceSample: change.evidence.traceSample ?? "",
      },
      rollbackPlan: change.rollbackPlan,
      rollbackOwner: change.rollbackOwner?.email ?? "",
      monitoring: change.monitoring,
      emergency: Boolean(change.emergency),
      emergencyJustification: change.emergency?.justification ?? "",
      raisedTier: change.raisedTier ?? "",
      tierRaisedReason: change.tierRaisedReason ?? "",
    },
  };
}

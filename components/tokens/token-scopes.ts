import type { TokenScope } from "@/lib/domain/terms";

/** What each scope lets a token do, in one line, for the form and the list. */
export const SCOPE_HELP: Record<TokenScope, string> = {
  read: "Read agents, changes and evidence",
  "changes:write": "Propose and edit change records",
  "evals:write": "Record eval runs",
  deploy: "Promote, roll back, and open or resolve incidents",
  observe: "Report what an environment runs (observations), to catch drift",
  "evidence:write": "Send runtime evidence: OpenTelemetry traces (OTLP) and business signals",
};

import type { DriftAction, DriftClosedReason } from "@/lib/domain/drift";
import type { DiffItem } from "@/lib/domain/permission-diff";
import type { RiskLevel } from "@/lib/domain/terms";

/** The part of a drift record these components show (the server's DriftView fits it). */
export type DriftRecordShown = {
  id: string;
  label: string;
  environment: string;
  severity: RiskLevel;
  reasons: string[];
  diff: DiffItem[];
  approvedVersion: number | null;
  openedAt: number;
  lastObservedAt: number;
  resolution: {
    action: DriftAction;
    reason: string;
    by: string | null;
    at: number;
    acceptedUntil: number | null;
    change: string | null;
  } | null;
  acceptanceLapsedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  closedReason: DriftClosedReason | null;
  observations: { id: string; observedAt: number; source: string; reportedBy: string; inSync: boolean }[];
  observationCount: number;
};

/** What the resolve form sends; the expiry is a calendar date (UTC), only for accepting the risk. */
export type DriftResolutionInput = { action: DriftAction; reason: string; expiresOn: string; seenResolvedAt: number | null };

export type ResolveDriftOutcome =
  { ok: true; message: string; change?: string } | { ok: false; message: string; fieldErrors?: Record<string, string[]> };

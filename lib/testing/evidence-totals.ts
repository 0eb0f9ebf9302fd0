import { expect } from "vitest";
import { EXCEPTION_KINDS, type EvidenceRelease, type EvidenceTotals } from "@/lib/server/evidence";

/** The database's exception rules (the totals of a range holding one release) name the same exceptions as exceptionsOf did. */
export function expectSameTotals(release: EvidenceRelease, totals: EvidenceTotals): void {
  const kinds = Object.fromEntries(EXCEPTION_KINDS.map((k) => [k, release.exceptions.filter((e) => e.kind === k).length]));
  expect({ releases: totals.releases, flagged: totals.flagged, byKind: totals.byKind }).toEqual({
    releases: 1,
    flagged: release.exceptions.length > 0 ? 1 : 0,
    byKind: kinds,
  });
}

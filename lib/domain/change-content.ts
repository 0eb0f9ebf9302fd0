import { canonicalJson, sha256Hex } from "./canonical-json";

/** The attested fields of a change record: what its signers vouch for besides the spec. */
export type AttestedFields = {
  title: string;
  rationale: string;
  roleImpacts: unknown[];
  harmMetrics: unknown[];
  evidence: Record<string, unknown>;
  rollbackPlan: string;
  rollbackOwnerId: string | null;
  monitoring: string;
  emergency: boolean;
  emergencyJustification: string | null;
};

/**
 * The content hash binds a sign-off to exactly what was reviewed: the spec hash plus the attested
 * fields. Any edit changes it, and sign-offs given on an older hash are dismissed.
 */
export function changeContentHash(specHash: string, fields: AttestedFields): string {
  return sha256Hex(specHash + "\n" + canonicalJson(fields));
}

import { RISK_LEVELS, type RiskLevel } from "./terms";

/** Rules about workflows: the slug a name gives, and how risk classes compare. */

/** A URL-safe slug from a workflow's name: lowercase letters, digits and single dashes ("Refunds & Returns" → "refunds-returns"). */
export function slugFromName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

/** The slug itself when free, else the first of slug-2, slug-3, … that is; a name with no letter or digit gives "workflow". */
export function uniqueSlug(slug: string, taken: ReadonlySet<string>): string {
  const base = slug || "workflow";
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** Whether `to` is a strictly higher risk class than `from`: only then do open changes need re-assessing. */
export function isHigherClass(from: RiskLevel, to: RiskLevel): boolean {
  return RISK_LEVELS.indexOf(to) > RISK_LEVELS.indexOf(from);
}

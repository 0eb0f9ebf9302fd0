import Link from "next/link";
import { formatDistanceStrict } from "date-fns";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { Environment, RiskLevel } from "@/lib/domain/terms";

export type PostureView = {
  /** Worst first. */
  openDrift: { label: string; environment: Environment; severity: RiskLevel }[];
  lastObservedAt: number | null;
  unobserved: boolean;
  reviewDue: boolean;
};

const DRIFT_TONE: Record<RiskLevel, BadgeTone> = { low: "info", medium: "warning", high: "danger", critical: "critical" };

const ago = (at: number, now: number) => formatDistanceStrict(at, now, { addSuffix: true });

/**
 * An agent's posture in one cell: its worst open drift (linking to the agent's drift section), then whether
 * production went unobserved or is due a review. Most of an unobserved estate is unobserved, so that badge is
 * the quietest; every badge says what it means in words, not colour alone.
 */
export function PostureBadges({
  slug,
  posture,
  lastReviewedAt,
  now,
  unobservedAfterDays,
  reviewIntervalDays,
}: {
  slug: string;
  posture: PostureView;
  lastReviewedAt: number | null;
  now: number;
  unobservedAfterDays: number;
  reviewIntervalDays: number;
}) {
  const [worst, ...others] = posture.openDrift;
  if (!worst && !posture.unobserved && !posture.reviewDue) return <span className="text-slate-400">—</span>;
  const observed = posture.lastObservedAt === null ? "never observed in production" : `last observed ${ago(posture.lastObservedAt, now)}`;
  const reviewed = lastReviewedAt === null ? "never reviewed" : `last reviewed ${ago(lastReviewedAt, now)}`;
  return (
    <span className="flex flex-wrap items-center gap-1">
      {worst && (
        <Link
          href={`/agents/${slug}#drift`}
          className="rounded-full hover:underline"
          title={posture.openDrift.map((d) => `${d.label}: ${d.severity} drift in ${d.environment}`).join("; ")}
        >
          <Badge tone={DRIFT_TONE[worst.severity]}>
            Drift {worst.label}
            <span className="sr-only">
              , {worst.severity}, in {worst.environment}
              {others.length > 0 && `, and ${others.length} more`}
            </span>
          </Badge>
          {others.length > 0 && (
            <span aria-hidden className="ml-0.5 text-xs text-slate-500">
              +{others.length}
            </span>
          )}
        </Link>
      )}
      {posture.unobserved && (
        <Badge
          tone="neutral"
          className="font-normal"
          title={`Runs in production, ${observed} (expected within ${unobservedAfterDays} days)`}
        >
          Unobserved<span className="sr-only">: {observed}</span>
        </Badge>
      )}
      {posture.reviewDue && (
        <Badge tone="warning" title={`Due a review: ${reviewed} (every ${reviewIntervalDays} days)`}>
          Review due<span className="sr-only">: {reviewed}</span>
        </Badge>
      )}
    </span>
  );
}

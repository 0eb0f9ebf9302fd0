import type { NextRequest } from "next/server";
import { csvResponse } from "@/lib/csv";
import { PLATFORM_LABELS } from "@/lib/domain/terms";
import { errorResponse } from "@/lib/server/api";
import { listAgents, parseAgentFilters } from "@/lib/server/agents";
import { currentUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";

export const dynamic = "force-dynamic";

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The inventory's filtered rows, all pages, as CSV. */
export async function GET(request: NextRequest) {
  try {
    const user = await currentUser();
    if (!user) return Response.redirect(new URL("/login", request.url));
    const { items } = await listAgents(userCaller(user), parseAgentFilters(request.nextUrl.searchParams), { all: true });
    const header = [
      "slug",
      "name",
      "platform",
      "workflow",
      "risk_class",
      "autonomy",
      "development",
      "staging",
      "production",
      "production_spec_hash",
      "production_approved_by",
      "last_deployed_at",
      "last_reviewed_at",
      "open_changes",
      "open_drift",
      "last_observed_at",
    ];
    const rows = items.map((a) => [
      a.slug,
      a.name,
      PLATFORM_LABELS[a.platform],
      a.workflow.name,
      a.workflow.riskClass,
      a.autonomy,
      a.environments.development ? `v${a.environments.development.version}` : null,
      a.environments.staging ? `v${a.environments.staging.version}` : null,
      a.environments.production ? `v${a.environments.production.version}` : null,
      a.environments.production?.specHash ?? null,
      a.productionStandardChange
        ? `standard change: ${a.productionStandardChange}`
        : a.productionApprovers.map((p) => `${p.role}:${p.email}`).join("; "),
      iso(a.lastDeployedAt),
      iso(a.lastReviewedAt),
      a.openChanges,
      a.posture.openDrift.map((d) => `${d.label} ${d.environment} ${d.severity}`).join("; "),
      iso(a.posture.lastObservedAt),
    ]);
    return csvResponse("agents", header, rows);
  } catch (error) {
    return errorResponse(error);
  }
}

import { apiRoute, toIso } from "@/lib/server/api";
import { listAuditEvents, parseAuditFilters } from "@/lib/server/audit";
import { changeNumberLabel } from "@/lib/domain/terms";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total, totalExact } = await listAuditEvents(caller, parseAuditFilters(request.nextUrl.searchParams));
  return {
    items: items.map((e) => ({
      seq: e.seq,
      at: toIso(e.at),
      actor: e.actor,
      action: e.action,
      entity: {
        type: e.entity.type,
        id: e.entity.id,
        agent: e.entity.agent,
        change: e.entity.changeNumber === null ? null : changeNumberLabel(e.entity.changeNumber),
      },
      payload: e.payload,
      prevHash: e.prevHash,
      hash: e.hash,
    })),
    total,
    /** False when a filter matched more events than are counted: `total` is then a lower bound. */
    totalExact,
  };
});

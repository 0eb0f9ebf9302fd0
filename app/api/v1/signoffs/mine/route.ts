import { apiRoute, toIso } from "@/lib/server/api";
import { mySignoffQueue } from "@/lib/server/signoffs";

export const dynamic = "force-dynamic";

export const GET = apiRoute((_request, { caller }) => {
  const items = mySignoffQueue(caller).map((q) => ({
    change: q.changeId,
    number: `CR-${q.number}`,
    title: q.title,
    agent: q.agent.slug,
    riskTier: q.riskTier,
    role: q.role,
    attests: q.attests,
    waitingSince: toIso(q.waitingSince),
    retroSignoffDueAt: toIso(q.retroDueAt),
  }));
  return { items, total: items.length };
});

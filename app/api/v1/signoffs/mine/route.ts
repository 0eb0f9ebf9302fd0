import { apiRoute, toIso } from "@/lib/server/api";
import { mySignoffCounts, mySignoffQueue, parseQueuePage } from "@/lib/server/signoffs";

export const dynamic = "force-dynamic";

/** A page of the queue (`page`, `pageSize`: 50 by default, at most 500), oldest first; `total` counts the whole queue. */
export const GET = apiRoute(async (request, { caller }) => {
  const { waiting } = await mySignoffCounts(caller);
  const items = (await mySignoffQueue(caller, parseQueuePage(request.nextUrl.searchParams))).map((q) => ({
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
  return { items, total: waiting };
});

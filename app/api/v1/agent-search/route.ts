import { apiRoute } from "@/lib/server/api";
import { parseAgentSearch, searchAgents } from "@/lib/server/agents";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/agent-search?q=ref&limit=20&status=all — agents whose name or slug starts with, then contains, q
 * (case-insensitive, taken literally), by name: `{ items: [{ slug, name, status }] }`. What the agent pickers ask.
 */
export const GET = apiRoute(async (request, { caller }) => ({
  items: await searchAgents(caller, parseAgentSearch(request.nextUrl.searchParams)),
}));

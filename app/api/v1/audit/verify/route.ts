import { apiRoute } from "@/lib/server/api";
import { parseCheckpointParams, verifyAuditTrailFor } from "@/lib/server/audit";

export const dynamic = "force-dynamic";

/** Recomputes the chain; `?count=&headHash=` also checks it against a checkpoint exported earlier. */
export const GET = apiRoute((request, { caller }) => verifyAuditTrailFor(caller, parseCheckpointParams(request.nextUrl.searchParams)));

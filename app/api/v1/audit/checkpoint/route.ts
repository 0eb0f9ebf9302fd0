import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { auditCheckpointFor } from "@/lib/server/audit";

export const dynamic = "force-dynamic";

/** The trail's head as a file to keep outside the server; `npm run audit:verify -- --checkpoint <file>` checks against it. */
export const GET = apiRoute(async (_request, { caller }) => {
  const checkpoint = await auditCheckpointFor(caller);
  return new NextResponse(JSON.stringify(checkpoint, null, 2) + "\n", {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="countersign-audit-checkpoint-${checkpoint.at.slice(0, 10)}.json"`,
      "Cache-Control": "no-store",
    },
  });
});

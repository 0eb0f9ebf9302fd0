import { NextResponse } from "next/server";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/server/api";
import { evidencePack, parseEvidenceFilters } from "@/lib/server/evidence";
import { evidenceCsv } from "./evidence-csv";
import { evidenceJson } from "./evidence-json";

export const dynamic = "force-dynamic";

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * The evidence pack of a period: every production release with its approvals, evals, emergency and
 * retro sign-off timing, rollbacks and incidents, exceptions first, and the audit chain's head.
 * `from`/`to` as the audit log takes them (default: the previous full quarter); `workflow`, `agent`;
 * `format=json` (default) or `csv`. Everyone signed in may read it; a token needs the read scope.
 */
export const GET = apiRoute((request, { caller }) => {
  const params = request.nextUrl.searchParams;
  const format = params.get("format") || "json";
  if (format !== "json" && format !== "csv") throw new AppError("bad_request", "format must be json or csv", { parameter: "format" });
  const now = Date.now();
  const pack = evidencePack(caller, parseEvidenceFilters(params, now), now);
  const filename = `countersign-evidence-${day(pack.range.from)}-to-${day(pack.range.to - 1)}.${format}`;
  const headers = { "Content-Disposition": `attachment; filename="${filename}"`, "Cache-Control": "no-store" };
  if (format === "csv") return new Response(evidenceCsv(pack), { headers: { ...headers, "Content-Type": "text/csv; charset=utf-8" } });
  return new NextResponse(JSON.stringify(evidenceJson(pack), null, 2) + "\n", {
    headers: { ...headers, "Content-Type": "application/json; charset=utf-8" },
  });
});

import { NextResponse } from "next/server";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/server/api";
import { parseCheckpointParams } from "@/lib/server/audit";
import { auditChainStatusFor, checkAgainstCheckpoint, requestFullVerification } from "@/lib/server/audit-verification";

export const dynamic = "force-dynamic";

/**
 * The trail's status: `{ok, count, headHash, firstBadSeq, reason}` as before, from the last full
 * verification and the events appended since, which are verified now; `full`, `sinceFull`, `running` and
 * `summary` say what was verified and when. `?count=&headHash=` also checks a checkpoint exported earlier.
 * `?mode=full` runs a full verification (chain and replay) in a worker thread and answers with its verdict,
 * `mismatches` included, when it ends; the server goes on answering other requests meanwhile.
 */
export const GET = apiRoute(async (request, { caller }) => {
  const params = request.nextUrl.searchParams;
  const mode = params.get("mode") || "incremental";
  if (mode !== "incremental" && mode !== "full")
    throw new AppError("bad_request", "mode must be incremental or full", { parameter: "mode" });
  const checkpoint = parseCheckpointParams(params);
  if (mode === "full") {
    const result = await requestFullVerification(caller).done;
    const held = checkpoint && (await checkAgainstCheckpoint(checkpoint));
    if (!held) return { mode, ...result };
    return held.ok || !result.ok
      ? { mode, ...result, checkpoint: held }
      : { mode, ...result, ok: false, firstBadSeq: held.firstBadSeq, reason: held.reason, checkpoint: held };
  }
  const status = await auditChainStatusFor(caller);
  if (!checkpoint) return { mode, ...status };
  // A checkpoint that no longer holds breaks the trail, whatever else was verified.
  const held = await checkAgainstCheckpoint(checkpoint);
  return held.ok
    ? { mode, ...status, checkpoint: held }
    : { mode, ...status, ok: false, firstBadSeq: held.firstBadSeq, reason: held.reason, checkpoint: held };
});

/** Starts a full verification in a worker thread (or joins the one running) and answers at once with the status, its progress included. */
export const POST = apiRoute(async (_request, { caller }) => {
  requestFullVerification(caller);
  return NextResponse.json(await auditChainStatusFor(caller), { status: 202 });
});

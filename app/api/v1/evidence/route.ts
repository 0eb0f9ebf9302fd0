import { NextResponse } from "next/server";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/server/api";
import {
  decodeReleaseKey,
  evidenceBatches,
  evidencePage,
  exceptionRows,
  parseEvidenceFilters,
  prepareEvidenceTotals,
  type EvidenceHeader,
  type EvidencePack,
  type EvidenceRelease,
} from "@/lib/server/evidence";
import { evidenceCsvHead, evidenceCsvRows } from "./evidence-csv";
import { evidenceHeaderJson, evidencePageJson, exceptionsJson, releaseJson } from "./evidence-json";

export const dynamic = "force-dynamic";

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const FORMATS = ["json", "csv", "ndjson"] as const;
type Format = (typeof FORMATS)[number];

/**
 * The evidence pack of a period: every production release with its approvals, evals, emergency and
 * retro sign-off timing, rollbacks and incidents, exceptions first, and the audit chain's head.
 * `from`/`to` as the audit log takes them (default: the previous full quarter); `workflow`, `agent`.
 * With `size` (1–500), `after` or `before`: one page as JSON, with the range's totals and the boundaries of
 * the pages beside it. Otherwise the whole pack as a download, `format=json` (default), `csv` or `ndjson`,
 * written while it is read, batch by batch. Everyone signed in may read it; a token needs the read scope.
 */
export const GET = apiRoute(async (request, { caller }) => {
  const params = request.nextUrl.searchParams;
  const format = (params.get("format") || "json") as Format;
  if (!FORMATS.includes(format)) throw new AppError("bad_request", "format must be json, csv or ndjson", { parameter: "format" });
  const now = Date.now();
  const filters = parseEvidenceFilters(params, now);
  if (params.has("size") || params.has("after") || params.has("before")) {
    if (format !== "json")
      throw new AppError("bad_request", "a page is JSON: leave out format, or leave out size, after and before", { parameter: "format" });
    const size = params.has("size") ? Number(params.get("size")) : undefined;
    if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 500))
      throw new AppError("bad_request", "size must be a whole number from 1 to 500", { parameter: "size" });
    const after = decodeReleaseKey(params.get("after"), "after");
    const before = decodeReleaseKey(params.get("before"), "before");
    await prepareEvidenceTotals(caller, filters, now);
    return NextResponse.json(evidencePageJson(await evidencePage(caller, filters, { after, before, size }, now)), {
      headers: { "Cache-Control": "no-store" },
    });
  }
  const batches = evidenceBatches(caller, filters, now);
  // The first part is read before answering, so a refusal is still a status code and not a cut-off file.
  const first = await batches.next();
  const header = (first.value as { header: EvidenceHeader }).header;
  const filename = `countersign-evidence-${day(header.range.from)}-to-${day(header.range.to - 1)}.${format}`;
  const type = { json: "application/json", csv: "text/csv", ndjson: "application/x-ndjson" }[format];
  const encoder = new TextEncoder();
  const chunks = writePack(format, header, batches);
  // The download reads one snapshot of the database; a client that stops reading would hold it (and keep
  // the write-ahead log from being checkpointed) for ever. Past a minute without a read, it is ended.
  let idle: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      clearTimeout(idle);
      const next = await chunks.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(next.value));
      idle = setTimeout(() => {
        controller.error(new Error("The evidence download was not read for a minute; it was ended."));
        void chunks.return(undefined);
      }, IDLE_LIMIT_MS);
    },
    async cancel() {
      clearTimeout(idle);
      await chunks.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": `${type}; charset=utf-8`,
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
});

const IDLE_LIMIT_MS = 60_000;

/**
 * The file, piece by piece. JSON keeps the pack's shape (`{generatedAt, range, filters, chain, totals,
 * releases, exceptions}`), with the exceptions last since they are known only once every release is read;
 * NDJSON is the header on its first line, then one release per line.
 */
async function* writePack(
  format: Format,
  header: EvidenceHeader,
  batches: AsyncGenerator<{ header: EvidenceHeader } | { releases: EvidenceRelease[] }>,
): AsyncGenerator<string> {
  try {
    if (format === "csv") {
      yield evidenceCsvHead(header);
      for await (const part of batches) if ("releases" in part) yield evidenceCsvRows(part.releases);
      return;
    }
    if (format === "ndjson") {
      yield JSON.stringify({ kind: "header", ...evidenceHeaderJson(header) }) + "\n";
      for await (const part of batches)
        if ("releases" in part) yield part.releases.map((r) => JSON.stringify({ kind: "release", ...releaseJson(r) }) + "\n").join("");
      return;
    }
    const head = JSON.stringify(evidenceHeaderJson(header), null, 2);
    yield `${head.slice(0, head.lastIndexOf("}")).trimEnd()},\n  "releases": [`;
    const exceptions: EvidencePack["exceptions"] = [];
    let first = true;
    for await (const part of batches) {
      if (!("releases" in part)) continue;
      exceptions.push(...exceptionRows(part.releases));
      yield part.releases.map((r) => `${first ? ((first = false), "") : ","}\n    ${JSON.stringify(releaseJson(r))}`).join("");
    }
    yield `${first ? "" : "\n  "}],\n  "exceptions": ${JSON.stringify(exceptionsJson(exceptions), null, 2).replace(/\n/g, "\n  ")}\n}\n`;
  } finally {
    await batches.return(undefined);
  }
}

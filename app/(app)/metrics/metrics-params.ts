import { z } from "zod";
import { METRIC_KEYS } from "@/components/metrics/dora-format";
import type { MetricsFilters } from "@/lib/server/metrics";
import { parseQuery, type SearchParamsInput } from "@/lib/validations/query-params";

/** The dashboard's own URL parameters, beside the metrics filters: which number's records are open, and which page of them. */

const drill = z.enum(METRIC_KEYS, { error: `drill must be one of: ${METRIC_KEYS.join(", ")}` });

const viewSchema = z.object({
  drill: drill.optional(),
  page: z.coerce
    .number({ error: "page must be a number" })
    .int("page must be a whole number")
    .min(1, "page must be 1 or more")
    .max(100_000, "page must be at most 100000")
    .optional(),
});

const exportSchema = z
  .object({
    what: z.enum(["numbers", "records"], { error: "what must be numbers or records" }),
    drill: drill.optional(),
  })
  .refine((p) => p.what === "numbers" || p.drill !== undefined, {
    message: `what=records needs drill, one of: ${METRIC_KEYS.join(", ")}`,
    path: ["drill"],
  });

export function parseDashboardView(params: SearchParamsInput) {
  return parseQuery(viewSchema, params);
}

export function parseExportRequest(params: SearchParamsInput) {
  return parseQuery(exportSchema, params);
}

const FILTER_KEYS = ["from", "to", "workflow", "platform", "risk", "agent"] as const;

/** The filters as they go back into links (only those set), so every link of the page keeps the same view. */
export function filterQuery(filters: MetricsFilters): string {
  return new URLSearchParams(FILTER_KEYS.flatMap((k) => (filters[k] ? [[k, filters[k]]] : []))).toString();
}

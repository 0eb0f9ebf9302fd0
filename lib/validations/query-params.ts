import { z } from "zod";
import { AppError } from "@/lib/errors";

export type SearchParamsInput = URLSearchParams | Record<string, string | string[] | undefined>;

/** Reads URL search parameters with a schema; empty values mean "no filter", a bad one is a 400 naming the parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, params: SearchParamsInput): z.output<T> {
  const entries =
    params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]);
  const parsed = schema.safeParse(Object.fromEntries(entries.filter(([, v]) => v !== undefined && v !== "")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError("bad_request", issue.message, { parameter: issue.path.join(".") });
  }
  return parsed.data;
}

const PAGE = "page must be a whole number from 1";
const PAGE_SIZE = "pageSize must be a whole number from 1 to 500";

/** DESIGN.md's list paging: page from 1, pageSize default 50, at most 500. */
export const paging = {
  page: z.coerce.number({ error: PAGE }).int(PAGE).min(1, PAGE).default(1),
  pageSize: z.coerce.number({ error: PAGE_SIZE }).int(PAGE_SIZE).min(1, PAGE_SIZE).max(500, PAGE_SIZE).default(50),
};

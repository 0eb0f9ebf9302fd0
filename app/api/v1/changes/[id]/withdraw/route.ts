import { apiRoute } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { withdrawChange } from "@/lib/server/changes";

export const dynamic = "force-dynamic";

/** `{reason?}` → 200 with the withdrawn change. */
export const POST = apiRoute<{ id: string }>(async (_request, { caller, params, body }) =>
  changeJson(await withdrawChange(caller, params.id, body)),
);

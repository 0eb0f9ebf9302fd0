import { apiRoute } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { updateFromProduction } from "@/lib/server/change-update";

export const dynamic = "force-dynamic";

/** `{resolutions?: {path: "ours" | "theirs"}}` → 200 with the updated change; 409 with `conflicts` while a field both sides changed has no resolution. */
export const POST = apiRoute<{ id: string }>(async (_request, { caller, params, body }) =>
  changeJson(await updateFromProduction(caller, params.id, body)),
);

import { apiRoute } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { submitChange } from "@/lib/server/changes";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ id: string }>(async (_request, { caller, params, body }) =>
  changeJson(await submitChange(caller, params.id, Date.now(), body)),
);

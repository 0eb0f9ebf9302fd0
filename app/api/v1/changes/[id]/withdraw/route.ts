import { apiRoute, jsonBody } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { withdrawChange } from "@/lib/server/changes";

export const dynamic = "force-dynamic";

export const POST = apiRoute<{ id: string }>(async (request, { caller, params }) => {
  const body = (await jsonBody(request)) as { reason?: unknown };
  return changeJson(withdrawChange(caller, params.id, typeof body.reason === "string" ? body.reason : undefined));
});

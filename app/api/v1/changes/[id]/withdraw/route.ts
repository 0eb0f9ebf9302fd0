import { apiRoute, bodyObject } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { withdrawChange } from "@/lib/server/changes";

export const dynamic = "force-dynamic";

// withdrawChange takes the reason, not the body, so this route reads the body before the use case asks
// who is withdrawing: a body that is not JSON is a 400 even for someone who may not withdraw (issue 12).
export const POST = apiRoute<{ id: string }>((_request, { caller, params, body }) => {
  const { reason } = bodyObject(body);
  return changeJson(withdrawChange(caller, params.id, typeof reason === "string" ? reason : undefined));
});

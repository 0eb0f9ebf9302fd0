import { apiRoute } from "@/lib/server/api";
import { personJson, updatePerson } from "@/lib/server/people";

export const dynamic = "force-dynamic";

/** Changes a person's name, roles or whether they are disabled: `{name?, roles?, disabled?}`. */
export const PATCH = apiRoute<{ email: string }>(async (_request, { caller, params, body }) =>
  personJson(await updatePerson(caller, decodeURIComponent(params.email), body)),
);

import { apiRoute } from "@/lib/server/api";
import { personJson, updatePerson } from "@/lib/server/people";

export const dynamic = "force-dynamic";

/** Changes a person's name, roles or whether they are disabled: `{name?, roles?, disabled?}`. */
export const PATCH = apiRoute<{ email: string }>((_request, { caller, params, body }) =>
  personJson(updatePerson(caller, decodeURIComponent(params.email), body)),
);

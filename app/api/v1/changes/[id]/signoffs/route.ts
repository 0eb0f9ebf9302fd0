import { apiRoute } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { signOff } from "@/lib/server/signoffs";

export const dynamic = "force-dynamic";

/** A person's decision for one role. Tokens are refused: sign-offs are made by people. */
export const POST = apiRoute<{ id: string }>(async (_request, { caller, params, body }) => {
  const change = await signOff(caller, params.id, body);
  return { state: change.state, signoffs: changeJson(change).signoffs, change: changeJson(change) };
});

import { apiRoute } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { editChange, getChange } from "@/lib/server/changes";
import { changeSinceRelease, sinceReleaseJson } from "@/lib/server/release-evidence";

export const dynamic = "force-dynamic";

/** The change, and what its release did in production (`sinceRelease`, null until it reached production). */
export const GET = apiRoute<{ id: string }>(async (_request, { caller, params }) => {
  const change = await getChange(caller, params.id);
  return { ...changeJson(change), sinceRelease: sinceReleaseJson(await changeSinceRelease(caller, change.id)) };
});

export const PATCH = apiRoute<{ id: string }>(async (_request, { caller, params, body }) =>
  changeJson(await editChange(caller, params.id, body)),
);

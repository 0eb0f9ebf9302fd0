import { apiRoute } from "@/lib/server/api";
import { changeJson } from "@/lib/server/change-json";
import { editChange, getChange } from "@/lib/server/changes";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>((_request, { caller, params }) => changeJson(getChange(caller, params.id)));

export const PATCH = apiRoute<{ id: string }>((_request, { caller, params, body }) => changeJson(editChange(caller, params.id, body)));

import { apiRoute } from "@/lib/server/api";
import { getDrift } from "@/lib/server/drift";
import { driftJson } from "@/lib/server/drift-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>((_request, { caller, params }) => driftJson(getDrift(caller, params.id)));

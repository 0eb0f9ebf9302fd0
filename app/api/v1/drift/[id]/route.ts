import { apiRoute } from "@/lib/server/api";
import { getDrift } from "@/lib/server/drift";
import { driftJson } from "@/lib/server/drift-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ id: string }>(async (_request, { caller, params }) => driftJson(await getDrift(caller, params.id)));

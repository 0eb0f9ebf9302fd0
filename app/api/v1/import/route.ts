import { apiRoute } from "@/lib/server/api";
import { importDefinitions } from "@/lib/server/import";

export const dynamic = "force-dynamic";

/** A read sent as POST (the files are the body): the use case checks the read scope before the body. */
export const POST = apiRoute((_request, { caller, body }) => importDefinitions(caller, body));

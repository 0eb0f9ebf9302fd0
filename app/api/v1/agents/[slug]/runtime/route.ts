import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { agentRuntime } from "@/lib/server/runtime-evidence";
import { runtimeJson } from "@/lib/server/runtime-json";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string }>(async (request, { caller, params }) =>
  NextResponse.json(runtimeJson(await agentRuntime(caller, params.slug, request.nextUrl.searchParams))),
);

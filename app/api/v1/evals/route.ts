import { NextResponse } from "next/server";
import { apiRoute, jsonBody } from "@/lib/server/api";
import { recordEvalRun } from "@/lib/server/evals";
import { evalRunJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const POST = apiRoute(async (request, { caller }) =>
  NextResponse.json(evalRunJson(recordEvalRun(caller, await jsonBody(request))), { status: 201 }),
);

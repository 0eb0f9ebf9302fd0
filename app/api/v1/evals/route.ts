import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { recordEvalRun } from "@/lib/server/evals";
import { evalRunJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

export const POST = apiRoute(async (_request, { caller, body }) =>
  NextResponse.json(evalRunJson(await recordEvalRun(caller, body)), { status: 201 }),
);

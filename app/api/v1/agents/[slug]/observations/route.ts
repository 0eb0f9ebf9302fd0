import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { observationJson } from "@/lib/server/drift-json";
import { recordObservation } from "@/lib/server/observations";

export const dynamic = "force-dynamic";

// 201: the observation is recorded, in sync or not; `drift` is the record it opened, joined or closed.
export const POST = apiRoute<{ slug: string }>(async (_request, { caller, params, body }) =>
  NextResponse.json(observationJson(await recordObservation(caller, params.slug, body)), { status: 201 }),
);

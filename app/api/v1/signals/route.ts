import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { recordSignals } from "@/lib/server/signals";

// 201: every value is recorded, or none is (a bad one names its field).
export const POST = apiRoute(async (_request, { caller, body }) => {
  const { recorded } = await recordSignals(caller, body);
  return NextResponse.json({ recorded: recorded.map((s) => ({ ...s, at: new Date(s.at).toISOString() })) }, { status: 201 });
});

import { NextResponse } from "next/server";
import { databaseIsHealthy } from "@/lib/server/health";

export const dynamic = "force-dynamic";

/** Liveness for load balancers and the test harness: no sign-in, one database round trip. */
export function GET() {
  return databaseIsHealthy()
    ? NextResponse.json({ status: "ok" })
    : NextResponse.json({ status: "unavailable", message: "The database did not answer" }, { status: 503 });
}

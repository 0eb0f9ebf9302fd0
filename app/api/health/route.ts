import { NextResponse } from "next/server";
import { checkHealth } from "@/lib/server/health";

export const dynamic = "force-dynamic";

/**
 * Liveness for load balancers and the test harness, no sign-in: 200 when the database takes writes,
 * otherwise 503 with what is wrong (`{"status":"unavailable","reason":"the database is read-only"}`).
 */
export async function GET() {
  const health = await checkHealth();
  return NextResponse.json(health, { status: health.status === "ok" ? 200 : 503 });
}

import { NextResponse } from "next/server";
import { apiRoute } from "@/lib/server/api";
import { workflowJson } from "@/lib/server/workflow-json";
import { createWorkflow, listWorkflows, parseWorkflowFilters } from "@/lib/server/workflows";

export const dynamic = "force-dynamic";

export const GET = apiRoute(async (request, { caller }) => {
  const { items, total } = await listWorkflows(caller, parseWorkflowFilters(request.nextUrl.searchParams));
  return { items: items.map(workflowJson), total };
});

export const POST = apiRoute(async (_request, { caller, body }) =>
  NextResponse.json(workflowJson(await createWorkflow(caller, body)), { status: 201 }),
);

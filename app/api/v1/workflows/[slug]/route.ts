import { apiRoute } from "@/lib/server/api";
import { workflowJson } from "@/lib/server/workflow-json";
import { getWorkflow, updateWorkflow } from "@/lib/server/workflows";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string }>(async (_request, { caller, params }) => workflowJson(await getWorkflow(caller, params.slug)));

export const PATCH = apiRoute<{ slug: string }>(async (_request, { caller, params, body }) =>
  workflowJson(await updateWorkflow(caller, params.slug, body)),
);

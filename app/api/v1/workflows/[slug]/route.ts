import { apiRoute } from "@/lib/server/api";
import { workflowJson } from "@/lib/server/workflow-json";
import { getWorkflow, updateWorkflow } from "@/lib/server/workflows";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string }>((_request, { caller, params }) => workflowJson(getWorkflow(caller, params.slug)));

export const PATCH = apiRoute<{ slug: string }>((_request, { caller, params, body }) =>
  workflowJson(updateWorkflow(caller, params.slug, body)),
);

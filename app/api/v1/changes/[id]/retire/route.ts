import { apiRoute } from "@/lib/server/api";
import { releaseRetirement } from "@/lib/server/retirement";
import { deploymentJson } from "@/lib/server/release-json";

export const dynamic = "force-dynamic";

/**
 * Releases an approved retire change: 200 {deployments} (one `retire` deployment per environment);
 * 409 {"error":"gate_failed","gates":[…]} while its gates are not met, or when the change retires nothing.
 */
export const POST = apiRoute<{ id: string }>(async (_request, { caller, params, body }) => ({
  deployments: (await releaseRetirement(caller, params.id, body)).map(deploymentJson),
}));

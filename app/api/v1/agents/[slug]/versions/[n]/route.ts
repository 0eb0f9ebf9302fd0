import { specToYaml } from "@/lib/domain/spec";
import { AppError } from "@/lib/errors";
import { apiRoute } from "@/lib/server/api";
import { getAgentVersion, parseVersionNumber } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

export const GET = apiRoute<{ slug: string; n: string }>(async (request, { caller, params }) => {
  const format = request.nextUrl.searchParams.get("format") ?? "json";
  if (format !== "json" && format !== "yaml") throw new AppError("bad_request", 'format must be "json" or "yaml"', { parameter: "format" });
  const version = await getAgentVersion(caller, params.slug, parseVersionNumber("n", params.n));
  if (format === "yaml") {
    return new Response(specToYaml(version.spec), {
      headers: { "Content-Type": "application/yaml; charset=utf-8", "X-Spec-Hash": version.specHash },
    });
  }
  return { number: version.number, specHash: version.specHash, spec: version.spec };
});

import type { NextRequest } from "next/server";
import { specToJson, specToYaml } from "@/lib/domain/spec";
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/server/api";
import { currentUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { getAgentVersion, parseVersionNumber } from "@/lib/server/registry";

export const dynamic = "force-dynamic";

/** Downloads one version's spec as YAML or JSON, named after the agent and version. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ slug: string; n: string }> }) {
  try {
    const user = await currentUser();
    if (!user) return Response.redirect(new URL("/login", request.url));
    const { slug, n } = await params;
    const format = request.nextUrl.searchParams.get("format") ?? "yaml";
    if (format !== "yaml" && format !== "json")
      throw new AppError("bad_request", 'format must be "yaml" or "json"', { parameter: "format" });
    const version = await getAgentVersion(userCaller(user), slug, parseVersionNumber("version", n));
    const body = format === "yaml" ? specToYaml(version.spec) : specToJson(version.spec);
    return new Response(body, {
      headers: {
        "Content-Type": format === "yaml" ? "application/yaml; charset=utf-8" : "application/json; charset=utf-8",
        "Content-Disposition": `attachment; filename="${slug}-v${version.number}.${format}"`,
        "X-Spec-Hash": version.specHash,
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}

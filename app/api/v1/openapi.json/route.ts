import { NextResponse } from "next/server";
import { buildOpenApiDocument } from "@/lib/openapi/document";

/**
 * GET /api/v1/openapi.json — the API's OpenAPI 3.1 document. Readable without signing in, as API
 * descriptions usually are, so tools can fetch it before they hold a token: it describes what may be
 * asked, never any data (its examples are made up, not read from the database).
 */
let document: string | undefined;

export function GET(): Response {
  // Built from the registry once per process: it changes only with the code.
  document ??= JSON.stringify(buildOpenApiDocument());
  return new NextResponse(document, {
    headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300" },
  });
}

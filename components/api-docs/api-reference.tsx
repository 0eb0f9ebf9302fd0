"use client";

import { useEffect, useRef, useState } from "react";
import "swagger-ui-dist/swagger-ui.css";
import "./api-reference.css";

/**
 * The API reference, rendered by Swagger UI from the OpenAPI document. Swagger UI's bundle (with its own
 * copy of React, kept apart from the app's) is loaded only on this page, from this server: no CDN.
 * Tokens typed into "Authorize" stay in this tab's memory; they are never written to storage.
 */
export function ApiReference({ documentUrl }: { documentUrl: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"loading" | "ready" | "failed">("loading");

  useEffect(() => {
    const node = host.current;
    if (!node) return;
    let cancelled = false;
    import("swagger-ui-dist/swagger-ui-es-bundle.js")
      .then(({ default: SwaggerUI }) => {
        if (cancelled) return;
        SwaggerUI({
          url: documentUrl,
          domNode: node,
          // Deep links put a link inside each operation's toggle button, which assistive technology cannot reach.
          deepLinking: false,
          docExpansion: "list",
          defaultModelsExpandDepth: -1,
          displayRequestDuration: true,
          filter: true,
          persistAuthorization: false,
          onComplete: () => setState("ready"),
        });
      })
      .catch((error: unknown) => {
        console.error("The API reference could not load", error);
        if (!cancelled) setState("failed");
      });
    return () => {
      cancelled = true;
      node.replaceChildren();
    };
  }, [documentUrl]);

  return (
    <>
      {state === "loading" && <p className="px-6 py-4 text-sm text-slate-600">Loading the API reference…</p>}
      {state === "failed" && (
        <p role="alert" className="mx-6 my-4 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          The API reference could not load. The document itself is at{" "}
          <a className="font-medium underline" href={documentUrl}>
            {documentUrl}
          </a>
          .
        </p>
      )}
      <div ref={host} className="api-reference" />
    </>
  );
}

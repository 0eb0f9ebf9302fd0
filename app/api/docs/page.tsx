import type { Metadata } from "next";
import Link from "next/link";
import { ApiReference } from "@/components/api-docs/api-reference";
import { Logo } from "@/components/shell/logo";

export const metadata: Metadata = { title: "API reference" };

// Rendered per request, so Next.js puts this response's CSP nonce on its scripts (proxy.ts).
export const dynamic = "force-dynamic";

const DOCUMENT_URL = "/api/v1/openapi.json";

/** The HTTP API's reference, readable without signing in like the document it renders: it describes, and holds no data. */
export default function ApiDocsPage() {
  return (
    <div className="min-h-screen bg-white">
      <header className="border-b border-slate-200 bg-slate-50">
        <div className="mx-auto flex max-w-[1460px] flex-wrap items-center justify-between gap-3 px-6 py-3">
          <div className="flex items-center gap-3">
            <Link href="/" aria-label="Countersign home">
              <Logo className="text-lg text-slate-900" />
            </Link>
            <span className="text-slate-400" aria-hidden>
              /
            </span>
            <h1 className="text-lg font-semibold text-slate-900">API reference</h1>
          </div>
          <nav aria-label="API reference" className="flex items-center gap-4 text-sm">
            <a className="font-medium text-brand-700 underline-offset-2 hover:underline" href={DOCUMENT_URL}>
              OpenAPI document (JSON)
            </a>
            <Link className="font-medium text-brand-700 underline-offset-2 hover:underline" href="/settings/tokens">
              API tokens
            </Link>
          </nav>
        </div>
      </header>
      <main className="mx-auto max-w-[1460px]">
        <ApiReference documentUrl={DOCUMENT_URL} />
      </main>
    </div>
  );
}

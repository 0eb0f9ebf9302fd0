import type { Metadata } from "next";
import Link from "next/link";
import { ImportDefinitions } from "@/components/agents/import-definitions";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { requireUser } from "@/lib/server/auth";
import { canRegisterAgents } from "@/lib/server/agent-registration";
import { previewChangeAction } from "../../changes/actions";
import { importDefinitionsAction } from "./actions";

export const metadata: Metadata = { title: "Import from a platform" };

export default async function ImportAgentsPage() {
  const user = await requireUser();
  if (!canRegisterAgents(user))
    return (
      <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 p-6 text-sm text-rose-900">
        Engineering and workflow owners import agents from a platform.{" "}
        <Link href="/agents" className="font-medium underline">
          Go to the agents
        </Link>
      </div>
    );
  return (
    <div className="space-y-5">
      <Breadcrumb items={[{ href: "/agents", label: "Agents" }, { label: "Import from a platform" }]} />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Import from a platform</h1>
        <p className="mt-1 text-sm text-slate-600">
          Read an agent&apos;s definition from Agentforce, Copilot Studio, Microsoft 365, the OpenAI Agents SDK, LangGraph, Bedrock,
          ServiceNow or an MCP server into a spec. Nothing is saved here: check what was read, then register it as a new agent or propose it
          as a change, and it is reviewed like any other.
        </p>
      </div>
      <ImportDefinitions importFiles={importDefinitionsAction} preview={previewChangeAction} />
    </div>
  );
}

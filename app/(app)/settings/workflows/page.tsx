import type { Metadata } from "next";
import Link from "next/link";
import { SettingsNav } from "@/components/shell/settings-nav";
import { Card } from "@/components/ui/card";
import { AddWorkflowForm } from "@/components/workflows/add-workflow-form";
import { ChangeWorkflowForm } from "@/components/workflows/change-workflow-form";
import { WorkflowTable } from "@/components/workflows/workflow-table";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { canManageWorkflows, listWorkflows, workflowOwnerCandidates } from "@/lib/server/workflows";
import { createWorkflowAction, updateWorkflowAction } from "./actions";

export const metadata: Metadata = { title: "Workflows" };

const AUDIT_LINK = "/audit?entity=workflow";

export default async function WorkflowsPage() {
  const caller = userCaller(await requireUser());
  const heading = (
    <div>
      <h1 className="text-2xl font-semibold tracking-tight">Workflows</h1>
      <p className="mt-1 text-sm text-slate-600">
        The business processes agents act in. A workflow’s risk class sets the floor of its agents’ change tiers; a new class applies to
        changes assessed from then on.
      </p>
    </div>
  );
  if (!canManageWorkflows(caller)) {
    return (
      <div className="space-y-5">
        {heading}
        <div role="note" className="rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700">
          <p className="font-medium text-slate-900">Only admins manage workflows.</p>
          <p className="mt-1">
            Each agent’s page names its workflow, owner and risk class. Every change to a workflow is recorded in the{" "}
            <Link href={AUDIT_LINK} className="text-brand-700 hover:underline">
              audit log
            </Link>
            .
          </p>
        </div>
      </div>
    );
  }
  // Every workflow on one page: an estate has tens, and the largest list an API page allows is 500.
  const { items } = await listWorkflows(caller, { pageSize: 500 });
  const owners = await workflowOwnerCandidates(caller);
  return (
    <div className="space-y-5">
      <SettingsNav current="/settings/workflows" isAdmin />
      {heading}
      <Card title="Add a workflow">
        <AddWorkflowForm owners={owners} add={createWorkflowAction} />
      </Card>
      <Card
        title="Workflows"
        action={
          <Link href={AUDIT_LINK} className="text-sm text-brand-700 hover:underline">
            Workflow history in the audit log
          </Link>
        }
      >
        {items.length ? (
          <WorkflowTable
            workflows={items}
            edit={(w) => (
              <ChangeWorkflowForm
                slug={w.slug}
                current={{ name: w.name, owner: w.owner.email, riskClass: w.riskClass, riskReason: w.riskReason }}
                owners={owners}
                change={updateWorkflowAction}
              />
            )}
          />
        ) : (
          <div className="px-6 py-10 text-center">
            <p className="text-base font-medium text-slate-900">No workflows yet</p>
            <p className="mt-1 text-sm text-slate-600">Add one above for each business process your agents act in.</p>
          </div>
        )}
      </Card>
    </div>
  );
}

import type { Metadata } from "next";
import Link from "next/link";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ChangeEditor } from "@/components/changes/change-editor";
import { requireUser } from "@/lib/server/auth";
import { orNotFound } from "@/app/(app)/or-not-found";
import { userCaller } from "@/lib/server/caller";
import { getChange } from "@/lib/server/changes";
import { listActivePeople } from "@/lib/server/users";
import { RetireForm } from "@/components/changes/retire-form";
import { editRetirementAction, previewChangeAction, saveChangeAction, submitChangeAction, proposeAndSubmitAction } from "../../actions";
import { editorStateOf } from "../../editor-state";

export const metadata: Metadata = { title: "Edit change" };

export default async function EditChangePage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<{ problems?: string }>;
}) {
  const user = await requireUser();
  const { id } = await params;
  const showProblems = (await searchParams).problems === "1";
  const change = await orNotFound(async () => await getChange(userCaller(user), decodeURIComponent(id)));
  const isAuthor = change.author.kind === "user" && change.author.id === user.id;
  const editable = change.state === "draft" || change.state === "in_review" || change.state === "approved";
  const back = (
    <Link href={`/changes/${change.label}`} className="font-medium underline">
      Back to {change.label}
    </Link>
  );
  if (!isAuthor || !editable) {
    return (
      <div role="alert" className="rounded-lg border border-amber-200 bg-amber-50 p-6 text-sm text-amber-900">
        {!isAuthor
          ? "Only the author can edit this change record."
          : `${change.label} is ${change.state.replace("_", " ")}: only changes not yet released can be edited.`}{" "}
        {back}
      </div>
    );
  }
  if (change.retire) {
    return (
      <div className="max-w-3xl space-y-5">
        <Breadcrumb
          items={[{ href: "/changes", label: "Changes" }, { href: `/changes/${change.label}`, label: change.label }, { label: "Edit" }]}
        />
        <h1 className="text-2xl font-semibold tracking-tight">
          Edit {change.label} <span className="font-normal text-slate-500">· retires {change.agent.name}</span>
        </h1>
        <RetireForm
          initial={{
            title: change.title,
            rationale: change.rationale,
            rollbackPlan: change.rollbackPlan,
            rollbackOwner: change.rollbackOwner?.email ?? "",
            monitoring: change.monitoring,
          }}
          people={await listActivePeople()}
          submitLabel="Save"
          send={editRetirementAction.bind(null, change.id)}
        />
      </div>
    );
  }
  return (
    <div className="space-y-5">
      <Breadcrumb
        items={[{ href: "/changes", label: "Changes" }, { href: `/changes/${change.label}`, label: change.label }, { label: "Edit" }]}
      />
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">
          Edit {change.label} <span className="font-normal text-slate-500">· {change.agent.name}</span>
        </h1>
        {(change.state === "in_review" || change.state === "approved") && (
          <p className="mt-1 text-sm text-amber-800">
            This change is {change.state === "approved" ? "approved" : "in review"}: saving an edit dismisses the sign-offs already given,
            and its owners are asked again.
          </p>
        )}
      </div>
      <ChangeEditor
        agent={{ slug: change.agent.slug, name: change.agent.name }}
        change={{ id: change.id, label: change.label, state: change.state }}
        initial={editorStateOf(change)}
        initialErrors={showProblems ? change.submissionProblems : undefined}
        people={await listActivePeople()}
        save={saveChangeAction}
        submit={submitChangeAction}
        proposeAndSubmit={proposeAndSubmitAction}
        preview={previewChangeAction}
      />
    </div>
  );
}

import Link from "next/link";
import { CheckCircle2, Circle } from "lucide-react";
import { Card } from "@/components/ui/card";

type Progress = { people: number; workflows: number; agents: number };

/** A new installation's first steps, for its admins: who signs, the workflows agents act in, the first agent. */
export function GettingStarted({ progress }: { progress: Progress }) {
  const steps = [
    {
      done: progress.people > 1,
      href: "/settings/people",
      title: "Invite the people who sign",
      detail: "Workflow owners, security, engineering and operations each sign their part of a change.",
    },
    {
      done: progress.workflows > 0,
      href: "/settings/workflows",
      title: "Create a workflow",
      detail: "The business process an agent acts in, with its owner and risk class.",
    },
    {
      done: progress.agents > 0,
      href: "/agents/new",
      title: "Register your first agent",
      detail: "An engineer or a workflow owner proposes it; it goes through review like any change.",
    },
  ];
  return (
    <Card title="Getting started">
      <ol className="space-y-3">
        {steps.map((step) => (
          <li key={step.href} className="flex gap-3 text-sm">
            {step.done ? (
              <CheckCircle2 aria-label="done" className="mt-0.5 size-4 shrink-0 text-emerald-600" />
            ) : (
              <Circle aria-label="to do" className="mt-0.5 size-4 shrink-0 text-slate-400" />
            )}
            <span>
              <Link href={step.href} className="font-medium text-brand-700 hover:underline">
                {step.title}
              </Link>
              <span className="block text-slate-600">{step.detail}</span>
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}

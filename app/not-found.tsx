import Link from "next/link";
import { Logo } from "@/components/shell/logo";

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo className="text-xl text-slate-900" />
      <h1 className="text-2xl font-semibold tracking-tight">Nothing here</h1>
      <p className="max-w-md text-sm text-slate-600">
        There is no agent, version or change record at this address. It may have been mistyped, or the link is from another Countersign.
      </p>
      <Link href="/agents" className="text-sm font-medium text-brand-700 underline">
        Go to the agents
      </Link>
    </main>
  );
}

import { Logo } from "@/components/shell/logo";

/** The frame of the pages shown before anyone is signed in: sign-in, first setup, an account link. */
export function PublicPanel({ title, intro, children }: { title: string; intro?: React.ReactNode; children: React.ReactNode }) {
  return (
    <main className="flex min-h-screen items-center justify-center bg-gradient-to-b from-brand-50 to-slate-50 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 text-center">
          <Logo className="text-2xl text-slate-900" />
        </div>
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-lg font-semibold">{title}</h1>
          {intro && <div className="mt-1 text-sm text-slate-600">{intro}</div>}
          <div className="mt-5">{children}</div>
        </div>
      </div>
    </main>
  );
}

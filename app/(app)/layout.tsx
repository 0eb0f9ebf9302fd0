import { AppHeader } from "@/components/shell/app-header";
import { KeyboardShortcuts } from "@/components/shell/keyboard-shortcuts";
import { Providers } from "@/components/shell/providers";
import { MAIN_ID, SkipLink } from "@/components/shell/skip-link";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { myNotifications } from "@/lib/server/notifications";
import { instanceBanner } from "@/lib/server/settings";
import { listIncidents } from "@/lib/server/incidents";
import { overdueRetroSignoffCount } from "@/lib/server/retro-signoffs";
import { mySignoffCounts } from "@/lib/server/signoffs";
import { markNotificationsReadAction, signOutAction } from "./actions";

const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const banner = await instanceBanner();
  const caller = userCaller(user);
  const { waiting, retro: retroWaiting } = await mySignoffCounts(caller);
  const overdueRetros = await overdueRetroSignoffCount(caller);
  const openIncidents = (await listIncidents(caller, { open: "true", pageSize: 1 })).total;
  const badges = {
    "/signoffs": {
      count: waiting,
      label: `${counted(waiting, "sign-off")} waiting on you${retroWaiting ? `, ${retroWaiting} of them retro sign-offs of emergency releases` : ""}`,
    },
    "/changes": {
      count: overdueRetros,
      label: `${counted(overdueRetros, "emergency release")} with an overdue retro sign-off`,
      tone: "danger" as const,
    },
    "/incidents": { count: openIncidents, label: `${counted(openIncidents, "open incident")}`, tone: "danger" as const },
  };
  return (
    <div className="flex min-h-screen flex-col">
      <SkipLink />
      {banner && (
        <div role="note" className="bg-amber-100 px-4 py-1.5 text-center text-xs font-medium text-amber-900">
          {banner}
        </div>
      )}
      {/* Printed reports (the evidence pack) leave the navigation out; `contents` keeps the header sticky on screen. */}
      <div className="contents print:hidden">
        <AppHeader
          user={{ name: user.name, email: user.email, roles: user.roles }}
          signOut={signOutAction}
          badges={badges}
          notifications={await myNotifications(caller)}
          markRead={markNotificationsReadAction}
        />
      </div>
      <main id={MAIN_ID} tabIndex={-1} className="mx-auto w-full max-w-[1600px] flex-1 px-4 py-6 outline-none sm:px-6 lg:px-8">
        <Providers>{children}</Providers>
      </main>
      <KeyboardShortcuts />
    </div>
  );
}

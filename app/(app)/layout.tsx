import { AppHeader } from "@/components/shell/app-header";
import { Providers } from "@/components/shell/providers";
import { requireUser } from "@/lib/server/auth";
import { userCaller } from "@/lib/server/caller";
import { myNotifications } from "@/lib/server/notifications";
import { instanceBanner } from "@/lib/server/settings";
import { mySignoffQueue } from "@/lib/server/signoffs";
import { markNotificationsReadAction, signOutAction } from "./actions";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  const banner = instanceBanner();
  return (
    <div className="flex min-h-screen flex-col">
      {banner && (
        <div role="note" className="bg-amber-100 px-4 py-1.5 text-center text-xs font-medium text-amber-900">
          {banner}
        </div>
      )}
      <AppHeader
        user={{ name: user.name, email: user.email, roles: user.roles }}
        signOut={signOutAction}
        waiting={mySignoffQueue(userCaller(user)).length}
        notifications={myNotifications(userCaller(user))}
        markRead={markNotificationsReadAction}
      />
      <main className="mx-auto w-full max-w-[1600px] flex-1 px-4 py-6 sm:px-6 lg:px-8">
        <Providers>{children}</Providers>
      </main>
    </div>
  );
}

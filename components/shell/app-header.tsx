import Link from "next/link";
import type { Role } from "@/lib/domain/terms";
import type { ComponentProps } from "react";
import { Logo } from "./logo";
import { NotificationBell } from "./notification-bell";
import { NavLinks, type NavBadge } from "./nav-links";
import { UserMenu } from "./user-menu";

/** Sections appear here as they exist; there are no placeholder pages. */
const SECTIONS = [
  { href: "/agents", label: "Agents" },
  { href: "/changes", label: "Changes" },
  { href: "/signoffs", label: "Sign-offs" },
  { href: "/incidents", label: "Incidents" },
  { href: "/metrics", label: "Metrics" },
  { href: "/audit", label: "Audit" },
  { href: "/settings/policy", label: "Settings", match: "/settings" },
];

type Notifications = ComponentProps<typeof NotificationBell>;

export function AppHeader({
  user,
  signOut,
  badges,
  notifications,
  markRead,
}: {
  user: { name: string; email: string; roles: Role[] };
  signOut: () => Promise<void>;
  /** Counts beside sections, by href. */
  badges: Record<string, NavBadge>;
  notifications: Pick<Notifications, "items" | "unread">;
  markRead: Notifications["markRead"];
}) {
  return (
    <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur">
      <div className="mx-auto flex min-h-14 w-full max-w-[1600px] flex-wrap items-center gap-x-6 gap-y-1 px-4 py-2 sm:px-6 lg:px-8">
        <Link href="/" aria-label="Countersign home">
          <Logo className="text-slate-900" />
        </Link>
        <NavLinks className="order-last w-full md:order-none md:w-auto" sections={SECTIONS.map((s) => ({ ...s, badge: badges[s.href] }))} />
        <div className="ml-auto flex items-center gap-1">
          <NotificationBell items={notifications.items} unread={notifications.unread} markRead={markRead} />
          <UserMenu user={user} signOut={signOut} />
        </div>
      </div>
    </header>
  );
}

"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { Bell } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";

type Item = { id: string; message: string; createdAt: number; readAt: number | null; href: string };

/** The bell: what needs you and what happened to your changes. Opening it marks everything read. */
export function NotificationBell({ items, unread, markRead }: { items: Item[]; unread: number; markRead: () => Promise<void> }) {
  const router = useRouter();
  return (
    <DropdownMenu.Root
      onOpenChange={(open) => {
        if (!open && unread > 0) void markRead().then(() => router.refresh());
      }}
    >
      <DropdownMenu.Trigger
        className="relative rounded-md p-2 text-slate-600 hover:bg-slate-100"
        aria-label={unread ? `Notifications: ${unread} unread` : "Notifications"}
      >
        <Bell aria-hidden className="size-5" />
        {unread > 0 && (
          <span className="absolute top-1 right-1 min-w-4 rounded-full bg-rose-600 px-1 text-center text-[10px] leading-4 font-semibold text-white tabular-nums">
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={6}
          className="z-50 max-h-[70vh] w-96 max-w-[calc(100vw-2rem)] overflow-y-auto rounded-lg border border-slate-200 bg-white p-1 shadow-lg"
        >
          <DropdownMenu.Label className="px-3 py-2 text-xs font-semibold text-slate-500">Notifications</DropdownMenu.Label>
          {items.length === 0 && <p className="px-3 py-4 text-sm text-slate-500">Nothing yet.</p>}
          {items.map((n) => (
            <DropdownMenu.Item
              key={n.id}
              asChild
              className="block rounded-md px-3 py-2 text-sm outline-none data-[highlighted]:bg-slate-100"
            >
              <Link href={n.href}>
                <span className={n.readAt ? "text-slate-600" : "font-medium text-slate-900"}>{n.message}</span>
                <span className="block text-xs text-slate-400">
                  {new Date(n.createdAt).toISOString().slice(0, 16).replace("T", " ")} UTC
                </span>
              </Link>
            </DropdownMenu.Item>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

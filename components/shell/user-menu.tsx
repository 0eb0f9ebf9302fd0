"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { Check, ChevronDown, KeyRound, LogOut, UserRound, Users } from "lucide-react";
import Link from "next/link";
import { useId, useState } from "react";
import { ROLE_LABELS, type Role } from "@/lib/domain/terms";
import { applyTheme, parseThemeChoice, storedThemeChoice, THEME_CHOICES, type ThemeChoice } from "@/lib/theme";

const ITEM =
  "flex cursor-pointer items-center gap-2 rounded-md px-3 py-2 text-sm text-slate-700 outline-none data-[highlighted]:bg-slate-100";

function MenuLink({ href, icon: Icon, label }: { href: string; icon: typeof UserRound; label: string }) {
  return (
    <DropdownMenu.Item asChild className={ITEM}>
      <Link href={href}>
        <Icon aria-hidden className="size-4" /> {label}
      </Link>
    </DropdownMenu.Item>
  );
}

/** System, Light or Dark, remembered in this browser; the menu reads the stored choice each time it opens. */
function ThemeChoices() {
  const [choice, setChoice] = useState<ThemeChoice>(() => storedThemeChoice());
  const labelId = useId();
  return (
    <>
      <DropdownMenu.Label id={labelId} className="px-3 pt-1 pb-1 text-xs font-semibold text-slate-600">
        Theme
      </DropdownMenu.Label>
      <DropdownMenu.RadioGroup
        aria-labelledby={labelId}
        value={choice}
        onValueChange={(value) => {
          const next = parseThemeChoice(value);
          applyTheme(next);
          setChoice(next);
        }}
      >
        {THEME_CHOICES.map((c) => (
          <DropdownMenu.RadioItem key={c.value} value={c.value} className={ITEM} onSelect={(event) => event.preventDefault()}>
            <span className="flex size-4 items-center justify-center">
              <DropdownMenu.ItemIndicator>
                <Check aria-hidden className="size-4" />
              </DropdownMenu.ItemIndicator>
            </span>
            {c.label}
          </DropdownMenu.RadioItem>
        ))}
      </DropdownMenu.RadioGroup>
    </>
  );
}

export function UserMenu({ user, signOut }: { user: { name: string; email: string; roles: Role[] }; signOut: () => Promise<void> }) {
  const initials = user.name
    .split(/\s+/)
    .map((part) => part[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  const roles = user.roles.map((r) => ROLE_LABELS[r]).join(", ") || "No role";
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        className="flex items-center gap-2 rounded-md px-2 py-1 text-left hover:bg-slate-100"
        aria-label={`Account: ${user.name}`}
      >
        <span
          aria-hidden
          className="flex size-8 items-center justify-center rounded-full bg-brand-100 text-xs font-semibold text-brand-700"
        >
          {initials}
        </span>
        <span className="hidden leading-tight sm:block">
          <span className="block text-sm font-medium text-slate-900">{user.name}</span>
          <span className="block text-xs text-slate-500">{roles}</span>
        </span>
        <ChevronDown aria-hidden className="size-4 text-slate-500" />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={6}
          className="z-50 min-w-60 rounded-lg border border-slate-200 bg-white p-1 shadow-lg"
        >
          <div className="px-3 py-2">
            <p className="text-sm font-medium text-slate-900">{user.name}</p>
            <p className="text-xs text-slate-500">{user.email}</p>
            <p className="mt-1 text-xs text-slate-600">Roles: {roles}</p>
          </div>
          <DropdownMenu.Separator className="my-1 h-px bg-slate-100" />
          <MenuLink href="/settings/account" icon={UserRound} label="Account" />
          {user.roles.includes("admin") && (
            <>
              <MenuLink href="/settings/people" icon={Users} label="People" />
              <MenuLink href="/settings/tokens" icon={KeyRound} label="API tokens" />
            </>
          )}
          <DropdownMenu.Separator className="my-1 h-px bg-slate-100" />
          <ThemeChoices />
          <DropdownMenu.Separator className="my-1 h-px bg-slate-100" />
          <DropdownMenu.Item onSelect={() => void signOut()} className={ITEM}>
            <LogOut aria-hidden className="size-4" /> Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

"use client";

import { ROLE_LABELS, ROLES, type Role } from "@/lib/domain/terms";

/** One checkbox per role, labelled with the role's name ("Security", "Admin"…). */
export function RoleCheckboxes({
  idPrefix,
  value,
  onChange,
  describedBy,
}: {
  idPrefix: string;
  value: Role[];
  onChange: (roles: Role[]) => void;
  describedBy?: string;
}) {
  return (
    <fieldset aria-describedby={describedBy}>
      <legend className="mb-1.5 text-sm font-medium text-slate-700">Roles</legend>
      <ul className="flex flex-wrap gap-x-4 gap-y-2">
        {ROLES.map((role) => (
          <li key={role} className="flex items-center gap-1.5">
            <input
              type="checkbox"
              id={`${idPrefix}-${role}`}
              className="size-4 accent-brand-600"
              checked={value.includes(role)}
              onChange={(e) => onChange(e.target.checked ? [...value, role] : value.filter((r) => r !== role))}
            />
            <label htmlFor={`${idPrefix}-${role}`} className="text-sm text-slate-800">
              {ROLE_LABELS[role]}
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

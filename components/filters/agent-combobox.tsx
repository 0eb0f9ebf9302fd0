"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ChevronDown, X } from "lucide-react";
import { useEffect, useId, useRef, useState } from "react";
import { cn } from "@/components/ui/cn";

export type AgentChoice = { slug: string; name: string };

type Props = {
  /** The agent chosen when the box mounts (give the component a `key` to reset it, e.g. the URL's slug). */
  value: AgentChoice | null;
  /** Called with the agent picked, or null once the box is cleared. */
  onChange?: (agent: AgentChoice | null) => void;
  /** The input's id, for a visible `<label htmlFor>`. */
  id?: string;
  /** The accessible name when there is no visible label. */
  label?: string;
  /** When set, a hidden input of this name carries the chosen slug, for a plain form. */
  name?: string;
  placeholder?: string;
  /** Offer retired agents too (the audit trail's pickers); by default only active ones. */
  includeRetired?: boolean;
  required?: boolean;
  className?: string;
  "aria-describedby"?: string;
};

const LIMIT = 20;
const DEBOUNCE_MS = 200;

async function fetchAgents(q: string, includeRetired: boolean, signal: AbortSignal): Promise<(AgentChoice & { status: string })[]> {
  const params = new URLSearchParams({ q, limit: String(LIMIT), ...(includeRetired && { status: "all" }) });
  const response = await fetch(`/api/v1/agent-search?${params}`, { signal });
  if (!response.ok) throw new Error(((await response.json()) as { message?: string }).message ?? "Could not search the agents");
  return ((await response.json()) as { items: (AgentChoice & { status: string })[] }).items;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * Picks one agent by searching on the server (ARIA 1.2 combobox with a listbox popup): type part of a name or
 * slug, move with the arrow keys, Enter to choose, Escape to close or, closed, to undo the typing. Only the
 * twenty best matches ever reach the browser, however many agents there are.
 */
export function AgentCombobox({
  value,
  onChange,
  id,
  label,
  name,
  placeholder = "Search agents",
  includeRetired = false,
  required,
  className,
  "aria-describedby": describedBy,
}: Props) {
  const fallbackId = useId();
  const inputId = id ?? `${fallbackId}-input`;
  const listId = `${inputId}-listbox`;
  const [selected, setSelected] = useState<AgentChoice | null>(value);
  const [text, setText] = useState(value?.name ?? "");
  const [typed, setTyped] = useState(false);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);

  const term = useDebounced(typed ? text.trim() : "", DEBOUNCE_MS);
  const search = useQuery({
    queryKey: ["agent-search", includeRetired, term],
    queryFn: ({ signal }) => fetchAgents(term, includeRetired, signal),
    enabled: open,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const options = search.data ?? [];
  const settled = !search.isFetching && term === (typed ? text.trim() : "");
  const optionId = (i: number) => `${listId}-option-${i}`;

  useEffect(() => {
    if (open && active >= 0) document.getElementById(optionId(active))?.scrollIntoView({ block: "nearest" });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- optionId only depends on listId
  }, [open, active]);

  const choose = (agent: AgentChoice | null) => {
    setSelected(agent);
    setText(agent?.name ?? "");
    setTyped(false);
    setOpen(false);
    setActive(-1);
    if ((agent?.slug ?? null) !== (selected?.slug ?? null)) onChange?.(agent);
  };
  /** Leaving the box: an emptied box clears the choice; half-typed text goes back to the chosen agent. */
  const settle = () => {
    if (!text.trim() && selected) choose(null);
    else {
      setText(selected?.name ?? "");
      setTyped(false);
      setOpen(false);
      setActive(-1);
    }
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    switch (e.key) {
      case "ArrowDown":
        e.preventDefault();
        if (!open) setOpen(true);
        else if (options.length) setActive((i) => (i + 1) % options.length);
        break;
      case "ArrowUp":
        e.preventDefault();
        if (!open) setOpen(true);
        else if (options.length) setActive((i) => (i <= 0 ? options.length - 1 : i - 1));
        break;
      case "Enter":
        if (open && active >= 0 && options[active]) {
          e.preventDefault();
          choose(options[active]);
        } else if (open && settled && options.length === 1) {
          e.preventDefault();
          choose(options[0]!);
        } else if (!text.trim() && selected) {
          e.preventDefault();
          choose(null);
        }
        break;
      case "Escape":
        if (open) {
          e.preventDefault();
          setOpen(false);
          setActive(-1);
        } else if (typed || text !== (selected?.name ?? "")) {
          e.preventDefault();
          settle();
        }
        break;
    }
  };

  return (
    <div className={cn("relative w-full sm:w-64", className)}>
      <input
        ref={input}
        id={inputId}
        type="text"
        role="combobox"
        aria-label={label}
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={listId}
        aria-activedescendant={open && active >= 0 ? optionId(active) : undefined}
        aria-describedby={describedBy}
        autoComplete="off"
        spellCheck={false}
        required={required}
        placeholder={placeholder}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setTyped(true);
          setOpen(true);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
        onClick={() => setOpen(true)}
        onBlur={settle}
        className="h-9 w-full rounded-md border border-slate-300 bg-white pr-14 pl-3 text-sm text-slate-900 shadow-xs placeholder:text-slate-500 focus:border-brand-500 focus:ring-2 focus:ring-brand-500/30 focus:outline-none"
      />
      {name && <input type="hidden" name={name} value={selected?.slug ?? ""} />}
      <div className="absolute inset-y-0 right-1 flex items-center">
        {selected && (
          <button
            type="button"
            aria-label={`Clear ${label ?? "agent"}`}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => {
              choose(null);
              input.current?.focus();
            }}
            className="rounded p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-800"
          >
            <X aria-hidden className="size-4" />
          </button>
        )}
        <button
          type="button"
          tabIndex={-1}
          aria-hidden
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => {
            setOpen((o) => !o);
            input.current?.focus();
          }}
          className="rounded p-1 text-slate-500 hover:bg-slate-100"
        >
          <ChevronDown className="size-4" />
        </button>
      </div>
      <div
        hidden={!open}
        className="absolute z-20 mt-1 max-h-72 w-full min-w-64 overflow-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
      >
        <ul id={listId} role="listbox" aria-label={label ?? "Agents"} aria-busy={open && !settled}>
          {options.map((agent, i) => (
            <li
              key={agent.slug}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => e.preventDefault()}
              onMouseMove={() => setActive(i)}
              onClick={() => choose({ slug: agent.slug, name: agent.name })}
              className={cn("cursor-pointer px-3 py-1.5", i === active ? "bg-brand-50 text-brand-900" : "text-slate-800")}
            >
              <span className="block truncate">
                {agent.name}
                {agent.slug === selected?.slug && <span className="sr-only"> (chosen)</span>}
              </span>
              <span className="block truncate text-xs text-slate-500">
                {agent.slug}
                {agent.status === "retired" && " · retired"}
              </span>
            </li>
          ))}
        </ul>
        {open && (
          <p role="status" className={cn("px-3 text-slate-600", options.length ? "sr-only" : "py-1.5")}>
            {search.isError
              ? search.error.message
              : !settled && !options.length
                ? "Searching…"
                : options.length
                  ? `${options.length === LIMIT ? `First ${LIMIT}` : options.length} ${options.length === 1 ? "agent" : "agents"} listed`
                  : text.trim()
                    ? `No agent matches “${text.trim()}”`
                    : "No agents"}
          </p>
        )}
      </div>
    </div>
  );
}

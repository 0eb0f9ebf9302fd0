"use client";

import type { useUrlFilters } from "@/components/ui/use-url-filters";
import { AgentCombobox, type AgentChoice } from "./agent-combobox";

/**
 * The `agent` URL filter of a list, picked with the agent combobox: the chosen slug goes into the URL as the
 * old `<select>` put it, so links and back/forward keep working. `selected` is the URL's agent, looked up by the
 * page on the server (`agentOption`); the box is keyed by it, so navigating resets what it shows.
 */
export function AgentFilter({
  filters,
  selected,
  param = "agent",
  label = "Agent",
  includeRetired,
}: {
  filters: ReturnType<typeof useUrlFilters>;
  selected: AgentChoice | null;
  param?: string;
  label?: string;
  includeRetired?: boolean;
}) {
  const slug = filters.params.get(param) ?? "";
  // An unknown slug in the URL still shows, so the reader sees why nothing matches.
  const value = selected ?? (slug ? { slug, name: slug } : null);
  return (
    <AgentCombobox
      key={slug}
      label={label}
      placeholder="All agents"
      value={value}
      includeRetired={includeRetired}
      onChange={(agent) => filters.update({ [param]: agent?.slug ?? "" })}
    />
  );
}

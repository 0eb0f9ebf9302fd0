import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { DoraBand } from "@/lib/domain/dora";

const TONE: Record<DoraBand, BadgeTone> = { elite: "success", high: "info", medium: "warning", low: "danger" };
const LABEL: Record<DoraBand, string> = { elite: "Elite", high: "High", medium: "Medium", low: "Low" };

/** A DORA performance band, coloured from green (elite) to red (low). */
export function BandBadge({ band }: { band: DoraBand }) {
  return (
    <Badge tone={TONE[band]} title={`DORA band: ${band}`}>
      {LABEL[band]}
    </Badge>
  );
}

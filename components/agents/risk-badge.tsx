import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { RiskLevel } from "@/lib/domain/terms";

const TONE: Record<RiskLevel, BadgeTone> = { low: "success", medium: "info", high: "warning", critical: "critical" };

export function RiskBadge({ level }: { level: RiskLevel }) {
  return (
    <Badge tone={TONE[level]} title={`${level} risk`}>
      {level}
    </Badge>
  );
}

import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { Severity } from "@/lib/domain/terms";

const TONE: Record<Severity, BadgeTone> = { sev1: "critical", sev2: "danger", sev3: "warning", sev4: "neutral" };

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <Badge tone={TONE[severity]}>{severity.toUpperCase()}</Badge>;
}

import { Badge } from "@/components/ui/badge";

const LABEL: Record<string, string> = { read_only: "Read-only", bounded: "Bounded", autonomous: "Autonomous" };

export function AutonomyBadge({ autonomy }: { autonomy: string }) {
  return (
    <Badge tone={autonomy === "autonomous" ? "danger" : autonomy === "bounded" ? "neutral" : "success"}>
      {LABEL[autonomy] ?? autonomy}
    </Badge>
  );
}

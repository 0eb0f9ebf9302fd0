import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { DeliveryStatus } from "@/lib/domain/webhooks";

const TONE: Record<DeliveryStatus, BadgeTone> = { pending: "warning", delivered: "success", failed: "danger" };
const LABEL: Record<DeliveryStatus, string> = { pending: "Retrying", delivered: "Delivered", failed: "Failed" };

/** A delivery's state; a pending one that was never tried yet is "Queued", one being retried "Retrying". */
export function DeliveryStatusBadge({ status, attempts }: { status: DeliveryStatus; attempts: number }) {
  return <Badge tone={TONE[status]}>{status === "pending" && attempts === 0 ? "Queued" : LABEL[status]}</Badge>;
}

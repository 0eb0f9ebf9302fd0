import type { DoraMetrics } from "@/lib/domain/dora";

/** doraMetrics without the records behind each number: what doraNumbersFor returns, to compare with it. */
export function withoutItems(m: DoraMetrics) {
  const { leadTime, deploymentFrequency, changeFailRate, recoveryTime, reworkRate, ...rest } = m;
  const drop = <T extends { items: unknown }>(metric: T): Omit<T, "items"> => {
    const keep: Partial<T> = { ...metric };
    delete keep.items;
    return keep as Omit<T, "items">;
  };
  return {
    ...rest,
    leadTime: drop(leadTime),
    deploymentFrequency: drop(deploymentFrequency),
    changeFailRate: drop(changeFailRate),
    recoveryTime: drop(recoveryTime),
    reworkRate: drop(reworkRate),
  };
}

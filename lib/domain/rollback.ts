/** One deployment in an environment's history, newest first, with whether its version passed review. */
export type DeployedVersion = {
  deploymentId: string;
  versionId: string;
  versionNumber: number;
  /** The version's change record was approved and its release has not been rolled back. */
  approved: boolean;
};

export type RollbackPlan = { current: DeployedVersion; target: DeployedVersion };

/**
 * What a rollback redeploys: the newest earlier version in this environment that passed review and
 * differs from what runs now. Versions whose release was rolled back are never a target, so rolling
 * back twice walks further back instead of restoring the bad version.
 */
export function rollbackTarget(history: DeployedVersion[]): RollbackPlan | null {
  const [current, ...earlier] = history;
  if (!current) return null;
  const target = earlier.find((d) => d.versionId !== current.versionId && d.approved);
  return target ? { current, target } : null;
}

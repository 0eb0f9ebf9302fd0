import { describe, expect, it } from "vitest";
import { rollbackTarget, type DeployedVersion } from "./rollback";

/** Deployment `d<n>` of version `v<number>`; approved unless said otherwise. */
function deployed(n: number, versionNumber: number, approved = true): DeployedVersion {
  return { deploymentId: `d${n}`, versionId: `v${versionNumber}`, versionNumber, approved };
}

describe("rollbackTarget", () => {
  it("has nothing to roll back in an environment that never ran a version", () => {
    expect(rollbackTarget([])).toBeNull();
  });

  it("has nothing to roll back to when only one version ever ran", () => {
    expect(rollbackTarget([deployed(1, 1)])).toBeNull();
  });

  it("redeploys the previous approved version", () => {
    const history = [deployed(2, 4), deployed(1, 3)];
    expect(rollbackTarget(history)).toEqual({ current: deployed(2, 4), target: deployed(1, 3) });
  });

  it("skips the current version deployed again, to reach an earlier one", () => {
    // v4 was deployed twice (d3 and d2); rolling back must leave v4, not redeploy it.
    const history = [deployed(3, 4), deployed(2, 4), deployed(1, 3)];
    expect(rollbackTarget(history)).toEqual({ current: deployed(3, 4), target: deployed(1, 3) });
  });

  it("skips versions whose release was rolled back, so a second rollback walks further back", () => {
    // v5 runs after v4 was rolled back to v3 and then v5 released; v4 is no longer approved.
    const history = [deployed(4, 5), deployed(3, 3), deployed(2, 4, false), deployed(1, 2)];
    expect(rollbackTarget(history)).toEqual({ current: deployed(4, 5), target: deployed(3, 3) });

    // Rolling back from v3 (redeployed by the first rollback) passes over the rolled-back v4.
    const afterFirstRollback = [deployed(3, 3), deployed(2, 4, false), deployed(1, 2)];
    expect(rollbackTarget(afterFirstRollback)).toEqual({ current: deployed(3, 3), target: deployed(1, 2) });
  });

  it("takes the newest earlier approved version, skipping repeats and unapproved ones together", () => {
    const history = [deployed(5, 6), deployed(4, 6), deployed(3, 5, false), deployed(2, 4), deployed(1, 3)];
    expect(rollbackTarget(history)?.target).toEqual(deployed(2, 4));
  });

  it("has no target when no earlier version was approved", () => {
    expect(rollbackTarget([deployed(3, 5), deployed(2, 4, false), deployed(1, 3, false)])).toBeNull();
  });

  it("can roll back from a current version that was itself never approved", () => {
    expect(rollbackTarget([deployed(2, 4, false), deployed(1, 3)])).toEqual({ current: deployed(2, 4, false), target: deployed(1, 3) });
  });
});

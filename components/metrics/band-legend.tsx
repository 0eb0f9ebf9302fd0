import { DORA_BAND_CRITERIA, DORA_BANDS, DORA_BANDS_SOURCE, type BandedMetric } from "@/lib/domain/dora";
import { BandBadge } from "./band-badge";
import { METRIC_NAMES } from "./dora-format";

const BANDED: { metric: BandedMetric; of: string }[] = [
  { metric: "leadTime", of: "the median" },
  { metric: "deploymentFrequency", of: "days with a release" },
  { metric: "changeFailRate", of: "failed ÷ all releases" },
  { metric: "recoveryTime", of: "the median" },
];

/** What each band means for each metric, and where the thresholds come from. */
export function BandLegend() {
  return (
    <div className="space-y-4 text-sm">
      <div className="grid grid-cols-1 gap-x-6 gap-y-4 sm:grid-cols-2 xl:grid-cols-4">
        {BANDED.map(({ metric, of }) => (
          <section key={metric} aria-labelledby={`band-${metric}`}>
            <h3 id={`band-${metric}`} className="font-medium text-slate-900">
              {METRIC_NAMES[metric]} <span className="text-xs font-normal text-slate-500">({of})</span>
            </h3>
            <dl className="mt-1.5 space-y-1">
              {DORA_BANDS.map((band) => (
                <div key={band} className="grid grid-cols-[4.5rem_1fr] items-baseline gap-2">
                  <dt>
                    <BandBadge band={band} />
                  </dt>
                  <dd className="text-slate-700">{DORA_BAND_CRITERIA[metric][band]}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="text-slate-600">
        {METRIC_NAMES.reworkRate} has no official DORA band, so it is shown as a percentage without one. Source of the thresholds:{" "}
        {DORA_BANDS_SOURCE}.
      </p>
    </div>
  );
}

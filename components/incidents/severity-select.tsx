import { Select } from "@/components/ui/field";
import { SEVERITIES } from "@/lib/domain/terms";

/** SEV1 (worst) to SEV4, as a select. */
export function SeveritySelect(props: Omit<React.ComponentProps<typeof Select>, "children">) {
  return (
    <Select {...props}>
      {SEVERITIES.map((s) => (
        <option key={s} value={s}>
          {s.toUpperCase()}
        </option>
      ))}
    </Select>
  );
}

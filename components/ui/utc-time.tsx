/** An exact instant for auditors: "2026-03-01 12:00 UTC", the ISO time on hover. */
export function UtcTime({ at, seconds = false }: { at: number; seconds?: boolean }) {
  const iso = new Date(at).toISOString();
  return (
    <time dateTime={iso} title={iso}>
      {iso.slice(0, seconds ? 19 : 16).replace("T", " ")} UTC
    </time>
  );
}

/** A field's errors, announced, and tied to its control by id (aria-describedby). */
export function FieldError({ messages, id }: { messages?: string[]; id?: string }) {
  if (!messages?.length) return null;
  return (
    <p id={id} role="alert" className="mt-1 text-xs text-rose-700">
      {messages.join("; ")}
    </p>
  );
}

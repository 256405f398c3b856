import { useState } from "react";

/**
 * A destructive action that asks once more inline ("Revoke" → "Confirm
 * revoke" / "Cancel") instead of a browser dialog.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
  busy,
  className = "danger",
}: {
  label: string;
  confirmLabel?: string;
  onConfirm: () => void;
  disabled?: boolean;
  busy?: boolean;
  className?: string;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" className={className} onClick={() => setAsking(true)} disabled={disabled || busy}>
        {busy ? "Working…" : label}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button
        type="button"
        className={className}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel ?? `Confirm ${label.toLowerCase()}`}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

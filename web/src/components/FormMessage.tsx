// One message area per form (or per group of actions): an error or a
// success, never both. It is focusable (tabIndex=-1) so focus can move to it
// when an error names no field (useForm does) or after an action whose
// button went away.
import { Alert } from "@mantine/core";
import { forwardRef } from "react";

export type FormMessageValue = { kind: "error" | "success"; text: string } | null;

export const errorMessage = (text: string): FormMessageValue => ({ kind: "error", text });
export const successMessage = (text: string): FormMessageValue => ({ kind: "success", text });

/** The attribute useForm's focus handling looks for inside a form. */
export const FORM_MESSAGE_ATTR = "data-form-message";

/**
 * Errors are role="alert" (announced at once), successes role="status".
 * Renders nothing without a message.
 */
export const FormMessage = forwardRef<HTMLDivElement, { message: FormMessageValue; testId?: string }>(function FormMessage(
  { message, testId = "form-message" },
  ref,
) {
  if (!message) return null;
  const error = message.kind === "error";
  return (
    <Alert
      ref={ref}
      tabIndex={-1}
      role={error ? "alert" : "status"}
      color={error ? "red" : "green"}
      variant="light"
      data-testid={testId}
      data-kind={message.kind}
      {...{ [FORM_MESSAGE_ATTR]: "" }}
      my="xs"
      className="form-message"
    >
      {message.text}
    </Alert>
  );
});

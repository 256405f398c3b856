// A small form-state hook: values, client-side validation before submit,
// server problem+json mapped back onto the fields it names, one message
// area (error or success) and focus that goes where the user must look.
import { useCallback, useEffect, useRef, useState, type FormEvent, type RefObject } from "react";
import { ApiError, describeError, humanField } from "../api/problem";
import { FORM_MESSAGE_ATTR, type FormMessageValue } from "../components/FormMessage";
import { hasErrors, type FormErrors } from "./validation";

export interface FieldBinding<V> {
  name: string;
  value: V;
  onValue: (value: V) => void;
  error: string | undefined;
}

export interface FormState<T> {
  values: T;
  errors: FormErrors<T>;
  /** The form's one message: an error (client or server) or a success. */
  message: FormMessageValue;
  /** The error text of `message`, or null (kept for callers that only show errors). */
  formError: string | null;
  submitting: boolean;
  set: <K extends keyof T>(field: K, value: T[K]) => void;
  setValues: (values: T) => void;
  /** Show a success message (e.g. from the submit function); replaced by the next submit. */
  succeed: (text: string) => void;
  /** Props for <TextField>/<SelectField>: `<TextField label="Email" {...form.field("email")} />`. */
  field: <K extends keyof T & string>(name: K) => FieldBinding<T[K]>;
  /** Put on the <form>: `<form ref={form.ref} onSubmit={form.onSubmit} noValidate>`. */
  ref: RefObject<HTMLFormElement | null>;
  onSubmit: (e: FormEvent) => void;
}

/**
 * Splits a failure into per-field messages (for fields the form shows) and
 * one sentence for the rest.
 */
export function splitServerError<T>(
  err: unknown,
  fields: readonly string[],
): { fieldErrors: FormErrors<T>; formError: string | null } {
  const fieldErrors: Record<string, string> = {};
  // A 422 (validation_failed) or a 409 (conflict: "the slug is already
  // taken") whose problem document names fields: those go next to them.
  if (err instanceof ApiError && Object.keys(err.fieldErrors).length > 0) {
    const unknown: string[] = [];
    for (const [field, msg] of Object.entries(err.fieldErrors)) {
      if (fields.includes(field)) fieldErrors[field] = msg;
      else unknown.push(`${humanField(field)}: ${msg}`);
    }
    if (Object.keys(fieldErrors).length > 0) {
      return {
        fieldErrors: fieldErrors as FormErrors<T>,
        formError: unknown.length ? `Please correct: ${unknown.join("; ")}.` : "Please correct the highlighted fields.",
      };
    }
  }
  return { fieldErrors: {}, formError: describeError(err) };
}

/**
 * Moves focus to the first control (in document order) whose `name` has an
 * error, or else to the form's message area (`data-form-message`), or else
 * to `fallback`. Returns the element focused, if any.
 */
export function focusFirstInvalid(
  container: HTMLElement | null,
  invalidNames: readonly string[],
  fallback?: HTMLElement | null,
): HTMLElement | null {
  if (!container) return null;
  const named = Array.from(container.querySelectorAll<HTMLElement>("[name]")).find(
    (el) => invalidNames.includes(el.getAttribute("name") ?? "") && !el.hasAttribute("disabled"),
  );
  const target =
    named ??
    container.querySelector<HTMLElement>("[aria-invalid='true']") ??
    container.querySelector<HTMLElement>(`[${FORM_MESSAGE_ATTR}]`) ??
    fallback ??
    null;
  target?.focus();
  return target;
}

export function useForm<T extends object>(
  initial: T,
  validate: (values: T) => FormErrors<T>,
  submit: (values: T) => Promise<void>,
): FormState<T> {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<FormErrors<T>>({});
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [submitting, setSubmitting] = useState(false);
  const ref = useRef<HTMLFormElement | null>(null);
  // Bumped when a submit failed: after that render, focus the first invalid field.
  const [focusRequest, setFocusRequest] = useState<{ n: number; names: string[] }>({ n: 0, names: [] });

  useEffect(() => {
    if (focusRequest.n === 0) return;
    focusFirstInvalid(ref.current, focusRequest.names);
  }, [focusRequest]);

  const set = useCallback(<K extends keyof T>(field: K, value: T[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => {
      if (!(field in e)) return e;
      const next = { ...e };
      delete next[field as keyof typeof next];
      return next;
    });
  }, []);

  const succeed = useCallback((text: string) => setMessage({ kind: "success", text }), []);

  const fail = (fieldErrors: FormErrors<T>, text: string | null) => {
    setErrors(fieldErrors);
    setMessage(text ? { kind: "error", text } : null);
    setFocusRequest((r) => ({ n: r.n + 1, names: Object.keys(fieldErrors) }));
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (submitting) return;
    // A new attempt: the previous outcome (red or green) goes away.
    setMessage(null);
    const found = validate(values);
    if (hasErrors(found)) {
      fail(found, "Please correct the highlighted fields.");
      return;
    }
    setErrors({});
    setSubmitting(true);
    submit(values)
      .catch((err: unknown) => {
        const split = splitServerError<T>(err, Object.keys(values));
        fail(split.fieldErrors, split.formError);
      })
      .finally(() => setSubmitting(false));
  };

  const field = <K extends keyof T & string>(name: K): FieldBinding<T[K]> => ({
    name,
    value: values[name],
    onValue: (v: T[K]) => set(name, v),
    error: errors[name],
  });

  return {
    values,
    errors,
    message,
    formError: message?.kind === "error" ? message.text : null,
    submitting,
    set,
    setValues,
    succeed,
    field,
    ref,
    onSubmit,
  };
}

// A small form-state hook: values, client-side validation before submit,
// and server problem+json mapped back onto the fields it names.
import { useCallback, useState, type FormEvent } from "react";
import { ApiError, describeError } from "../api/problem";
import { hasErrors, type FormErrors } from "./validation";

export interface FormState<T> {
  values: T;
  errors: FormErrors<T>;
  formError: string | null;
  submitting: boolean;
  set: <K extends keyof T>(field: K, value: T[K]) => void;
  setValues: (values: T) => void;
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
  if (err instanceof ApiError && err.code === "validation_failed") {
    const unknown: string[] = [];
    for (const [field, msg] of Object.entries(err.fieldErrors)) {
      if (fields.includes(field)) fieldErrors[field] = msg;
      else unknown.push(`${field}: ${msg}`);
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

export function useForm<T extends object>(
  initial: T,
  validate: (values: T) => FormErrors<T>,
  submit: (values: T) => Promise<void>,
): FormState<T> {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<FormErrors<T>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  const set = useCallback(<K extends keyof T>(field: K, value: T[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setErrors((e) => {
      if (!(field in e)) return e;
      const next = { ...e };
      delete next[field as keyof typeof next];
      return next;
    });
  }, []);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (submitting) return;
    const found = validate(values);
    setErrors(found);
    if (hasErrors(found)) {
      setFormError("Please correct the highlighted fields.");
      return;
    }
    setFormError(null);
    setSubmitting(true);
    submit(values)
      .catch((err: unknown) => {
        const split = splitServerError<T>(err, Object.keys(values));
        setErrors(split.fieldErrors);
        setFormError(split.formError);
      })
      .finally(() => setSubmitting(false));
  };

  return { values, errors, formError, submitting, set, setValues, onSubmit };
}

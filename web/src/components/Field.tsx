// Labelled form controls on Mantine inputs. The label is a real <label for>
// (getByLabel works), the hint is Mantine's description and the error its
// error text, both tied to the input with aria-describedby; an error also
// sets aria-invalid, which useForm uses to move focus to the first invalid
// field. Pass `name` (the request's JSON field name; `form.field("email")`
// does) so server errors and focus find the control.
import {
  Button,
  NativeSelect,
  PasswordInput,
  Textarea,
  TextInput,
  type ButtonProps,
  type NativeSelectProps,
  type TextareaProps,
  type TextInputProps,
} from "@mantine/core";
import type { ReactNode } from "react";

interface FieldShell {
  label: ReactNode;
  error?: string | null | undefined;
  /** Help shown under the label (Mantine's description). */
  hint?: ReactNode;
}

export type TextFieldProps = FieldShell &
  Omit<TextInputProps, "onChange" | "value" | "error" | "description" | "label"> & {
    value: string;
    onValue: (value: string) => void;
  };

/**
 * A labelled text input. `type="password"` renders Mantine's PasswordInput
 * (with a show/hide toggle); any other type a TextInput.
 */
export function TextField({ label, error, hint, value, onValue, type, ...rest }: TextFieldProps) {
  const common = {
    label,
    description: hint,
    error: error || undefined,
    value,
    onChange: (e: React.ChangeEvent<HTMLInputElement>) => onValue(e.currentTarget.value),
  };
  if (type === "password") {
    // PasswordInput has no `type` and a narrower prop set; the rest is shared.
    // Unlike TextInput it sets no aria-invalid on its input: add it.
    return <PasswordInput {...common} aria-invalid={error ? true : undefined} {...(rest as object)} />;
  }
  return <TextInput type={type} {...common} {...rest} />;
}

export type TextAreaFieldProps = FieldShell &
  Omit<TextareaProps, "onChange" | "value" | "error" | "description" | "label"> & {
    value: string;
    onValue: (value: string) => void;
  };

/** A labelled multi-line text field (Mantine Textarea), bound like TextField. */
export function TextAreaField({ label, error, hint, value, onValue, ...rest }: TextAreaFieldProps) {
  return (
    <Textarea
      label={label}
      description={hint}
      error={error || undefined}
      value={value}
      onChange={(e) => onValue(e.currentTarget.value)}
      {...rest}
    />
  );
}

export interface SelectOption<V extends string> {
  value: V;
  label: string;
  disabled?: boolean;
}

export type SelectFieldProps<V extends string> = FieldShell &
  Omit<NativeSelectProps, "onChange" | "value" | "error" | "description" | "label" | "data"> & {
    value: V;
    onValue: (value: V) => void;
    options: readonly SelectOption<V>[];
  };

/**
 * A labelled native <select> (keyboard- and screen-reader-friendly
 * everywhere, and Playwright's selectOption works on it).
 */
export function SelectField<V extends string>({ label, error, hint, value, onValue, options, ...rest }: SelectFieldProps<V>) {
  return (
    <NativeSelect
      label={label}
      description={hint}
      error={error || undefined}
      value={value}
      onChange={(e) => onValue(e.currentTarget.value as V)}
      data={options.map((o) => ({ value: o.value, label: o.label, disabled: o.disabled }))}
      {...rest}
    />
  );
}

/**
 * A form's submit button (or, with type="button", any action button with a busy state). While submitting it shows `busyLabel` and is
 * aria-disabled rather than disabled: a disabled button drops keyboard focus
 * to <body>, and useForm ignores a second submit anyway.
 */
export function SubmitButton({
  submitting,
  children,
  busyLabel,
  disabled,
  variant = "filled",
  type = "submit",
  ...rest
}: {
  submitting: boolean;
  children: ReactNode;
  busyLabel?: ReactNode;
  disabled?: boolean;
  variant?: ButtonProps["variant"];
} & Omit<ButtonProps, "children" | "variant" | "disabled"> &
  Pick<React.ButtonHTMLAttributes<HTMLButtonElement>, "form" | "id" | "type" | "onClick">) {
  return (
    <Button type={type} variant={variant} disabled={disabled} aria-disabled={submitting || undefined} {...rest}>
      {submitting ? (busyLabel ?? children) : children}
    </Button>
  );
}

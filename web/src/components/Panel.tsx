// A titled card: the console's unit for a form or a group of actions.
// `<Panel title="Create a user" form={…}>` renders a <form> labelled by its
// heading (so getByRole("form", { name }) finds it); without `form`, a <section>.
import { Paper, Stack, Title } from "@mantine/core";
import { useId, type FormEvent, type ReactNode, type RefObject } from "react";

export function Panel({
  title,
  children,
  form,
  testId,
}: {
  title: ReactNode;
  children: ReactNode;
  /** Make the panel a form: its ref (useForm's `ref`) and submit handler. */
  form?: { ref?: RefObject<HTMLFormElement | null>; onSubmit: (e: FormEvent) => void };
  testId?: string;
}) {
  const headingId = useId();
  const inner = (
    <Stack gap="sm">
      <Title order={2} size="h3" id={headingId}>
        {title}
      </Title>
      {children}
    </Stack>
  );
  return (
    <Paper withBorder radius="md" p={{ base: "md", sm: "lg" }} data-testid={testId}>
      {form ? (
        <form ref={form.ref} onSubmit={form.onSubmit} noValidate aria-labelledby={headingId}>
          {inner}
        </form>
      ) : (
        <section aria-labelledby={headingId}>{inner}</section>
      )}
    </Paper>
  );
}

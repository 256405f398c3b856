// The fields of an app (create and edit share them), bound to a useForm.
import { Group, SimpleGrid } from "@mantine/core";
import { appTypeValues, appVisibilityValues, type AppType, type AppView, type AppVisibility, type CreateAppRequest } from "../api/apps";
import { APP_TYPE_LABELS, orUndefined, parseTags, VISIBILITY_LABELS, type AppFormValues } from "../lib/apps";
import type { FormState } from "../lib/useForm";
import { SelectField, TextAreaField, TextField } from "./Field";

export const EMPTY_APP_FORM: AppFormValues = {
  name: "",
  slug: "",
  type: "algorithm",
  visibility: "private",
  license: "",
  documentation_url: "",
  repository_url: "",
  tags: "",
  description: "",
  readme: "",
};

export function appFormFrom(app: AppView): AppFormValues {
  return {
    name: app.name,
    slug: app.slug,
    type: app.type,
    visibility: app.visibility,
    license: app.license ?? "",
    documentation_url: app.documentation_url ?? "",
    repository_url: app.repository_url ?? "",
    tags: app.tags.join(", "),
    description: app.description ?? "",
    readme: app.readme ?? "",
  };
}

/** The create request: optional fields left out when empty. */
export function createAppBody(v: AppFormValues): CreateAppRequest {
  return {
    name: v.name.trim(),
    slug: v.slug.trim(),
    type: v.type,
    visibility: v.visibility,
    license: orUndefined(v.license),
    documentation_url: orUndefined(v.documentation_url),
    repository_url: orUndefined(v.repository_url),
    tags: parseTags(v.tags),
    description: orUndefined(v.description),
    readme: v.readme.trim() === "" ? undefined : v.readme,
  };
}

export function AppFields({ form, onName }: { form: FormState<AppFormValues>; onName?: (name: string) => void }) {
  const name = form.field("name");
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextField
          label="App name"
          {...name}
          onValue={(v) => {
            name.onValue(v);
            onName?.(v);
          }}
        />
        <TextField label="Slug" {...form.field("slug")} hint="Lowercase letters, digits and hyphens (3–40)." />
        <SelectField<AppType> label="Type" {...form.field("type")} options={appTypeValues.map((t) => ({ value: t, label: APP_TYPE_LABELS[t] }))} />
        <SelectField<AppVisibility>
          label="Visibility"
          {...form.field("visibility")}
          options={appVisibilityValues.map((t) => ({ value: t, label: VISIBILITY_LABELS[t] }))}
          hint="Only public apps can go to the registry."
        />
        <TextField label="License" {...form.field("license")} placeholder="MIT" hint="An SPDX id such as MIT or Apache-2.0." />
        <TextField label="Tags" {...form.field("tags")} placeholder="teleportation, benchmark" hint="Comma-separated, at most 10." />
        <TextField label="Documentation URL" type="url" {...form.field("documentation_url")} placeholder="https://…" />
        <TextField label="Repository URL" type="url" {...form.field("repository_url")} placeholder="https://…" />
      </SimpleGrid>
      <TextAreaField label="Description" {...form.field("description")} autosize minRows={2} maxRows={6} />
      <TextAreaField label="Readme (markdown)" {...form.field("readme")} autosize minRows={4} maxRows={16} />
      <Group />
    </>
  );
}

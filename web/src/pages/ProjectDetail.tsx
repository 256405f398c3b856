import { Anchor, Code, Group, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import {
  appKeys,
  appTypeValues,
  appVisibilityValues,
  deleteProject,
  releaseProject,
  updateProject,
  useProject,
  type AppType,
  type AppVisibility,
  type ProjectView,
} from "../api/apps";
import { ApiError, describeError } from "../api/problem";
import { useSignedIn } from "../auth/useSignedIn";
import { ConfirmButton } from "../components/ConfirmButton";
import { Facts } from "../components/Facts";
import { SelectField, SubmitButton, TextAreaField, TextField } from "../components/Field";
import { errorMessage, FormMessage } from "../components/FormMessage";
import { Panel } from "../components/Panel";
import { QueryView } from "../components/States";
import { APP_TYPE_LABELS, appSlugFrom, validateAppSlug, validateProject, VISIBILITY_LABELS, type ProjectFormValues } from "../lib/apps";
import { formatDateTime } from "../lib/format";
import { canWriteApps } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";

function EditProject({ project }: { project: ProjectView }) {
  const queryClient = useQueryClient();
  const form = useForm<ProjectFormValues>(
    { name: project.name, description: project.description ?? "", repository_url: project.repository_url ?? "" },
    validateProject,
    async (v) => {
      const updated = await updateProject(project.id, {
        name: v.name.trim(),
        description: v.description.trim(),
        repository_url: v.repository_url.trim(),
      });
      queryClient.setQueryData(appKeys.project(project.id), updated);
      await queryClient.invalidateQueries({ queryKey: ["projects", "list"] });
      form.succeed("Project saved.");
    },
  );
  return (
    <Panel title="Edit project" form={form}>
      <TextField label="Project name" {...form.field("name")} />
      <TextAreaField label="Description" {...form.field("description")} autosize minRows={2} maxRows={8} hint="Empty clears it." />
      <TextField label="Repository URL" type="url" {...form.field("repository_url")} hint="Empty clears it." />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Saving…">
          Save project
        </SubmitButton>
      </Group>
    </Panel>
  );
}

interface ReleaseValues {
  slug: string;
  type: AppType;
  visibility: AppVisibility;
}

function ReleaseProject({ project }: { project: ProjectView }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useForm<ReleaseValues>(
    { slug: appSlugFrom(project.name), type: "application", visibility: "private" },
    (v) => {
      const slug = v.slug.trim() === "" ? null : validateAppSlug(v.slug);
      return slug ? { slug } : {};
    },
    async (v) => {
      const app = await releaseProject(project.id, {
        ...(v.slug.trim() ? { slug: v.slug.trim() } : {}),
        type: v.type,
        visibility: v.visibility,
      });
      await queryClient.invalidateQueries({ queryKey: appKeys.apps });
      navigate(`/apps/${app.id}`);
    },
  );
  return (
    <Panel title="Release as app" form={form}>
      <Text size="sm">A new draft app with this project's name and description. Add versions, docs and a package there.</Text>
      <TextField label="App slug" {...form.field("slug")} hint="Lowercase letters, digits and hyphens; empty makes one from the name." />
      <Group grow align="flex-start">
        <SelectField<AppType>
          label="Type"
          {...form.field("type")}
          options={appTypeValues.map((t) => ({ value: t, label: APP_TYPE_LABELS[t] }))}
        />
        <SelectField<AppVisibility>
          label="Visibility"
          {...form.field("visibility")}
          options={appVisibilityValues.map((t) => ({ value: t, label: VISIBILITY_LABELS[t] }))}
        />
      </Group>
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Releasing…">
          Release as app
        </SubmitButton>
      </Group>
    </Panel>
  );
}

function DeleteProject({ project }: { project: ProjectView }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [message, setMessage] = useState<ReturnType<typeof errorMessage>>(null);
  const remove = useMutation({
    mutationFn: () => deleteProject(project.id),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: appKeys.projects });
      navigate("/projects", { replace: true });
    },
    onError: (err) => setMessage(errorMessage(describeError(err))),
  });
  return (
    <Panel title="Delete project">
      <Text size="sm">Apps released from this project stay; they just no longer name it.</Text>
      <Group>
        <ConfirmButton
          label="Delete project"
          size="sm"
          confirmLabel={`Confirm deleting ${project.name}`}
          busy={remove.isPending}
          onConfirm={() => remove.mutate()}
        />
      </Group>
      <FormMessage message={message} />
    </Panel>
  );
}

export function ProjectDetailPage() {
  const { id = "" } = useParams();
  const me = useSignedIn();
  const project = useProject(id);
  const notFound = project.error instanceof ApiError && project.error.isNotFound;
  usePageTitle(notFound ? "Page not found" : project.data ? `${project.data.name} (project)` : "Project");
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/projects">
        ← Projects
      </Anchor>
      <QueryView query={project} loadingLabel="Loading project…">
        {(p) => (
          <>
            <Title order={1} data-testid="project-name">
              {p.name}
            </Title>
            {p.description && <Text>{p.description}</Text>}
            <Facts
              items={[
                {
                  label: "Repository",
                  value: p.repository_url ? (
                    <Anchor href={p.repository_url} rel="noopener noreferrer">
                      {p.repository_url}
                    </Anchor>
                  ) : (
                    "—"
                  ),
                },
                { label: "Created", value: formatDateTime(p.created_at) },
                { label: "Updated", value: formatDateTime(p.updated_at) },
                { label: "Id", value: <Code>{p.id}</Code> },
              ]}
            />
            {canWriteApps(me) && (
              <>
                <ReleaseProject key={`r-${p.id}`} project={p} />
                <EditProject key={`e-${p.id}`} project={p} />
                <DeleteProject project={p} />
              </>
            )}
          </>
        )}
      </QueryView>
    </Stack>
  );
}

export default ProjectDetailPage;

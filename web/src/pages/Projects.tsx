import { Anchor, Group, Paper, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router";
import { appKeys, createProject, PAGE_SIZE, useProjectList, type ProjectsQuery } from "../api/apps";
import { useSignedIn } from "../auth/useSignedIn";
import { DataTable } from "../components/DataTable";
import { SubmitButton, TextAreaField, TextField } from "../components/Field";
import { FormMessage } from "../components/FormMessage";
import { Pager } from "../components/Pager";
import { Panel } from "../components/Panel";
import { EmptyState, ErrorState, Notice, TableSkeleton } from "../components/States";
import { orUndefined, validateProject, type ProjectFormValues } from "../lib/apps";
import { formatDateTime } from "../lib/format";
import { useCursorPager } from "../lib/paging";
import { canReadApps, canWriteApps } from "../lib/permissions";
import { useForm } from "../lib/useForm";
import { usePageTitle } from "../lib/usePageTitle";

function CreateProjectForm() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useForm<ProjectFormValues>({ name: "", description: "", repository_url: "" }, validateProject, async (v) => {
    const created = await createProject({
      name: v.name.trim(),
      description: orUndefined(v.description),
      repository_url: orUndefined(v.repository_url),
    });
    await queryClient.invalidateQueries({ queryKey: appKeys.projects });
    navigate(`/projects/${created.id}`);
  });
  return (
    <Panel title="Create a project" form={form}>
      <TextField label="Project name" {...form.field("name")} placeholder="Teleportation experiments" />
      <TextAreaField label="Description (optional)" {...form.field("description")} autosize minRows={2} maxRows={8} />
      <TextField label="Repository URL (optional)" type="url" {...form.field("repository_url")} placeholder="https://github.com/…" />
      <FormMessage message={form.message} />
      <Group>
        <SubmitButton submitting={form.submitting} busyLabel="Creating…">
          Create project
        </SubmitButton>
      </Group>
    </Panel>
  );
}

export function ProjectsPage() {
  usePageTitle("Projects");
  const me = useSignedIn();
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 300);
  const pager = useCursorPager();
  const { reset } = pager;
  useEffect(() => reset(), [q, reset]);
  const query: ProjectsQuery = { limit: PAGE_SIZE, ...(pager.cursor ? { cursor: pager.cursor } : {}), ...(q ? { q } : {}) };
  const projects = useProjectList(query);

  if (!canReadApps(me)) {
    return (
      <>
        <Title order={1}>Projects</Title>
        <Notice>Your role cannot see projects.</Notice>
      </>
    );
  }

  let list;
  if (projects.isPending) list = <TableSkeleton label="Loading projects…" columns={3} />;
  else if (projects.error) list = <ErrorState error={projects.error} onRetry={() => void projects.refetch()} />;
  else if (projects.data.items.length === 0)
    list = (
      <Paper withBorder radius="md" p="md" data-testid="projects-empty">
        <EmptyState>{q ? `No project matches “${q}”.` : "No projects yet."}</EmptyState>
      </Paper>
    );
  else
    list = (
      <>
        <DataTable label="Projects" minWidth={560} aria-busy={projects.isPlaceholderData || undefined}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Description</Table.Th>
              <Table.Th scope="col">Updated</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {projects.data.items.map((p) => (
              <Table.Tr key={p.id} data-testid={`project-row-${p.name}`}>
                <Table.Td>
                  <Anchor component={Link} to={`/projects/${p.id}`}>
                    {p.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" lineClamp={2}>
                    {p.description || "—"}
                  </Text>
                </Table.Td>
                <Table.Td>{formatDateTime(p.updated_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </DataTable>
        <Pager pager={pager} nextCursor={projects.data.next_cursor} label="Projects" />
      </>
    );

  return (
    <>
      <Title order={1}>Projects</Title>
      <Text c="dimmed" mb="md">
        Your organization's quantum projects, newest first. Release a project as an app to version, document and publish it.
      </Text>
      <Stack component="section" aria-label="Project list" gap="sm" mb="xl">
        <Group align="flex-end" gap="md" role="search" aria-label="Search projects">
          <TextInput
            type="search"
            label="Search projects"
            placeholder="Name"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            maxLength={100}
            style={{ flex: "1 1 14rem" }}
          />
        </Group>
        {list}
      </Stack>
      {canWriteApps(me) ? <CreateProjectForm /> : <Notice>Your role can read projects but not create them.</Notice>}
    </>
  );
}

export default ProjectsPage;

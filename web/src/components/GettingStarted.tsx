// The dashboard's getting-started checklist for a new organization, from
// GET /v1/tenant/onboarding. It polls while a step is open (an invitation
// accepted elsewhere, an API call from a terminal tick it without a reload)
// and is invalidated after the user's own actions here.
import { Anchor, Badge, Button, Group, Paper, Progress, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { insightKeys, useOnboarding } from "../api/insights";
import { useSignedIn } from "../auth/useSignedIn";
import { checklistMode, onboardingSteps, progressText, resendOutcome, type Step, type StepId } from "../lib/onboarding";
import { canInvite } from "../lib/permissions";
import { FormMessage, type FormMessageValue } from "./FormMessage";
import "./insights.css";

function StepMark({ done }: { done: boolean }) {
  // The icon is decoration; the badge says it in words.
  return (
    <svg width="22" height="22" viewBox="0 0 22 22" aria-hidden="true" className={done ? "step-mark step-done" : "step-mark"}>
      <circle cx="11" cy="11" r="9.5" strokeWidth="1.5" />
      {done && <path d="M6.5 11.5l3 3 6-6.5" fill="none" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />}
    </svg>
  );
}

function StepItem({ step, children }: { step: Step; children?: ReactNode }) {
  return (
    <li data-testid={`step-${step.id}`} data-done={step.done ? "true" : "false"} className="onboarding-step">
      <Group wrap="nowrap" align="flex-start" gap="sm">
        <StepMark done={step.done} />
        <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
          <Group gap="xs" wrap="wrap">
            <Text fw={600} c={step.done ? "dimmed" : undefined}>
              {step.title}
            </Text>
            <Badge variant="dot" tt="none" color={step.done ? "green" : "gray"} data-testid="onboarding-step-state">
              {step.done ? "Done" : "To do"}
            </Badge>
          </Group>
          {!step.done && children}
        </Stack>
      </Group>
    </li>
  );
}

function ResendVerification({ onVerified }: { onVerified: () => void }) {
  const [message, setMessage] = useState<FormMessageValue>(null);
  const messageRef = useRef<HTMLDivElement>(null);
  const resend = useMutation({
    mutationFn: () => unwrap(api().POST("/v1/auth/verify-email/resend")),
    onMutate: () => setMessage(null),
    onSettled: (_data, error) => {
      const out = resendOutcome(error ?? null);
      setMessage({ kind: out.kind, text: out.text });
      if (out.refetch) onVerified();
    },
  });
  useEffect(() => {
    if (message) messageRef.current?.focus();
  }, [message]);
  return (
    <Stack gap={4} align="flex-start">
      <Text size="sm" c="dimmed">
        We sent a link to your address when you signed up.
      </Text>
      <Button
        variant="default"
        size="xs"
        loading={resend.isPending}
        aria-disabled={resend.isPending || undefined}
        onClick={() => !resend.isPending && resend.mutate()}
      >
        Resend verification email
      </Button>
      <FormMessage ref={messageRef} message={message} testId="resend-message" />
    </Stack>
  );
}

/** `pollMs`: how often to look again while a step is open (tests shorten it). */
export function GettingStarted({ pollMs }: { pollMs?: number } = {}) {
  const me = useSignedIn();
  const queryClient = useQueryClient();
  const onboarding = useOnboarding(pollMs);
  const sawIncomplete = useRef(false);
  if (onboarding.data && !onboarding.data.complete) sawIncomplete.current = true;
  // Loading or failed: the checklist is a helper, not the page; stay quiet.
  if (!onboarding.data) return null;
  const mode = checklistMode(onboarding.data, sawIncomplete.current);
  if (mode === "hidden") return null;
  const refetch = () => void queryClient.invalidateQueries({ queryKey: insightKeys.onboarding });

  if (mode === "done") {
    return (
      <Paper withBorder radius="md" p="sm" mb="lg" data-testid="getting-started" data-complete="true" role="status">
        <Group gap="sm" wrap="nowrap">
          <StepMark done />
          <Text>
            <strong>You’re all set.</strong> Every getting-started step is done.
          </Text>
        </Group>
      </Paper>
    );
  }

  const steps = onboardingSteps(onboarding.data);
  const doneCount = steps.filter((s) => s.done).length;
  const actions: Record<StepId, ReactNode> = {
    email: <ResendVerification onVerified={refetch} />,
    invite: canInvite(me) ? (
      <Text size="sm">
        <Anchor component={Link} to="/users#invite">
          Invite someone
        </Anchor>{" "}
        from the users page.
      </Text>
    ) : (
      <Text size="sm" c="dimmed">
        An owner or admin of the organization can invite people.
      </Text>
    ),
    key: (
      <Text size="sm">
        <Anchor component={Link} to="/api-keys#create">
          Create a key
        </Anchor>{" "}
        with the scopes your integration needs.
      </Text>
    ),
    call: (
      <Text size="sm">
        When you create a key, the{" "}
        <Anchor component={Link} to="/api-keys#create">
          API keys page
        </Anchor>{" "}
        shows a ready-to-run curl, Python and TypeScript snippet. Run one and this step ticks itself.
      </Text>
    ),
  };

  return (
    <Paper
      withBorder
      radius="md"
      p={{ base: "md", sm: "lg" }}
      mb="lg"
      component="section"
      aria-labelledby="getting-started-heading"
      data-testid="getting-started"
      data-complete="false"
    >
      <Stack gap="sm">
        <Group justify="space-between" align="baseline" wrap="wrap" gap="xs">
          <Title order={2} size="h3" id="getting-started-heading">
            Get started
          </Title>
          <Text size="sm" c="dimmed" data-testid="getting-started-progress" aria-live="polite">
            {progressText(steps)}
          </Text>
        </Group>
        <Progress value={(doneCount / steps.length) * 100} size="sm" aria-hidden="true" />
        <Stack component="ol" gap="md" className="onboarding-steps" m={0} p={0}>
          {steps.map((s) => (
            <StepItem key={s.id} step={s}>
              {actions[s.id]}
            </StepItem>
          ))}
        </Stack>
      </Stack>
    </Paper>
  );
}

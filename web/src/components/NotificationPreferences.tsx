// Per notification type, whether it is also sent by email (off by default):
// GET/PUT /v1/notifications/preferences. Part of the Profile page.
import { Group, Stack, Switch, Text } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import {
  NOTIFICATION_TYPE_LABELS,
  notificationKeys,
  notificationTypeValues,
  updateNotificationPreferences,
  useNotificationPreferences,
  type NotificationType,
} from "../api/notifications";
import { describeError } from "../api/problem";
import { SubmitButton } from "./Field";
import { errorMessage, FormMessage, successMessage, type FormMessageValue } from "./FormMessage";
import { Panel } from "./Panel";
import { ErrorState, Loading } from "./States";

export function NotificationPreferencesPanel() {
  const queryClient = useQueryClient();
  const prefs = useNotificationPreferences();
  const [email, setEmail] = useState<Partial<Record<NotificationType, boolean>>>({});
  const [message, setMessage] = useState<FormMessageValue>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (prefs.data) setEmail(Object.fromEntries(prefs.data.items.map((p) => [p.type, p.email])));
  }, [prefs.data]);
  const types = [...new Set([...notificationTypeValues, ...(prefs.data?.items.map((p) => p.type) ?? [])])];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (saving) return;
    setSaving(true);
    setMessage(null);
    try {
      const saved = await updateNotificationPreferences({ items: types.map((type) => ({ type, email: Boolean(email[type]) })) });
      queryClient.setQueryData(notificationKeys.preferences, saved);
      setMessage(successMessage("Notification preferences saved."));
    } catch (err) {
      setMessage(errorMessage(describeError(err)));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Panel title="Email notifications" form={{ onSubmit: (e) => void submit(e) }} testId="notification-preferences">
      <Text size="sm" c="dimmed">
        Every notification appears under the bell. Choose which ones are also sent to you by email.
      </Text>
      {prefs.isPending ? (
        <Loading label="Loading your preferences…" />
      ) : prefs.error ? (
        <ErrorState error={prefs.error} onRetry={() => void prefs.refetch()} />
      ) : (
        <>
          <Stack gap="xs">
            {types.map((type) => (
              <Switch
                key={type}
                label={NOTIFICATION_TYPE_LABELS[type] ?? type}
                checked={Boolean(email[type])}
                onChange={(ev) => {
                  const checked = ev.currentTarget.checked;
                  setEmail((m) => ({ ...m, [type]: checked }));
                }}
                data-testid={`pref-${type}`}
              />
            ))}
          </Stack>
          <FormMessage message={message} testId="preferences-message" />
          <Group>
            <SubmitButton submitting={saving} busyLabel="Saving…">
              Save preferences
            </SubmitButton>
          </Group>
        </>
      )}
    </Panel>
  );
}

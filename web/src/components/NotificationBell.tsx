// The header's notification bell: the unread count on a button that opens
// the ten most recent notifications (mark one read, mark all read). The
// list is kept live by the notification stream (api/notifications.ts).
import { ActionIcon, Badge, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import {
  markAllNotificationsRead,
  markNotificationRead,
  notificationKeys,
  useNotifications,
  useNotificationStream,
  type NotificationView,
} from "../api/notifications";
import { describeError } from "../api/problem";
import { formatDateTime } from "../lib/format";

function BellIcon() {
  return (
    <svg width={18} height={18} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} aria-hidden="true">
      <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.7 21a2 2 0 0 1-3.4 0" />
    </svg>
  );
}

/** Where a notification leads in the console, from its `data`. */
export function notificationLink(n: Pick<NotificationView, "type" | "data">): string | null {
  // `data` is an object of ids (the spec leaves its shape open).
  const d: Record<string, unknown> = n.data !== null && typeof n.data === "object" ? (n.data as Record<string, unknown>) : {};
  const str = (k: string) => (typeof d[k] === "string" ? (d[k] as string) : null);
  if (n.type === "bill.issued" && str("bill_id")) return `/bills/${str("bill_id")}`;
  if ((n.type === "job.finished" || n.type === "job.failed") && str("job_id")) return `/jobs/${str("job_id")}`;
  if (n.type === "subscription.new_subscriber" && str("listing_id")) return `/marketplace/${str("listing_id")}?tab=subscribers`;
  if (n.type === "subscription.trial_ending" && str("subscription_id"))
    return `/subscriptions/${str("subscription_id")}`;
  return null;
}

function Item({ n, onOpen }: { n: NotificationView; onOpen: (n: NotificationView) => void }) {
  const queryClient = useQueryClient();
  const read = useMutation({
    mutationFn: () => markNotificationRead(n.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.list }),
  });
  const unread = !n.read_at;
  return (
    <Stack component="li" gap={2} data-testid="notification" data-type={n.type} data-unread={unread || undefined} className="notification-item">
      <UnstyledButton onClick={() => onOpen(n)} style={{ minWidth: 0 }}>
        <Text size="sm" fw={unread ? 700 : 400} data-testid="notification-title">
          {n.title}
        </Text>
      </UnstyledButton>
      {n.body && (
        <Text size="xs" c="dimmed">
          {n.body}
        </Text>
      )}
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text size="xs" c="dimmed">
          {formatDateTime(n.created_at)}
        </Text>
        {unread && (
          <Button size="compact-xs" variant="subtle" onClick={() => read.mutate()} aria-label={`Mark “${n.title}” read`}>
            Mark read
          </Button>
        )}
      </Group>
    </Stack>
  );
}

export function NotificationBell() {
  const [opened, setOpened] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const list = useNotifications();
  useNotificationStream(true);
  const unread = list.data?.unread_count ?? 0;
  const all = useMutation({
    mutationFn: markAllNotificationsRead,
    onMutate: () => setError(null),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.list }),
    onError: (err) => setError(describeError(err)),
  });
  const open = (n: NotificationView) => {
    const to = notificationLink(n);
    if (!n.read_at) void markNotificationRead(n.id).then(() => queryClient.invalidateQueries({ queryKey: notificationKeys.list }));
    if (to) {
      setOpened(false);
      navigate(to);
    }
  };
  const label = unread > 0 ? `Notifications: ${unread} unread` : "Notifications";
  return (
    <Indicator disabled={unread === 0} label={unread > 99 ? "99+" : String(unread)} size={16} offset={4} color="red" data-testid="notification-indicator">
    <Popover opened={opened} onChange={setOpened} position="bottom-end" withinPortal trapFocus returnFocus shadow="md" width={340}>
      <Popover.Target>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label={label}
            title={label}
            aria-expanded={opened}
            aria-haspopup="dialog"
            onClick={() => setOpened((o) => !o)}
            data-testid="notification-bell"
            data-unread={unread}
          >
            <BellIcon />
          </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown data-testid="notification-dropdown">
        <section aria-label="Notifications">
          <Group justify="space-between" mb="xs">
            <Text fw={700} size="sm">
              Notifications{" "}
              {unread > 0 && (
                <Badge size="sm" color="red" variant="dot" data-testid="notification-unread-count">
                  {unread} unread
                </Badge>
              )}
            </Text>
            {(unread > 0 || (list.data?.items.length ?? 0) > 0) && (
              // Stays (aria-disabled) once all is read, so focus does not fall out of the dialog.
              <Button
                size="compact-xs"
                variant="default"
                aria-disabled={unread === 0 || undefined}
                data-disabled={unread === 0 || undefined}
                onClick={() => unread > 0 && !all.isPending && all.mutate()}
              >
                Mark all read
              </Button>
            )}
          </Group>
          {list.isPending ? (
            <Text size="sm" c="dimmed">
              Loading…
            </Text>
          ) : list.error ? (
            <Text size="sm" c="red">
              {describeError(list.error)}
            </Text>
          ) : list.data.items.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="notifications-empty">
              Nothing new.
            </Text>
          ) : (
            <ScrollArea.Autosize mah={360} type="auto">
              <Stack component="ul" gap="sm" className="plain-list" aria-label="Recent notifications">
                {list.data.items.map((n) => (
                  <Item key={n.id} n={n} onOpen={open} />
                ))}
              </Stack>
            </ScrollArea.Autosize>
          )}
          {error && (
            <Text size="sm" c="red" role="alert">
              {error}
            </Text>
          )}
        </section>
      </Popover.Dropdown>
    </Popover>
    </Indicator>
  );
}

// Light / dark / auto (follow the system), remembered in localStorage by
// Mantine's colorSchemeManager (see src/theme.ts).
import { ActionIcon, Popover, Radio, Stack, useMantineColorScheme, type MantineColorScheme } from "@mantine/core";
import { useState } from "react";

const LABELS: Record<MantineColorScheme, string> = { light: "Light", dark: "Dark", auto: "Auto (system)" };

function Icon({ scheme }: { scheme: MantineColorScheme }) {
  const common = { width: 18, height: 18, viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 2, "aria-hidden": true } as const;
  if (scheme === "light") {
    return (
      <svg {...common}>
        <circle cx="12" cy="12" r="4" />
        <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
      </svg>
    );
  }
  if (scheme === "dark") {
    return (
      <svg {...common}>
        <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
      </svg>
    );
  }
  return (
    <svg {...common}>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 3a9 9 0 0 0 0 18z" fill="currentColor" />
    </svg>
  );
}

/**
 * A header button opening a small popover with a radio group (Light / Dark /
 * Auto). A radio group rather than a menu: Mantine's Menu gives items
 * role="menuitem", on which aria-checked is not allowed (axe-core).
 */
export function ColorSchemeSwitch() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const [opened, setOpened] = useState(false);
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" withinPortal trapFocus returnFocus shadow="md">
      <Popover.Target>
        <ActionIcon
          variant="default"
          size="lg"
          aria-label={`Colour scheme: ${LABELS[colorScheme]}`}
          title={`Colour scheme: ${LABELS[colorScheme]}`}
          aria-expanded={opened}
          aria-haspopup="dialog"
          onClick={() => setOpened((o) => !o)}
          data-testid="color-scheme-switch"
        >
          <Icon scheme={colorScheme} />
        </ActionIcon>
      </Popover.Target>
      <Popover.Dropdown>
        <Radio.Group
          label="Colour scheme"
          value={colorScheme}
          onChange={(v) => {
            setColorScheme(v as MantineColorScheme);
            setOpened(false);
          }}
        >
          <Stack gap="xs" mt="xs">
            {(Object.keys(LABELS) as MantineColorScheme[]).map((s) => (
              <Radio key={s} value={s} label={LABELS[s]} />
            ))}
          </Stack>
        </Radio.Group>
      </Popover.Dropdown>
    </Popover>
  );
}

import { Button, Group, Text } from "@mantine/core";
import { useState } from "react";

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  return (
    <Group gap="sm">
      <Button variant="default" size="sm" onClick={() => void copy()}>
        {label}
      </Button>
      <Text size="sm" c="dimmed" role="status">
        {state === "copied" ? "Copied to the clipboard." : state === "failed" ? "Copy failed: select the text and copy it." : ""}
      </Text>
    </Group>
  );
}

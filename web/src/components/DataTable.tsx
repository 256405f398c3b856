// Every list in the console: a bordered card whose table scrolls
// horizontally inside it (the page itself never scrolls sideways, even at
// 390 px), with the same spacing everywhere. Use Mantine's Table.Thead/Tr/
// Th/Td inside; give Th `scope="col"`.
import { Paper, Table, type TableProps } from "@mantine/core";
import type { ReactNode } from "react";

export function DataTable({
  children,
  minWidth = 640,
  label,
  ...rest
}: {
  children: ReactNode;
  /** Below this width the table scrolls inside its card. */
  minWidth?: number;
  /** An accessible name for the table (e.g. "Users"). */
  label?: string;
} & Omit<TableProps, "children">) {
  return (
    <Paper withBorder radius="md" className="table-card">
      {/* Focusable so a keyboard can scroll it when it overflows (phones). */}
      <Table.ScrollContainer
        minWidth={minWidth}
        type="native"
        className="table-scroll"
        tabIndex={0}
        role={label ? "region" : undefined}
        aria-label={label}
      >
        <Table verticalSpacing="sm" highlightOnHover aria-label={label} {...rest}>
          {children}
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

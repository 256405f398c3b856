// A definition list of facts about one object ("Email", "Role", …): two
// columns, one on phones; long values wrap.
import type { ReactNode } from "react";

export interface Fact {
  label: string;
  value: ReactNode;
  testId?: string;
}

export function Facts({ items }: { items: readonly (Fact | false | null | undefined)[] }) {
  return (
    <dl className="facts">
      {items.filter((f): f is Fact => Boolean(f)).map((f) => (
        <div key={f.label} className="facts-row">
          <dt>{f.label}</dt>
          <dd data-testid={f.testId}>{f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

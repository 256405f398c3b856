import type { ReactNode } from "react";

export function PublicShell({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="public">
      <div className="card">
        <p className="brand">QHub console</p>
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  );
}

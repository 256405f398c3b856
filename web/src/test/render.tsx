// Rendering a component outside <App> needs the Mantine provider the app has.
import { render, type RenderOptions } from "@testing-library/react";
import type { ReactElement, ReactNode } from "react";
import { UiProvider } from "../App";

export function Ui({ children }: { children: ReactNode }) {
  return <UiProvider>{children}</UiProvider>;
}

export function renderUi(ui: ReactElement, options?: Omit<RenderOptions, "wrapper">) {
  return render(ui, { wrapper: Ui, ...options });
}

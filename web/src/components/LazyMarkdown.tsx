// The markdown renderer (react-markdown and its parser, about 40 KB gzipped)
// loads on first use, not with the console's main bundle.
import { lazy, Suspense, type ComponentProps } from "react";
import { Loading } from "./States";

const MarkdownImpl = lazy(() => import("./Markdown"));

export function LazyMarkdown(props: ComponentProps<typeof MarkdownImpl>) {
  return (
    <Suspense fallback={<Loading label="Loading…" lines={2} />}>
      <MarkdownImpl {...props} />
    </Suspense>
  );
}

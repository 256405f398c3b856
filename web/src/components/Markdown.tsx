// Markdown from apps (readmes, docs pages, release notes) rendered safely:
// react-markdown builds React elements from the markdown's syntax tree, and
// raw HTML in the text is dropped (`skipHtml`; no rehype-raw), so nothing in
// a readme can add a script, an event handler or a style. Links keep only
// safe URLs (react-markdown's defaultUrlTransform drops `javascript:` and
// the like) and open as ordinary links; images become links to the image
// (the console loads nothing from other sites). Headings start one level
// below the section they sit in (`headingOffset`). This module is loaded
// lazily (components/LazyMarkdown.tsx): react-markdown is its own chunk.
import ReactMarkdown, { defaultUrlTransform, type Components } from "react-markdown";
import { createElement } from "react";

type Level = 1 | 2 | 3 | 4 | 5 | 6;

function headings(offset: number): Components {
  const out: Components = {};
  for (const level of [1, 2, 3, 4, 5, 6] as const) {
    const to = Math.min(6, level + offset) as Level;
    out[`h${level}`] = ({ node: _node, ...props }) => createElement(`h${to}`, props);
  }
  return out;
}

export function Markdown({ children, headingOffset = 2, testId }: { children: string; headingOffset?: number; testId?: string }) {
  const components: Components = {
    ...headings(headingOffset),
    a: ({ node: _node, href, children: text, ...props }) => (
      <a {...props} href={href} rel="noopener noreferrer nofollow">
        {text}
      </a>
    ),
    // A wide table scrolls inside a box a keyboard can focus.
    table: ({ node: _node, ...props }) => (
      <div className="md-table" tabIndex={0} role="region" aria-label="Table">
        <table {...props} />
      </div>
    ),
    img: ({ src, alt }) => {
      const url = typeof src === "string" ? src : "";
      if (!url) return <span>{alt ? `[image: ${alt}]` : "[image]"}</span>;
      return (
        <a href={url} rel="noopener noreferrer nofollow">
          {alt ? `Image: ${alt}` : "Image"}
        </a>
      );
    },
  };
  return (
    <div className="markdown" data-testid={testId}>
      <ReactMarkdown skipHtml urlTransform={defaultUrlTransform} components={components}>
        {children}
      </ReactMarkdown>
    </div>
  );
}

export default Markdown;

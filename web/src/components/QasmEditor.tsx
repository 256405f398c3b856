// An OpenQASM editor without an editor library: a plain <textarea> (its
// text transparent, its caret and selection visible) over a highlighted
// <pre> that scrolls with it, and a gutter of line numbers. Screen readers
// and tests see just the labelled textarea. A problem the server found in
// the program (422 with `line` and `column`) marks that line in the gutter
// and the code, and the character it points at; the message sits under the
// editor with a button that puts the caret there.
import { Button, Group, Input } from "@mantine/core";
import { useEffect, useId, useLayoutEffect, useMemo, useRef, type ReactNode } from "react";
import { errorLocation, tokenizeLine, tokenizeQasm, type Token } from "../lib/jobs";

/** Pixels of one line: the CSS (.qasm-*) uses the same. */
export const LINE_HEIGHT = 20;
const PAD_Y = 8;

function Tokens({ tokens }: { tokens: readonly Token[] }) {
  return (
    <>
      {tokens.map((t, i) =>
        t.kind === "text" ? t.text : (
          <span key={i} className={`qasm-${t.kind}`}>
            {t.text}
          </span>
        ),
      )}
    </>
  );
}

/** One line of highlighted code; on the error line the character at `column` is marked. */
function Line({ text, tokens, errorColumn }: { text: string; tokens: readonly Token[]; errorColumn: number | null }) {
  if (errorColumn === null) {
    return <span className="qasm-line">{text === "" ? " " : <Tokens tokens={tokens} />}</span>;
  }
  const at = errorColumn - 1;
  const marked = text.slice(at, at + 1) || " ";
  return (
    <span className="qasm-line qasm-line-error" data-testid="qasm-error-line">
      <Tokens tokens={tokenizeLine(text.slice(0, at))} />
      <mark className="qasm-error-char">{marked}</mark>
      <Tokens tokens={tokenizeLine(text.slice(at + 1))} />
    </span>
  );
}

/** The offset in `source` of 1-based `line` and `column`. */
export function offsetOf(source: string, line: number, column: number): number {
  const lines = source.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i] ?? "").length + 1;
  return Math.min(source.length, offset + column - 1);
}

export interface QasmEditorProps {
  label: ReactNode;
  value: string;
  onValue: (value: string) => void;
  name?: string;
  hint?: ReactNode;
  /** The message to show (the server's, or the form's own check). */
  error?: string | null;
  /** Where the server says the problem is (1-based); marks that line. */
  errorLine?: number | null;
  errorColumn?: number | null;
  readOnly?: boolean;
  placeholder?: string;
  minRows?: number;
  maxRows?: number;
}

export function QasmEditor({
  label,
  value,
  onValue,
  name,
  hint,
  error,
  errorLine,
  errorColumn,
  readOnly,
  placeholder,
  minRows = 10,
  maxRows = 24,
}: QasmEditorProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const area = useRef<HTMLTextAreaElement>(null);
  const code = useRef<HTMLPreElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lines = useMemo(() => value.split("\n"), [value]);
  const tokens = useMemo(() => tokenizeQasm(value), [value]);
  const at = error ? errorLocation(value, errorLine, errorColumn) : null;
  const rows = Math.max(minRows, Math.min(maxRows, lines.length + 1));

  const sync = () => {
    const ta = area.current;
    if (!ta) return;
    if (code.current) {
      code.current.scrollTop = ta.scrollTop;
      code.current.scrollLeft = ta.scrollLeft;
    }
    if (gutter.current) gutter.current.scrollTop = ta.scrollTop;
  };
  useLayoutEffect(sync);

  const goTo = (focus: boolean) => {
    const ta = area.current;
    if (!ta || !at) return;
    const offset = offsetOf(value, at.line, at.column);
    ta.setSelectionRange(offset, Math.min(value.length, offset + 1));
    ta.scrollTop = Math.max(0, (at.line - 3) * LINE_HEIGHT);
    if (focus) ta.focus();
    sync();
  };
  // A new location from the server: the caret goes there (the form focuses the field).
  const where = at ? `${at.line}:${at.column}` : "";
  useEffect(() => {
    if (where) goTo(false);
  }, [where]); // goTo reads the latest value and location


  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="qasm-field" data-testid="qasm-editor">
      <Input.Label htmlFor={id}>{label}</Input.Label>
      {hint && <Input.Description id={hintId}>{hint}</Input.Description>}
      <div className="qasm-editor" data-invalid={error ? "" : undefined} style={{ height: rows * LINE_HEIGHT + 2 * PAD_Y + 2 }}>
        <div className="qasm-gutter" ref={gutter} aria-hidden="true">
          <div className="qasm-gutter-inner">
            {lines.map((_, i) => (
              <span key={i} className={at?.line === i + 1 ? "qasm-gutter-line qasm-gutter-error" : "qasm-gutter-line"}>
                {i + 1}
              </span>
            ))}
          </div>
        </div>
        <div className="qasm-code">
          <pre className="qasm-highlight" ref={code} aria-hidden="true">
            {lines.map((text, i) => (
              <Line key={i} text={text} tokens={tokens[i] ?? []} errorColumn={at?.line === i + 1 ? at.column : null} />
            ))}
            <span className="qasm-spacer" />
          </pre>
          <textarea
            ref={area}
            id={id}
            name={name}
            className="qasm-input"
            value={value}
            onChange={(e) => onValue(e.currentTarget.value)}
            onScroll={sync}
            readOnly={readOnly}
            placeholder={placeholder}
            wrap="off"
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            autoCorrect="off"
            aria-invalid={error ? true : undefined}
            aria-describedby={describedBy}
          />
        </div>
      </div>
      {error && (
        <Group gap="xs" mt={4} wrap="nowrap" align="flex-start">
          <Input.Error id={errorId} data-testid="program-error" style={{ flex: 1 }}>
            {error}
          </Input.Error>
          {at && (
            <Button variant="subtle" size="compact-xs" color="red" onClick={() => goTo(true)}>
              Go to line {at.line}
            </Button>
          )}
        </Group>
      )}
    </div>
  );
}

/** A program to read (a job's): highlighted, with line numbers, scrolling inside its box. */
export function QasmView({ source, label = "Program" }: { source: string; label?: string }) {
  const lines = source.replace(/\n$/, "").split("\n");
  return (
    <pre className="qasm-view" tabIndex={0} role="region" aria-label={label} data-testid="job-program">
      {lines.map((text, i) => (
        <span key={i} className="qasm-view-line">
          <span className="qasm-view-number" aria-hidden="true">
            {i + 1}
          </span>
          {text === "" ? " " : <Tokens tokens={tokenizeLine(text)} />}
          {"\n"}
        </span>
      ))}
    </pre>
  );
}

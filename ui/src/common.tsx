/** Small shared pieces: copy-as-curl, group lists, errors. */
import { useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { ApiError, curl } from "./api.js";
import type { Question } from "./api.js";

/** The curl command for each question a view asked, with a copy button. */
export function CurlBox({ questions }: { readonly questions: readonly Question[] }) {
  const [copied, setCopied] = useState<string>("");
  if (questions.length === 0) return null;
  const text = questions.map((q) => curl(q)).join("\n");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("Copied.");
    } catch {
      setCopied("The browser refused the clipboard: select the command and copy it.");
    }
  };
  return (
    <details class="curl">
      <summary>Copy as curl ({questions.length === 1 ? "1 question" : `${questions.length} questions`})</summary>
      <pre class="curl-text" data-testid="curl">{text}</pre>
      <button type="button" onClick={() => void copy()}>Copy</button>
      <span class="hint" aria-live="polite">{copied}</span>
      {text.includes("$TREERIGHTS_AUTH") ? <p class="hint">Set <code>TREERIGHTS_AUTH</code> to your Authorization value (for example <code>Bearer trk_…</code>); the page never copies a credential.</p> : null}
    </details>
  );
}

export function Groups({ groups, empty = "none" }: { readonly groups: readonly string[]; readonly empty?: string }) {
  if (groups.length === 0) return <span class="muted">{empty}</span>;
  return (
    <span class="groups">
      {groups.map((g) => (
        <span class="group" key={g}>{g}</span>
      ))}
    </span>
  );
}

export function ErrorNote({ error }: { readonly error: unknown }) {
  if (error === null || error === undefined) return null;
  const text = error instanceof ApiError ? `${error.status === 0 ? "" : `${error.status} `}${error.code}: ${error.message}` : error instanceof Error ? error.message : JSON.stringify(error);
  return <p class="error" role="alert">{text}</p>;
}

export function Section({ title, children, id }: { readonly title: string; readonly children: ComponentChildren; readonly id?: string }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

let idCounter = 0;
/** A stable unique id for label/control pairs. */
export function useId(prefix: string): string {
  const [id] = useState(() => `${prefix}-${++idCounter}`);
  return id;
}

export function shortRev(rev: string | null | undefined, length = 12): string {
  if (rev === null || rev === undefined || rev === "") return "—";
  return rev.length > length ? rev.slice(0, length) : rev;
}

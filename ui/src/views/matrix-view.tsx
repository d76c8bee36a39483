/** Groups × directories for one level, over the directory on screen and its children (one `/v1/check/batch`). */
import { useEffect, useState } from "preact/hooks";
import { api, questions } from "../api.js";
import { CurlBox, ErrorNote, useId } from "../common.js";
import type { Access, TreeEntry } from "../types.js";
import { LEVELS } from "../types.js";

export interface MatrixViewProps {
  readonly path: string;
  /** The directory's children, as the tree loaded them. */
  readonly children: readonly TreeEntry[] | undefined;
  readonly groups: readonly string[];
  readonly access: Access;
  readonly revision: string;
  readonly generation: number;
  readonly onAccess: (access: Access) => void;
  readonly onGo: (path: string) => void;
}

export function MatrixView(props: MatrixViewProps) {
  const dirs = [props.path, ...(props.children ?? []).map((c) => c.path)];
  const checks = dirs.flatMap((path) => props.groups.map((g) => ({ groups: [g], access: props.access, path })));
  const key = JSON.stringify(checks);
  const [results, setResults] = useState<{ key: string; results: readonly boolean[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const accessId = useId("matrix-access");

  useEffect(() => {
    let live = true;
    setError(null);
    if (checks.length === 0) return;
    api.batch(checks).then(
      (answer) => live && setResults({ key, results: answer.results }),
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [key, props.revision, props.generation]);

  const current = results?.key === key ? results.results : null;
  return (
    <div class="view" data-view="matrix">
      <h2>
        Matrix under <code>{props.path}</code>
      </h2>
      <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
        <label for={accessId}>Level</label>
        <select id={accessId} value={props.access} onChange={(e) => props.onAccess(e.currentTarget.value === "WRITE" ? "WRITE" : "READ")}>
          {LEVELS.map((l) => (
            <option key={l} value={l}>{l}</option>
          ))}
        </select>
      </form>
      <ErrorNote error={error} />
      {props.groups.length === 0 ? (
        <p class="muted">No groups known yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="matrix" data-testid="matrix">
            <caption>
              Who holds {props.access} on <code>{props.path}</code> and each directory one level below
            </caption>
            <thead>
              <tr>
                <th scope="col">Directory</th>
                {props.groups.map((g) => (
                  <th scope="col" key={g}>{g}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {dirs.map((dir, d) => (
                <tr key={dir}>
                  <th scope="row">
                    <button type="button" class="link" onClick={() => props.onGo(dir)}>
                      <code>{dir}</code>
                    </button>
                  </th>
                  {props.groups.map((g, j) => {
                    const value = current?.[d * props.groups.length + j];
                    return (
                      <td key={g} class={value === undefined ? "cell" : value ? "cell yes" : "cell no"}>
                        {value === undefined ? "…" : value ? "✓ yes" : "✗ no"}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <CurlBox questions={checks.length === 0 ? [] : [questions.batch(checks)]} />
    </div>
  );
}

/** A group's view: where it holds READ and WRITE (the complete `where` answer); the tree colours the same. */
import { useState, useEffect } from "preact/hooks";
import { questions } from "../api.js";
import { CurlBox, ErrorNote, useId } from "../common.js";
import type { WhereAnswer } from "../types.js";

export interface GroupViewProps {
  readonly group: string;
  readonly knownGroups: readonly string[];
  readonly read: WhereAnswer | null;
  readonly write: WhereAnswer | null;
  readonly error: unknown;
  readonly onPick: (group: string) => void;
  readonly onGo: (path: string) => void;
}

export function GroupView(props: GroupViewProps) {
  const [text, setText] = useState(props.group);
  useEffect(() => setText(props.group), [props.group]);
  const inputId = useId("group-pick");
  const listId = useId("group-list");
  return (
    <div class="view" data-view="group">
      <h2>Group {props.group !== "" ? <code>{props.group}</code> : null}</h2>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          props.onPick(text.trim());
        }}
      >
        <label for={inputId}>Group</label>
        <input id={inputId} name="group" list={listId} value={text} autocomplete="off" spellcheck={false} onInput={(e) => setText(e.currentTarget.value)} />
        <datalist id={listId}>
          {props.knownGroups.map((g) => (
            <option key={g} value={g} />
          ))}
        </datalist>
        <button type="submit">Show</button>
      </form>
      {props.knownGroups.length > 0 ? (
        <p class="chips" aria-label="Known groups">
          {props.knownGroups.map((g) => (
            <button type="button" key={g} class={g === props.group ? "chip on" : "chip"} aria-pressed={g === props.group} onClick={() => props.onPick(g)}>
              {g}
            </button>
          ))}
        </p>
      ) : null}
      <ErrorNote error={props.error} />
      {props.group === "" ? (
        <p class="muted">Pick a group: the tree then marks where it holds READ (R) and WRITE (RW).</p>
      ) : (
        <>
          <p class="legend">
            <span class="swatch holds-write">RW</span> holds WRITE (and maybe READ) <span class="swatch holds-read">R</span> holds READ only <span class="swatch holds-none">–</span> neither
          </p>
          {[props.read, props.write].map((answer, i) => (
            <section class="card" key={i} aria-label={i === 0 ? "READ regions" : "WRITE regions"}>
              <h3>{i === 0 ? "READ" : "WRITE"}</h3>
              {answer === null ? (
                <p class="muted">…</p>
              ) : answer.regions.length === 0 ? (
                <p data-testid={`regions-${answer.access}`}>Nowhere.</p>
              ) : (
                <ul class="regions" data-testid={`regions-${answer.access}`}>
                  {answer.regions.map((r) => (
                    <li key={r.path}>
                      <button type="button" class="link" onClick={() => props.onGo(r.path)}>
                        <code>{r.path}</code>
                      </button>{" "}
                      and below
                      {r.holes.length > 0 ? (
                        <>
                          , except{" "}
                          {r.holes.map((h, j) => (
                            <span key={h}>
                              {j > 0 ? ", " : ""}
                              <button type="button" class="link" onClick={() => props.onGo(h)}>
                                <code>{h}</code>
                              </button>
                            </span>
                          ))}
                        </>
                      ) : null}
                    </li>
                  ))}
                </ul>
              )}
              {answer !== null && answer.patterns.length > 0 ? (
                <>
                  <p>Pattern rules that change this on matching paths:</p>
                  <ul>
                    {answer.patterns.map((p, j) => (
                      <li key={j}>
                        <code>{p.file}</code>: <code>{p.match}</code> {p.effect === "grant" ? "grants" : "takes away"}
                      </li>
                    ))}
                  </ul>
                </>
              ) : null}
            </section>
          ))}
        </>
      )}
      <CurlBox questions={props.group === "" ? [] : [questions.where(props.group, "READ"), questions.where(props.group, "WRITE")]} />
    </div>
  );
}

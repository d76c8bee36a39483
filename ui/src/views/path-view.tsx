/** A path's view: who holds READ and WRITE here; why a set of groups is allowed or denied, step by step, with the rights files' text. */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, questions } from "../api.js";
import type { Question } from "../api.js";
import { CurlBox, ErrorNote, Groups, useId } from "../common.js";
import { splitGroups } from "../route.js";
import type { Access, ExplainAnswer, FileAnswer, TreeEntry } from "../types.js";
import { LEVELS } from "../types.js";

export interface PathViewProps {
  readonly path: string;
  readonly entry: TreeEntry | undefined;
  readonly groups: readonly string[];
  readonly access: Access;
  readonly knownGroups: readonly string[];
  readonly revision: string;
  readonly generation: number;
  readonly onExplain: (groups: readonly string[], access: Access) => void;
}

export function PathView(props: PathViewProps) {
  const { path, revision, generation } = props;
  const [holders, setHolders] = useState<{ READ: readonly string[]; WRITE: readonly string[] } | null>(null);
  const [holdersError, setHoldersError] = useState<unknown>(null);
  const [explanation, setExplanation] = useState<ExplainAnswer | null>(null);
  const [explainError, setExplainError] = useState<unknown>(null);
  const [file, setFile] = useState<{ answer: FileAnswer; line: number | undefined } | null>(null);
  const [fileError, setFileError] = useState<unknown>(null);
  const [fileQuestion, setFileQuestion] = useState<Question | null>(null);
  const [groupText, setGroupText] = useState(props.groups.join(", "));
  const [access, setAccess] = useState<Access>(props.access);
  const groupsId = useId("explain-groups");
  const accessId = useId("explain-access");
  const listId = useId("known-groups");

  useEffect(() => setGroupText(props.groups.join(", ")), [props.groups.join(",")]);
  useEffect(() => setAccess(props.access), [props.access]);

  useEffect(() => {
    let live = true;
    setHoldersError(null);
    Promise.all([api.groups("READ", path), api.groups("WRITE", path)]).then(
      ([r, w]) => live && setHolders({ READ: r.groups, WRITE: w.groups }),
      (e: unknown) => {
        if (!live) return;
        setHolders(null);
        setHoldersError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [path, revision, generation]);

  const groupsKey = props.groups.join(",");
  useEffect(() => {
    let live = true;
    setExplainError(null);
    if (props.groups.length === 0) {
      setExplanation(null);
      return;
    }
    api.explain(props.groups, props.access, path).then(
      (answer) => live && setExplanation(answer),
      (e: unknown) => {
        if (!live) return;
        setExplanation(null);
        setExplainError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [path, groupsKey, props.access, revision, generation]);

  const openFile = (dir: string, line: number | undefined) => {
    setFileError(null);
    setFileQuestion(questions.file(dir));
    api.file(dir).then(
      (answer) => setFile({ answer, line }),
      (e: unknown) => {
        setFile(null);
        setFileError(e);
      },
    );
  };
  // A file on screen follows reloads.
  const fileRef = useRef(file);
  fileRef.current = file;
  useEffect(() => {
    const shown = fileRef.current;
    if (shown !== null) openFile(shown.answer.path, shown.line);
  }, [revision]);
  useEffect(() => setFile(null), [path]);

  const asked: Question[] = [questions.groups("READ", path), questions.groups("WRITE", path)];
  if (props.groups.length > 0) asked.push(questions.explain(props.groups, props.access, path));
  if (fileQuestion !== null) asked.push(fileQuestion);
  const entry = props.entry;

  return (
    <div class="view" data-view="path">
      <h2>
        Path <code data-testid="path-heading">{path}</code>
      </h2>
      <section class="card" aria-label="Who holds each level here">
        <h3>Who holds READ and WRITE here</h3>
        <ErrorNote error={holdersError} />
        <dl class="holders">
          {LEVELS.map((level) => (
            <div key={level}>
              <dt>{level}</dt>
              <dd data-testid={`holders-${level}`}>{holders === null ? <span class="muted">…</span> : <Groups groups={holders[level]} empty="nobody" />}</dd>
            </div>
          ))}
        </dl>
        {entry !== undefined ? (
          <p class="hint">
            {entry.file === null ? (
              "No rights file here: everything is inherited."
            ) : (
              <>
                Rights file{" "}
                <button type="button" class="link" onClick={() => openFile(entry.path, entry.line?.READ ?? entry.line?.WRITE)}>
                  {entry.file}
                </button>
                {entry.cut.READ || entry.cut.WRITE ? ` overrides what is inherited for ${[entry.cut.READ ? "READ" : "", entry.cut.WRITE ? "WRITE" : ""].filter((x) => x !== "").join(" and ")}.` : "."}
              </>
            )}
            {entry.patterns ? " Its rights file has pattern rules for paths below it." : ""}
          </p>
        ) : null}
      </section>

      <section class="card" aria-label="Explain a decision">
        <h3>Why: explain a decision</h3>
        <form
          class="explain-form"
          onSubmit={(event) => {
            event.preventDefault();
            props.onExplain(splitGroups(groupText), access);
          }}
        >
          <label for={groupsId}>Groups (comma separated)</label>
          <input id={groupsId} name="groups" list={listId} value={groupText} autocomplete="off" spellcheck={false} onInput={(e) => setGroupText(e.currentTarget.value)} />
          <datalist id={listId}>
            {props.knownGroups.map((g) => (
              <option key={g} value={g} />
            ))}
          </datalist>
          <label for={accessId}>Level</label>
          <select id={accessId} name="access" value={access} onChange={(e) => setAccess(e.currentTarget.value === "WRITE" ? "WRITE" : "READ")}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>{l}</option>
            ))}
          </select>
          <button type="submit">Explain</button>
        </form>
        <ErrorNote error={explainError} />
        {explanation !== null ? <Explanation answer={explanation} onOpenFile={openFile} /> : null}
      </section>

      {file !== null || fileError !== null ? (
        <section class="card" aria-label="Rights file">
          <h3>Rights file {file !== null ? <code>{file.answer.file}</code> : null}</h3>
          <ErrorNote error={fileError} />
          {file !== null ? <FileText text={file.answer.text} line={file.line} /> : null}
        </section>
      ) : null}
      <CurlBox questions={asked} />
    </div>
  );
}

function Explanation({ answer, onOpenFile }: { readonly answer: ExplainAnswer; readonly onOpenFile: (dir: string, line: number | undefined) => void }) {
  return (
    <div class="explanation" data-testid="explanation">
      <p class={answer.allowed ? "verdict allowed" : "verdict denied"} data-testid="verdict">
        {answer.allowed ? "✓ Allowed" : "✗ Denied"}: <Groups groups={answer.groups} /> {answer.access} <code>{answer.path}</code>
      </p>
      {answer.allowed ? (
        <p>
          Deciding: <Groups groups={answer.deciding} />
          {answer.chains !== undefined && answer.chains.length > 0 ? <> (through {answer.chains.map((c) => c.join(" → ")).join("; ")})</> : null}
        </p>
      ) : (
        <p>None of these groups holds {answer.access} here. Effective: <Groups groups={answer.effective} empty="nobody" /></p>
      )}
      {answer.unknownGroups !== undefined && answer.unknownGroups.length > 0 ? (
        <p class="warning">No rights file names <Groups groups={answer.unknownGroups} />: a typo denies in silence.</p>
      ) : null}
      <div class="table-wrap">
        <table class="steps">
          <caption>Every rights file on the path, in order</caption>
          <thead>
            <tr>
              <th scope="col">Directory</th>
              <th scope="col">File and line</th>
              <th scope="col">Rule</th>
              <th scope="col">Before → after</th>
            </tr>
          </thead>
          <tbody>
            {answer.steps.map((step, i) => {
              const added = step.after.filter((g) => !step.before.includes(g));
              const removed = step.before.filter((g) => !step.after.includes(g));
              return (
                <tr key={i} class={step.keywords.length === 0 ? "step-idle" : "step-active"}>
                  <td><code>{step.dir}</code></td>
                  <td>
                    <button type="button" class="link" onClick={() => onOpenFile(step.dir, step.at?.line)}>
                      {step.file}
                      {step.at !== undefined ? `:${step.at.line}` : ""}
                    </button>
                  </td>
                  <td>
                    {step.keywords.length === 0 ? <span class="muted">leaves {answer.access} alone</span> : step.keywords.join(", ")}
                    {step.match !== undefined ? <> (pattern <code>{step.match}</code>)</> : null}
                  </td>
                  <td>
                    <Groups groups={step.before} empty="∅" /> → <Groups groups={step.after} empty="∅" />
                    {added.length > 0 ? <span class="added"> +{added.join(" +")}</span> : null}
                    {removed.length > 0 ? <span class="removed"> −{removed.join(" −")}</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** A rights file's text, numbered, the line of interest marked and scrolled to. */
export function FileText({ text, line }: { readonly text: string; readonly line: number | undefined }) {
  const ref = useRef<HTMLOListElement>(null);
  useEffect(() => {
    // Scroll the file's own box only: scrollIntoView would move the whole page as well.
    const box = ref.current;
    const marked = box?.querySelector<HTMLElement>(".mark-line");
    if (box !== null && marked !== null && marked !== undefined) box.scrollTop = Math.max(0, marked.offsetTop - box.clientHeight / 3);
  }, [text, line]);
  const lines = text.replace(/\n$/, "").split("\n");
  return (
    <ol class="file-text" ref={ref} data-testid="file-text" tabIndex={0} aria-label="File text">
      {lines.map((l, i) => (
        <li key={i} class={i + 1 === line ? "mark-line" : undefined} aria-current={i + 1 === line ? "true" : undefined}>
          <code>{l === "" ? " " : l}</code>
        </li>
      ))}
    </ol>
  );
}

/** Changes: the reload history, the effective changes since a revision, and the diff between two revisions or commits. */
import { useEffect, useState } from "preact/hooks";
import { api, questions } from "../api.js";
import type { Question } from "../api.js";
import { CurlBox, ErrorNote, shortRev, useId } from "../common.js";
import type { ChangesAnswer, DiffAnswer, Status } from "../types.js";

export interface ChangesViewProps {
  readonly status: Status | null;
  readonly since: string;
  readonly from: string;
  readonly to: string;
  readonly revision: string;
  readonly generation: number;
  readonly onDiff: (from: string, to: string) => void;
  readonly onSince: (revision: string) => void;
  readonly onGo: (path: string) => void;
}

export function ChangesView(props: ChangesViewProps) {
  const history = props.status?.history ?? [];
  const since = props.since;
  const setSince = props.onSince;
  const [changes, setChanges] = useState<ChangesAnswer | null>(null);
  const [changesError, setChangesError] = useState<unknown>(null);
  const [diff, setDiff] = useState<DiffAnswer | null>(null);
  const [diffError, setDiffError] = useState<unknown>(null);
  const [fromText, setFromText] = useState(props.from);
  const [toText, setToText] = useState(props.to);
  const sinceId = useId("since");
  const fromId = useId("diff-from");
  const toId = useId("diff-to");
  const revListId = useId("revisions");

  useEffect(() => setFromText(props.from), [props.from]);
  useEffect(() => setToText(props.to), [props.to]);

  useEffect(() => {
    let live = true;
    setChangesError(null);
    if (since === "") {
      setChanges(null);
      return;
    }
    api.changes(since).then(
      (a) => live && setChanges(a),
      (e: unknown) => {
        if (!live) return;
        setChanges(null);
        setChangesError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [since, props.revision, props.generation]);

  useEffect(() => {
    let live = true;
    setDiffError(null);
    if (props.from === "" || props.to === "") {
      setDiff(null);
      return;
    }
    api.diff(props.from, props.to).then(
      (a) => live && setDiff(a),
      (e: unknown) => {
        if (!live) return;
        setDiff(null);
        setDiffError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [props.from, props.to, props.generation]);

  const asked: Question[] = [questions.status()];
  if (since !== "") asked.push(questions.changes(since));
  if (props.from !== "" && props.to !== "") asked.push(questions.diff(props.from, props.to));
  // The diff reads git: commits (and refs typed in), not the index revisions of uncommitted edits.
  const commits = [...new Set(history.flatMap((h) => (h.commit !== null && h.commit !== undefined ? [h.commit] : [])))];

  return (
    <div class="view" data-view="changes">
      <h2>Changes</h2>
      <section class="card" aria-label="Reload history">
        <h3>Reloads (newest first)</h3>
        {history.length === 0 ? (
          <p class="muted">No reload history.</p>
        ) : (
          <div class="table-wrap">
            <table class="history" data-testid="history">
              <caption>The last reloads of the tree</caption>
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">Revision</th>
                  <th scope="col">Commit</th>
                  <th scope="col">Files</th>
                  <th scope="col">Grants</th>
                  <th scope="col">Revocations</th>
                  <th scope="col">Compare</th>
                </tr>
              </thead>
              <tbody>
                {[...history].reverse().map((h, i, all) => {
                  const previous = all[i + 1];
                  return (
                    <tr key={`${h.revision}-${h.at}`}>
                      <td><time dateTime={h.at}>{new Date(h.at).toLocaleString()}</time></td>
                      <td><code>{shortRev(h.revision)}</code></td>
                      <td><code>{shortRev(h.commit, 10)}</code></td>
                      <td>{h.filesChanged}</td>
                      <td>{h.changes.grants}</td>
                      <td>{h.changes.revocations}</td>
                      <td>
                        {previous?.commit != null && h.commit != null && previous.commit !== h.commit ? (
                          <button type="button" class="link" onClick={() => props.onDiff(previous.commit ?? "", h.commit ?? "")}>
                            diff commits
                          </button>
                        ) : null}{" "}
                        <button type="button" class="link" onClick={() => setSince(h.revision)}>
                          changes since
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section class="card" aria-label="Changes since a revision" id="since">
        <h3>Effective changes since a revision</h3>
        <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
          <label for={sinceId}>Since</label>
          <select id={sinceId} value={since} onChange={(e) => setSince(e.currentTarget.value)}>
            <option value="">choose a revision</option>
            {history.map((h) => (
              <option key={`${h.revision}-${h.at}`} value={h.revision}>
                {shortRev(h.revision)} ({new Date(h.at).toLocaleTimeString()})
              </option>
            ))}
            {since !== "" && !history.some((h) => h.revision === since) ? <option value={since}>{shortRev(since)} (from the link)</option> : null}
          </select>
        </form>
        <ErrorNote error={changesError} />
        {changes !== null ? (
          changes.changes.length === 0 ? (
            <p>No effective change since {shortRev(changes.from)}.</p>
          ) : (
            <ul class="changes" data-testid="changes">
              {changes.changes.map((c, i) => (
                <li key={i}>
                  <button type="button" class="link" onClick={() => props.onGo(c.path)}><code>{c.path}</code></button> {c.access}
                  {c.added.length > 0 ? <span class="added"> +{c.added.join(" +")}</span> : null}
                  {c.removed.length > 0 ? <span class="removed"> −{c.removed.join(" −")}</span> : null}
                  {c.patternRules === true ? <span class="mark mark-pattern">pattern rules changed</span> : null}
                </li>
              ))}
            </ul>
          )
        ) : null}
      </section>

      <section class="card" aria-label="Diff between two revisions">
        <h3>Diff of effective rights between two commits</h3>
        <p class="hint">What <code>treerights diff</code> answers, read from git: commits, tags or branches of the repository holding the tree. Risky grants are flagged.</p>
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            props.onDiff(fromText.trim(), toText.trim());
          }}
        >
          <label for={fromId}>From</label>
          <input id={fromId} list={revListId} value={fromText} placeholder="commit or ref" spellcheck={false} autocomplete="off" onInput={(e) => setFromText(e.currentTarget.value)} />
          <label for={toId}>To</label>
          <input id={toId} list={revListId} value={toText} placeholder="commit or ref" spellcheck={false} autocomplete="off" onInput={(e) => setToText(e.currentTarget.value)} />
          <datalist id={revListId}>
            {commits.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
          <button type="submit">Diff</button>
        </form>
        <ErrorNote error={diffError} />
        {diff !== null ? <Diff diff={diff} onGo={props.onGo} /> : null}
      </section>
      <CurlBox questions={asked} />
    </div>
  );
}

function Diff({ diff, onGo }: { readonly diff: DiffAnswer; readonly onGo: (path: string) => void }) {
  const risky = new Map<number, string[]>();
  for (const r of diff.risks) risky.set(r.entry, [...(risky.get(r.entry) ?? []), r.message]);
  const s = diff.summary;
  return (
    <div data-testid="diff">
      <p>
        <code>{shortRev(diff.from.ref)}</code> → <code>{shortRev(diff.to.ref)}</code>:{" "}
        {diff.changed ? `${plural(s.entries, "change")} on ${plural(s.paths, "path")}: ${plural(s.grants, "grant")}, ${plural(s.revocations, "revocation")}` : "no effective change"}
        {risky.size > 0 ? <strong class="risky"> · ⚠ {risky.size} risky</strong> : null}
      </p>
      {diff.entries.length > 0 ? (
        <div class="table-wrap">
          <table class="diff">
            <caption>Effective changes, grouped by cause</caption>
            <thead>
              <tr>
                <th scope="col">Risk</th>
                <th scope="col">Level</th>
                <th scope="col">Groups</th>
                <th scope="col">Path</th>
                <th scope="col">Paths</th>
                <th scope="col">Cause</th>
              </tr>
            </thead>
            <tbody>
              {diff.entries.map((e, i) => {
                const risks = risky.get(i);
                return (
                  <tr key={i} class={risks !== undefined ? "risky-row" : undefined}>
                    <td>{risks !== undefined ? <span class="risky" title={risks.join("\n")}>⚠ risky</span> : null}</td>
                    <td>{e.access}</td>
                    <td>
                      {e.added.length > 0 ? <span class="added">+{e.added.join(" +")}</span> : null}{" "}
                      {e.removed.length > 0 ? <span class="removed">−{e.removed.join(" −")}</span> : null}
                    </td>
                    <td>
                      <button type="button" class="link" onClick={() => onGo(e.path)}><code>{e.path}</code></button>
                    </td>
                    <td>{e.count}{e.count > 1 && e.nested ? " (here and below)" : ""}</td>
                    <td>
                      <code>{e.cause.file}</code> {e.cause.keyword}
                      {e.cause.match !== undefined ? <> pattern <code>{e.cause.match}</code></> : null} ({e.cause.change}
                      {e.cause.side === "from" ? ", removed rule" : ""})
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {diff.risks.length > 0 ? (
        <ul class="risks" data-testid="risks">
          {diff.risks.map((r, i) => (
            <li key={i}>
              <span class="risky">⚠ {r.rule}</span>: {r.message}
            </li>
          ))}
        </ul>
      ) : null}
      {diff.files.length > 0 ? (
        <p>
          Files: {diff.files.map((f) => `${f.file} (${f.change})`).join(", ")}
        </p>
      ) : null}
    </div>
  );
}

function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}

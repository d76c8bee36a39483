/** The explorer: header and views, the tree, the live problems of a rejected reload, the status bar. */
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, hasCredential, onCallResult, onRefused, questions, setCredential } from "./api.js";
import type { ApiError, Credential } from "./api.js";
import { CurlBox, ErrorNote, shortRev } from "./common.js";
import { CredentialForm } from "./credential-form.js";
import { ancestry, fileDir } from "./paths.js";
import { formatRoute, parseRoute } from "./route.js";
import type { Route, View } from "./route.js";
import { Tree } from "./tree.js";
import type { Status, TreeEntry, WhereAnswer } from "./types.js";
import { ChangesView } from "./views/changes-view.js";
import { GroupView } from "./views/group-view.js";
import { MatrixView } from "./views/matrix-view.js";
import { PathView } from "./views/path-view.js";

/** How often `/v1/status` is asked, ms. */
export const POLL_MS = 2000;


const VIEW_LABELS: Record<View, string> = { path: "Path", group: "Group", matrix: "Matrix", changes: "Changes" };

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  const [status, setStatus] = useState<Status | null>(null);
  const [root, setRoot] = useState<TreeEntry | null>(null);
  const [children, setChildren] = useState<ReadonlyMap<string, readonly TreeEntry[]>>(new Map());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(ancestry(parseRoute(location.hash).path).slice(0, -1).concat("/")));
  const [loading, setLoading] = useState<ReadonlySet<string>>(new Set());
  const [focused, setFocused] = useState(route.path);
  const [refused, setRefused] = useState<ApiError | null>(null);
  const [askCredential, setAskCredential] = useState(false);
  const [lastError, setLastError] = useState<{ error: ApiError; at: Date } | null>(null);
  const [treeError, setTreeError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const [where, setWhere] = useState<{ group: string; read: WhereAnswer | null; write: WhereAnswer | null; error: unknown }>({ group: "", read: null, write: null, error: null });
  const [linkNote, setLinkNote] = useState("");
  const revision = status?.revision ?? "";

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onHash);
    const offRefused = onRefused((e) => setRefused(e));
    const offResult = onCallResult((e) => {
      if (e !== null) setLastError({ error: e, at: new Date() });
    });
    return () => {
      removeEventListener("hashchange", onHash);
      offRefused();
      offResult();
    };
  }, []);

  const navigate = useCallback(
    (patch: Partial<Route>) => {
      const next = { ...route, ...patch, rev: revision !== "" ? revision : route.rev };
      const hash = formatRoute(next);
      if (hash !== location.hash) location.hash = hash;
      setRoute(next);
    },
    [route, revision],
  );

  // The status, every POLL_MS: revision, commit, reload state and a rejected reload's problems, live.
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const abort = new AbortController();
      const timeout = setTimeout(() => abort.abort(), POLL_MS * 2);
      try {
        const s = await api.status(abort.signal);
        if (live) setStatus(s);
      } catch {
        // reported through onCallResult / onRefused
      } finally {
        clearTimeout(timeout);
        if (live) timer = setTimeout(() => void poll(), POLL_MS);
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [generation]);

  const loadDir = useCallback(async (path: string) => {
    setLoading((l) => new Set(l).add(path));
    try {
      const answer = await api.tree(path);
      setTreeError(null);
      if (path === "/") setRoot(answer.self);
      setChildren((c) => new Map(c).set(path, answer.entries));
    } catch (e) {
      setTreeError(e);
    } finally {
      setLoading((l) => {
        const n = new Set(l);
        n.delete(path);
        return n;
      });
    }
  }, []);

  // Every expanded directory, again whenever the revision changes (an edit on disk) or a credential is given.
  const expandedRef = useRef(expanded);
  expandedRef.current = expanded;
  useEffect(() => {
    if (revision === "") return;
    for (const path of expandedRef.current) void loadDir(path);
  }, [revision, generation, loadDir]);

  const toggle = useCallback(
    (path: string, open?: boolean) => {
      setExpanded((e) => {
        const n = new Set(e);
        const next = open ?? !n.has(path);
        if (next) n.add(path);
        else n.delete(path);
        return n;
      });
      if (open !== false && !children.has(path)) void loadDir(path);
    },
    [children, loadDir],
  );

  // A deep link or a jump to a path: open its ancestors; the matrix needs the path's children.
  useEffect(() => {
    if (revision === "") return;
    const need = ancestry(route.path).slice(0, -1);
    if (route.view === "matrix") need.push(route.path);
    const missing = need.filter((p) => !expandedRef.current.has(p));
    if (missing.length === 0) return;
    setExpanded((e) => new Set([...e, ...missing]));
    for (const p of missing) if (!children.has(p)) void loadDir(p);
  }, [route.path, route.view, revision === ""]);

  // The group view's answers: where the group holds READ and WRITE.
  useEffect(() => {
    let live = true;
    if (route.view !== "group" || route.group === "") {
      setWhere({ group: "", read: null, write: null, error: null });
      return;
    }
    setWhere((w) => (w.group === route.group ? w : { group: route.group, read: null, write: null, error: null }));
    Promise.all([api.where(route.group, "READ"), api.where(route.group, "WRITE")]).then(
      ([read, write]) => live && setWhere({ group: route.group, read, write, error: null }),
      (error: unknown) => live && setWhere({ group: route.group, read: null, write: null, error }),
    );
    return () => {
      live = false;
    };
  }, [route.view, route.group, revision, generation]);

  const entries = useMemo(() => {
    const all = new Map<string, TreeEntry>();
    if (root !== null) all.set("/", root);
    for (const list of children.values()) for (const e of list) all.set(e.path, e);
    return all;
  }, [root, children]);

  const knownGroups = useMemo(() => {
    if (status?.groups !== undefined && status.groups.length > 0) return [...status.groups].sort();
    const set = new Set<string>();
    for (const e of entries.values()) for (const g of [...e.read, ...e.write]) set.add(g);
    return [...set].sort();
  }, [status?.groups, entries]);

  const useCredential = (c: Credential) => {
    setCredential(c);
    setRefused(null);
    setAskCredential(false);
    setGeneration((g) => g + 1);
  };

  const problems = status?.rejected?.problems ?? [];
  const staleLink = route.rev !== "" && revision !== "" && route.rev !== revision;
  const showCredential = refused !== null || askCredential;
  const reason =
    refused === null
      ? "Enter a credential to use for every call from this page."
      : refused.status === 403
        ? `The server refused the credential given (403 ${refused.code}): ${refused.message}. This page needs a credential whose identity holds the admin family's groups or scopes.`
        : `The server refused this page (401 ${refused.code}): ${refused.message}. Its API is protected; enter a credential with the admin family's groups or scopes.`;

  const copyLink = async () => {
    const url = location.origin + location.pathname + location.search + formatRoute({ ...route, rev: revision });
    try {
      await navigator.clipboard.writeText(url);
      setLinkNote("Link copied.");
    } catch {
      setLinkNote(url);
    }
  };

  return (
    <div class="app">
      <header class="top">
        <h1>treerights explorer</h1>
        <nav aria-label="Views" class="tabs">
          {(Object.keys(VIEW_LABELS) as View[]).map((v) => (
            <a key={v} href={formatRoute({ ...route, view: v })} aria-current={route.view === v ? "page" : undefined} class={route.view === v ? "tab on" : "tab"}>
              {VIEW_LABELS[v]}
            </a>
          ))}
        </nav>
        <div class="actions">
          <button type="button" onClick={() => void copyLink()}>Copy link</button>
          <button type="button" onClick={() => setAskCredential(true)}>{hasCredential() ? "Change credential" : "Credential"}</button>
          <span class="hint link-note" aria-live="polite">{linkNote}</span>
        </div>
      </header>

      {showCredential ? <CredentialForm reason={reason} onSubmit={useCredential} {...(refused === null ? { onCancel: () => setAskCredential(false) } : {})} /> : null}

      {staleLink ? (
        <p class="notice" data-testid="stale-link">
          This link was made at revision <code>{shortRev(route.rev)}</code>; the server now answers from <code>{shortRev(revision)}</code>.{" "}
          <a href={formatRoute({ ...route, view: "changes", since: route.rev })}>What changed since</a>
        </p>
      ) : null}

      {problems.length > 0 ? (
        <section class="problems" role="alert" aria-labelledby="problems-heading" data-testid="problems">
          <h2 id="problems-heading">
            The last reload was rejected: still serving <code>{shortRev(revision)}</code>
          </h2>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>
                <button type="button" class="link" onClick={() => navigate({ path: p.file === "" ? "/" : fileDir(p.file), view: "path" })}>
                  <code>
                    {p.file === "" ? "(tree)" : p.file}
                    {p.line > 0 ? `:${p.line}${p.column > 0 ? `:${p.column}` : ""}` : ""}
                  </code>
                </button>{" "}
                {p.message} <span class="muted">({p.code})</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <div class="layout">
        <aside class="tree-panel" aria-labelledby="tree-heading">
          <h2 id="tree-heading">Tree</h2>
          <p class="hint legend">
            <span class="mark mark-file">file</span> rights file <span class="mark mark-cut">cut</span> overrides inheritance <span class="mark mark-pattern">pattern</span> pattern rule
          </p>
          <ErrorNote error={treeError} />
          <Tree
            root={root}
            children={children}
            expanded={expanded}
            loading={loading}
            selected={route.path}
            focused={focused}
            problems={problems}
            highlight={route.view === "group" && where.group !== "" ? where : null}
            onToggle={toggle}
            onSelect={(path) => navigate({ path, ...(route.view === "group" || route.view === "changes" ? { view: "path" as const } : {}) })}
            onFocus={setFocused}
          />
          <CurlBox questions={[questions.tree(route.path)]} />
        </aside>
        <main class="main" id="main">
          {route.view === "path" ? (
            <PathView
              path={route.path}
              entry={entries.get(route.path)}
              groups={route.groups}
              access={route.access}
              knownGroups={knownGroups}
              revision={revision}
              generation={generation}
              onExplain={(groups, access) => navigate({ groups, access })}
            />
          ) : route.view === "group" ? (
            <GroupView
              group={route.group}
              knownGroups={knownGroups}
              read={where.read}
              write={where.write}
              error={where.error}
              onPick={(group) => navigate({ group })}
              onGo={(path) => navigate({ path })}
            />
          ) : route.view === "matrix" ? (
            <MatrixView
              path={route.path}
              children={children.get(route.path)}
              groups={route.groups.length > 0 ? route.groups : knownGroups}
              access={route.access}
              revision={revision}
              generation={generation}
              onAccess={(access) => navigate({ access })}
              onGo={(path) => navigate({ path })}
            />
          ) : (
            <ChangesView
              status={status}
              since={route.since}
              from={route.from}
              to={route.to}
              revision={revision}
              generation={generation}
              onDiff={(from, to) => navigate({ from, to })}
              onSince={(since) => navigate({ since })}
              onGo={(path) => navigate({ path, view: "path" })}
            />
          )}
        </main>
      </div>

      <footer class="statusbar" aria-label="Status">
        <span>
          revision <code data-testid="revision">{shortRev(revision)}</code>
        </span>
        <span>
          commit <code data-testid="commit">{shortRev(status?.commit, 10)}</code>
        </span>
        <span data-testid="reload-state" class={problems.length > 0 ? "state-bad" : "state-ok"}>
          {status === null ? "connecting…" : problems.length > 0 ? `reload rejected (${problems.length} ${problems.length === 1 ? "problem" : "problems"})` : `loaded ${new Date(status.loadedAt).toLocaleTimeString()}`}
          {status?.watch !== undefined ? ` · ${status.watch.state}` : ""}
        </span>
        <span class="last-error" aria-live="polite" data-testid="last-error">
          {lastError === null ? "no error" : `last error ${lastError.at.toLocaleTimeString()}: ${lastError.error.status === 0 ? "" : `${lastError.error.status} `}${lastError.error.code}`}
        </span>
      </footer>
    </div>
  );
}

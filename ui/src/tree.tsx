/**
 * The rights tree: an ARIA tree (arrow keys, Home/End, Enter; one tab stop),
 * each directory with its effective READ and WRITE groups, marks for a rights
 * file, an inheritance cut, a pattern rule and a problem of a rejected
 * reload; in the group view, where the group holds READ / WRITE.
 */
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Problem, TreeEntry, WhereAnswer } from "./types.js";
import { covered, fileDir } from "./paths.js";

export interface TreeProps {
  readonly root: TreeEntry | null;
  /** Loaded children by directory. */
  readonly children: ReadonlyMap<string, readonly TreeEntry[]>;
  readonly expanded: ReadonlySet<string>;
  readonly loading: ReadonlySet<string>;
  readonly selected: string;
  readonly focused: string;
  readonly problems: readonly Problem[];
  /** The group view's answers, when it is on screen. */
  readonly highlight: { readonly group: string; readonly read: WhereAnswer | null; readonly write: WhereAnswer | null } | null;
  readonly onToggle: (path: string, open?: boolean) => void;
  readonly onSelect: (path: string) => void;
  readonly onFocus: (path: string) => void;
}

interface Row {
  readonly entry: TreeEntry;
  readonly level: number;
  readonly parent: string | null;
}

function visibleRows(props: TreeProps): Row[] {
  const rows: Row[] = [];
  if (props.root === null) return rows;
  const walk = (entry: TreeEntry, level: number, parent: string | null) => {
    rows.push({ entry, level, parent });
    if (!props.expanded.has(entry.path)) return;
    for (const child of props.children.get(entry.path) ?? []) walk(child, level + 1, entry.path);
  };
  walk(props.root, 1, null);
  return rows;
}

export function Tree(props: TreeProps) {
  const rows = visibleRows(props);
  const ref = useRef<HTMLUListElement>(null);
  const focusedPath = rows.some((r) => r.entry.path === props.focused) ? props.focused : (rows[0]?.entry.path ?? "/");
  const hasFocus = useRef(false);

  useLayoutEffect(() => {
    if (!hasFocus.current) return;
    const el = ref.current?.querySelector<HTMLElement>(`[data-path="${CSS.escape(focusedPath)}"]`);
    el?.focus();
  }, [focusedPath]);

  const problemDirs = new Map<string, Problem[]>();
  for (const p of props.problems) {
    const dir = p.file === "" ? "/" : fileDir(p.file);
    problemDirs.set(dir, [...(problemDirs.get(dir) ?? []), p]);
  }

  const onKeyDown = (event: KeyboardEvent) => {
    const i = rows.findIndex((r) => r.entry.path === focusedPath);
    const row = rows[i];
    if (row === undefined) return;
    const move = (to: number) => {
      const target = rows[Math.max(0, Math.min(rows.length - 1, to))];
      if (target !== undefined) props.onFocus(target.entry.path);
    };
    switch (event.key) {
      case "ArrowDown":
        move(i + 1);
        break;
      case "ArrowUp":
        move(i - 1);
        break;
      case "Home":
        move(0);
        break;
      case "End":
        move(rows.length - 1);
        break;
      case "ArrowRight":
        if (!row.entry.hasChildren) break;
        if (!props.expanded.has(row.entry.path)) props.onToggle(row.entry.path, true);
        else move(i + 1);
        break;
      case "ArrowLeft":
        if (row.entry.hasChildren && props.expanded.has(row.entry.path)) props.onToggle(row.entry.path, false);
        else if (row.parent !== null) props.onFocus(row.parent);
        break;
      case "Enter":
      case " ":
        props.onSelect(row.entry.path);
        if (event.key === "Enter" && row.entry.hasChildren && !props.expanded.has(row.entry.path)) props.onToggle(row.entry.path, true);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  if (props.root === null) return <p class="muted">Loading the tree…</p>;
  const hl = props.highlight;
  return (
    <ul
      ref={ref}
      role="tree"
      aria-label="Rights tree"
      class="tree"
      onKeyDown={onKeyDown}
      onFocusIn={() => (hasFocus.current = true)}
      onFocusOut={() => (hasFocus.current = false)}
    >
      {rows.map(({ entry, level }) => {
        const path = entry.path;
        const open = props.expanded.has(path);
        const problems = problemDirs.get(path) ?? [];
        const holdsRead = hl?.read !== null && hl?.read !== undefined && covered(hl.read.regions, path);
        const holdsWrite = hl?.write !== null && hl?.write !== undefined && covered(hl.write.regions, path);
        const classes = ["tree-row"];
        if (path === props.selected) classes.push("selected");
        if (hl !== null) classes.push(holdsWrite ? "holds-write" : holdsRead ? "holds-read" : "holds-none");
        if (problems.length > 0) classes.push("has-problem");
        return (
          <li
            key={path}
            role="treeitem"
            aria-level={level}
            aria-expanded={entry.hasChildren ? open : undefined}
            aria-selected={path === props.selected}
            aria-busy={props.loading.has(path) ? true : undefined}
            tabIndex={path === focusedPath ? 0 : -1}
            data-path={path}
            class={classes.join(" ")}
            onClick={(event) => {
              props.onFocus(path);
              props.onSelect(path);
              const toggle = (event.target as HTMLElement).closest(".twisty") !== null;
              if (entry.hasChildren && (toggle || !open)) props.onToggle(path, toggle ? !open : true);
            }}
          >
            <span class={`indent indent-${Math.min(level, 12)}`} aria-hidden="true" />
            <span class="twisty" aria-hidden="true">{entry.hasChildren ? (open ? "▾" : "▸") : "·"}</span>
            <span class="name">
              {entry.name === "" ? "/" : entry.name}
              {hl !== null ? <span class="sr-only">{holdsWrite ? `, ${hl.group} holds WRITE` : holdsRead ? `, ${hl.group} holds READ` : `, ${hl.group} holds nothing`}</span> : null}
              {problems.length > 0 ? <span class="sr-only">, {problems.length === 1 ? "1 problem" : `${problems.length} problems`}</span> : null}
            </span>
            {hl !== null ? <span class="hold-mark" aria-hidden="true">{holdsWrite ? "RW" : holdsRead ? "R" : "–"}</span> : null}
            <span class="marks">
              {entry.file !== null ? <span class="mark mark-file" title={`rights file ${entry.file}`}>file</span> : null}
              {entry.cut.READ ? <span class="mark mark-cut" title="READ: this file overrides what is inherited">cut R</span> : null}
              {entry.cut.WRITE ? <span class="mark mark-cut" title="WRITE: this file overrides what is inherited">cut W</span> : null}
              {entry.patterns ? <span class="mark mark-pattern" title="this directory's rights file has pattern rules for paths below it">pattern</span> : null}
              {problems.length > 0 ? <span class="mark mark-problem" title={problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join("\n")}>problem</span> : null}
            </span>
            <span class="levels">
              <span class="level"><abbr title="READ">R</abbr> {entry.read.join(", ") || "—"}</span>
              <span class="level"><abbr title="WRITE">W</abbr> {entry.write.join(", ") || "—"}</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}

#!/usr/bin/env bash
# The package as a consumer gets it: `npm pack`, the tarball's file list,
# then an install of the tarball into a fresh project (no build may run
# there), the library's entry points, and the `treerights` command from
# `npx` and from a global install. `npm run check:package`; `.ci/run` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "npm pack (prepack builds dist/)"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"

# What ships: dist without tests or maps, the schemas, README, LICENSE, CHANGELOG, package.json.
files=$(tar -tzf "$tarball" | sed 's|^package/||' | sort)
for needed in package.json README.md LICENSE CHANGELOG.md dist/index.js dist/index.d.ts dist/engine/index.js \
  dist/server/index.js dist/cli/main.js dist/loader/watch/watch-worker.js dist/ui/index.html schemas/access-rights.schema.json schemas/treerights.schema.json \
  schemas/server-config.schema.json schemas/api-keys.schema.json schemas/users.schema.json; do
  grep -qx "$needed" <<<"$files" || { echo "the tarball lacks $needed" >&2; exit 1; }
done
unexpected=$(grep -Ev '^(package\.json|README\.md|LICENSE|CHANGELOG\.md|schemas/[^/]+\.schema\.json|dist/.+\.(js|d\.ts)|dist/ui/index\.html|dist/ui/assets/[^/]+\.(js|css))$' <<<"$files" || true)
[ -z "$unexpected" ] || { printf 'the tarball holds files it should not:\n%s\n' "$unexpected" >&2; exit 1; }
if grep -q '\.test\.' <<<"$files"; then echo "the tarball holds tests" >&2; exit 1; fi
echo "tarball: $(wc -l <<<"$files") files, $(du -k "$tarball" | cut -f1) KiB"

echo "npm install <tarball> into a fresh project"
app="$work/app"
mkdir -p "$app/tree"
cd "$app"
printf '{ "name": "consumer", "version": "1.0.0", "private": true, "type": "module" }\n' > package.json
npm install --no-audit --no-fund --prefer-offline --foreground-scripts "$tarball" > install.log 2>&1 || { cat install.log >&2; exit 1; }
# The package has no install scripts; a build here would mean it did.
if grep -Eq 'tsc|> treerights@' install.log; then cat install.log >&2; echo "installing the tarball ran a build" >&2; exit 1; fi

printf 'READ: { include: [ops] }\n' > tree/access.rights
cat > probe.mjs <<'JS'
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { openTree, loadTree } from "treerights";
import { compile } from "treerights/engine";
import { buildServer } from "treerights/server";

const index = await loadTree("tree");
assert.equal(index.check(["ops"], "READ", "/a/b"), true);
assert.equal(compile([{ dir: "", WRITE: { include: ["eng"] } }]).check(["eng"], "WRITE", "/x"), true);
const tree = await openTree("tree", { watch: false });
const app = await buildServer(tree, { logger: false });
const res = await app.inject({ method: "POST", url: "/v1/check", payload: { groups: ["ops"], access: "READ", path: "/a" } });
assert.equal(res.json().allowed, true);
await app.close();
await tree.close();
const schema = createRequire(import.meta.url).resolve("treerights/schemas/access-rights.schema.json");
assert.equal(JSON.parse(readFileSync(schema, "utf8")).title, "treerights access.rights file");
console.log("import { openTree } from \"treerights\": ok (engine, server and schema entries too)");
JS
node probe.mjs

npx --no-install treerights --help | grep -q '^Usage: treerights' || { echo "npx treerights --help failed" >&2; exit 1; }
npx --no-install treerights lint tree
echo "npx treerights --help: ok"

echo "npm install -g <tarball> (into a temporary prefix)"
npm install -g --prefix "$work/global" --no-audit --no-fund --prefer-offline "$tarball" > /dev/null 2>&1
"$work/global/bin/treerights" --help | grep -q '^Usage: treerights'
echo "treerights command from a global install: ok"

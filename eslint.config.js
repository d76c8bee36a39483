// @ts-check
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bench/.out/**", "examples/**", "eslint.config.js"] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      // Template literals with numbers are how messages and metrics are built; they are safe.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // Unused args are part of callback signatures (fastify hooks, chokidar listeners).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  // Plain ES modules (the watch thread's source-mode entry) are outside the TypeScript project.
  { files: ["**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  {
    // The engine is pure: no I/O, no runtime dependencies (STYLE.md "a pure core").
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [
          { group: ["node:*", "fs", "path", "os", "crypto", "child_process"], message: "src/engine is pure: no I/O" },
          { group: ["yaml", "ajv", "ajv/*", "chokidar", "fastify", "jose", "micromatch", "commander", "prom-client"], message: "src/engine has no runtime dependencies" },
          { group: ["**/loader/**", "**/server/**", "**/cli/**"], message: "dependencies point cli → server → loader → engine" },
        ],
      }],
    },
  },
  {
    files: ["src/loader/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/server/**", "**/cli/**", "fastify"], message: "dependencies point cli → server → loader → engine" }] }],
    },
  },
  {
    files: ["src/server/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/cli/**", "commander"], message: "dependencies point cli → server → loader → engine" }] }],
    },
  },
  {
    // The explorer page (ui/, browser code with Preact): event handlers are arrow shorthands that set state.
    files: ["ui/**/*.ts", "ui/**/*.tsx"],
    rules: {
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "src/**/*.test.ts"],
    rules: {
      // Tests assert on parsed JSON and fixtures whose shape the assertion itself checks.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // vitest's asymmetric matchers (expect.objectContaining, ...) are typed `any`.
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);

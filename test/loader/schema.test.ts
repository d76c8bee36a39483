import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA_URL } from "../../src/loader/parse/config.js";
import { SCHEMA_URL } from "../../src/loader/parse/schema.js";

interface Described {
  readonly title?: string;
  readonly description?: string;
}

const schema = JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as Described & {
  $schema: string;
  $id: string;
  properties: Record<string, Described>;
  definitions: Record<string, Described>;
};

describe("schemas/access-rights.schema.json", () => {
  it("is a draft-07 schema with an $id that compiles under ajv strict mode", () => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.$id).toMatch(/access-rights\.schema\.json$/);
    expect(() => new Ajv({ allErrors: true, strict: true }).compile(schema)).not.toThrow();
  });

  it("gives the file, each property and each definition a title and description", () => {
    const described = [schema, ...Object.values(schema.properties), ...Object.values(schema.definitions)];
    for (const part of described) {
      expect(part.title).toBeTruthy();
      expect(part.description).toBeTruthy();
    }
  });

  it("accepts the documented format and rejects what SPEC 1.1 rejects", () => {
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    const good = [
      {}, { READ: { include: ["operators"], exclude: "contractors" }, WRITE: { override: [] } },
      { WRITE: { override: "/ops/shift-a" } }, { READ: { include: ["a b"] } },
      { patterns: [] }, { patterns: [{ match: "**/*.script", WRITE: { override: ["script-admins"] } }, { match: "reports/**", READ: { include: "auditors" } }] },
      { patterns: [{ match: "x" }] },
    ];
    const bad = [
      [], "x", { Write: {} }, { READ: {} }, { READ: null }, { READ: { override: ["a"], include: ["b"] } },
      { READ: { include: [1] } }, { READ: { include: [""] } }, { READ: { include: " a" } }, { READ: { include: ["a\n"] } },
      { READ: { include: { a: 1 } } }, { READ: { Include: ["a"] } }, { patterns: {} }, { patterns: ["x"] },
      { patterns: [{ READ: { include: ["a"] } }] }, { patterns: [{ match: "" }] }, { patterns: [{ match: 1 }] },
      { patterns: [{ match: "x", Write: { include: ["a"] } }] }, { patterns: [{ match: "x", READ: {} }] },
      { patterns: [{ match: "x", READ: { override: ["a"], exclude: ["b"] } }] }, { match: "x" },
    ];
    for (const value of good) expect(validate(value), JSON.stringify(value)).toBe(true);
    for (const value of bad) expect(validate(value), JSON.stringify(value)).toBe(false);
  });
});

const configSchema = JSON.parse(readFileSync(CONFIG_SCHEMA_URL, "utf8")) as Described & {
  $schema: string;
  $id: string;
  properties: Record<string, Described>;
  definitions: Record<string, Described>;
};

describe("schemas/treerights.schema.json", () => {
  it("is a described draft-07 schema that compiles under ajv strict mode", () => {
    expect(configSchema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(configSchema.$id).toMatch(/treerights\.schema\.json$/);
    expect(() => new Ajv({ allErrors: true, strict: true }).compile(configSchema)).not.toThrow();
    for (const part of [configSchema, ...Object.values(configSchema.properties), ...Object.values(configSchema.definitions)]) {
      expect(part.title).toBeTruthy();
      expect(part.description).toBeTruthy();
    }
  });

  it("accepts groups, exclusive sets and ignore globs, and rejects anything else", () => {
    const validate = new Ajv({ allErrors: true, strict: true }).compile(configSchema);
    const good = [{}, { groups: [] }, { groups: ["ops", "/ops/a"], exclusive: [["a", "b"], ["c", "d", "e"]], ignore: ["archive/**"] }];
    const bad = [
      [], "x", { group: [] }, { groups: "ops" }, { groups: [1] }, { groups: [" a"] }, { exclusive: [["a"]] },
      { exclusive: [["a", "a"]] }, { exclusive: ["a", "b"] }, { ignore: "x" }, { ignore: [""] }, { ignore: [1] },
    ];
    for (const value of good) expect(validate(value), JSON.stringify(value)).toBe(true);
    for (const value of bad) expect(validate(value), JSON.stringify(value)).toBe(false);
  });
});

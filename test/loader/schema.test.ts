import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { SCHEMA_URL } from "../../src/loader/schema.js";

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
    ];
    const bad = [
      [], "x", { Write: {} }, { READ: {} }, { READ: null }, { READ: { override: ["a"], include: ["b"] } },
      { READ: { include: [1] } }, { READ: { include: [""] } }, { READ: { include: " a" } }, { READ: { include: ["a\n"] } },
      { READ: { include: { a: 1 } } }, { READ: { Include: ["a"] } }, { patterns: [] },
    ];
    for (const value of good) expect(validate(value), JSON.stringify(value)).toBe(true);
    for (const value of bad) expect(validate(value), JSON.stringify(value)).toBe(false);
  });
});

/**
 * The OpenAPI document of the service, generated from the routes' own
 * schemas by `@fastify/swagger` and served at `GET /openapi.json`;
 * `docs/openapi.json` is the same document, committed (`npm run openapi`).
 */
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { VERSION } from "./version.js";

/** Where the document is served. */
export const OPENAPI_URL = "/openapi.json";

const DESCRIPTION = [
  "May a holder of these groups READ or WRITE this path? Answers from a tree of `access.rights` files.",
  "Every decision answer carries the `revision` of the index that decided (and its git `commit` when there is one).",
  "Errors are `{\"error\":{\"code\":\"…\",\"message\":\"…\"}}`; the codes are listed in docs/errors.md.",
  "The service has no authentication yet and its answers reveal the whole rights map: keep it on loopback or behind an authenticating proxy.",
].join("\n\n");

/**
 * Registers the document's generator and `GET /openapi.json` on `app`; call
 * it before any route. It adds an `onRoute` hook (run once per route, at
 * registration) and no request hook, so the decision routes cost what they did.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      // 3.1: its schemas are JSON Schema, so the routes' `if`/`then`/`else`, type lists and `false` schemas pass unchanged.
      openapi: "3.1.0",
      info: { title: "treerights", version: VERSION, description: DESCRIPTION, license: { name: "MIT", identifier: "MIT" } },
    },
  });
  app.get(OPENAPI_URL, {
    schema: { summary: "This document", description: "The OpenAPI 3.1 document of every route, generated from the routes' schemas." },
  }, (_request, reply) => reply.send(app.swagger()));
}

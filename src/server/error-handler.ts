/**
 * Every failure becomes `{"error":{"code","message"}}`: caller mistakes are
 * 4xx with a stable code, anything else a logged 500 that reveals nothing.
 */
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TreeRightsError } from "../engine/index.js";
import { ApiError, quote } from "./api-error.js";
import type { ApiErrorCode } from "./api-error.js";

// Fastify's own errors that a caller provokes.
const FASTIFY_CODES: Readonly<Record<string, readonly [number, ApiErrorCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, "body_too_large", "body is larger than the server accepts"],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "unsupported_media_type", "body must be sent as `application/json`"],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "bad_request", "`content-length` does not match the body"],
  FST_ERR_BAD_URL: [400, "invalid_url", "the request URL is not validly encoded"],
};

// Engine codes a caller's input can trigger; other engine errors are faults. Groups
// never reach the engine unchecked (the schemas refuse them as `invalid_body` or
// `invalid_query`), so the engine's `invalid_groups` would be a fault here.
const ENGINE_CODES: ReadonlySet<string> = new Set(["invalid_path", "invalid_access"]);

/** True for an engine error caused by the caller's input (a bad path or access). */
export function isCallerError(error: unknown): error is TreeRightsError & { code: ApiErrorCode } {
  return error instanceof TreeRightsError && ENGINE_CODES.has(error.code);
}

/** Turns any thrown value into the `ApiError` to answer with; unknown faults become `internal_error`. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isCallerError(error)) return new ApiError(400, error.code, error.message);
  if (error instanceof TreeRightsError) {
    if (error.code === "not_ready") return new ApiError(503, "not_ready", "no rights index is loaded");
    return internal();
  }
  if (isFastifyError(error)) {
    const known = FASTIFY_CODES[error.code];
    if (known !== undefined) return new ApiError(known[0], known[1], known[2]);
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return new ApiError(status, "bad_request", firstLine(error.message));
    }
  }
  return internal();
}

/** Fastify's error handler, and its `frameworkErrors` handler. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const apiError = isAuthzUrl(request.url) && isFastifyError(error) && error.code === "FST_ERR_BAD_URL"
    // `/v1/authz` answers only 200, 401 and 403 (SPEC 5): a URL it cannot decode is a refused URI.
    ? new ApiError(403, "uri_refused", "the URI has a malformed `%` escape")
    : toApiError(error);
  if (apiError.statusCode >= 500) {
    // `request.log` is the server's logger (no child per request), so the request id goes in here.
    request.log.error({ reqId: request.id, err: error, method: request.method, url: request.url }, "request failed");
  }
  void reply.code(apiError.statusCode).send(apiError.toBody());
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refused
 * (a raw non-ASCII byte or a control character in the URL or a header, a
 * header section too large, a request not received in time) gets the same
 * `{"error":{…}}` body as every other error, then the connection closes,
 * as Node and fastify do.
 */
export function handleClientError(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const apiError = clientError(error.code);
  // Only the code: the error carries the raw bytes received (`rawPacket`), credentials included.
  this.log.trace({ code: error.code }, "client error");
  if (socket.writable) {
    const body = JSON.stringify(apiError.toBody());
    socket.write(
      `HTTP/1.1 ${apiError.statusCode} ${STATUS_CODES[apiError.statusCode] ?? ""}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function clientError(code: string | undefined): ApiError {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return new ApiError(408, "request_timeout", "the request was not received in time");
  if (code === "HPE_HEADER_OVERFLOW") return new ApiError(431, "headers_too_large", "the request's headers are larger than the server accepts");
  return new ApiError(400, "bad_request", "the request is not valid HTTP: percent-encode any byte outside printable ASCII in the URL, and send no control character in the URL or a header");
}

/**
 * The not-found handler: 405 with `Allow` when the path exists for other
 * methods, else 404. `routes` maps each registered URL to its methods.
 */
export function createNotFoundHandler(routes: ReadonlyMap<string, ReadonlySet<string>>) {
  return (request: FastifyRequest, reply: FastifyReply): void => {
    const url = request.url;
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const methods = routes.get(path);
    const apiError = methods === undefined
      ? new ApiError(404, "not_found", `no route for ${request.method} ${quote(path)}`)
      : new ApiError(405, "method_not_allowed", `${quote(path)} accepts ${[...methods].join(", ")}, not ${request.method}`);
    if (methods !== undefined) void reply.header("allow", [...methods].join(", "));
    void reply.code(apiError.statusCode).send(apiError.toBody());
  };
}

// Only for choosing the status of an error fastify raised before routing; never for protection.
function isAuthzUrl(url: string): boolean {
  return url === "/v1/authz" || url.startsWith("/v1/authz/") || url.startsWith("/v1/authz?");
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as Partial<FastifyError>).code === "string";
}

function internal(): ApiError {
  return new ApiError(500, "internal_error", "internal server error; the server log has details");
}

function firstLine(message: string): string {
  const line = message.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

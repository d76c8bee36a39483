/** `ApiError`: an error with an HTTP status and a stable snake_case code, sent as `{"error":{…}}`. */

/** Every code an HTTP error body may carry, with a one-line meaning. */
export const API_ERROR_CODES = Object.freeze({
  invalid_body: "the JSON body does not match the endpoint's schema",
  invalid_query: "the query string does not match the endpoint's schema",
  invalid_json: "the body is not parseable JSON",
  invalid_path: "a path has a `..` segment, a control character, or is over 4096 bytes",
  invalid_access: "an access level is not `READ` or `WRITE`",
  invalid_url: "the request URL is malformed",
  batch_too_large: "a batch has more checks than the server accepts",
  body_too_large: "the body is larger than the server accepts",
  unsupported_media_type: "the body is not `application/json`",
  bad_request: "the request is malformed in another way",
  headers_too_large: "the request's headers are larger than the server accepts",
  request_timeout: "the request was not received in time",
  not_found: "no such route",
  method_not_allowed: "the route exists, but not for this method",
  revision_gone: "`GET /v1/changes` was asked for changes since a revision that is too old or was never served",
  no_rights_file: "`GET /v1/file`: the directory has no `access.rights` (in the work tree, or at the served commit) (404)",
  rights_file_unreadable: "`GET /v1/file`: the directory's `access.rights` is not a regular file (a symbolic link, a directory, over 1 MiB); it is never read (409)",
  unknown_revision: "`GET /v1/diff`: `from` or `to` names no commit of the repository holding the tree (400)",
  not_in_git: "`GET /v1/diff`: the served tree is not in a git repository, or no commit is served and `to` was not given (409)",
  revision_invalid: "`GET /v1/diff`: the rights tree at one of the revisions does not load (422)",
  not_ready: "no rights index is serving (starting or shutting down)",
  metrics_unavailable: "the metrics of every cluster worker could not be gathered in time",
  credential_required: "the route needs a credential and the request carried none (401)",
  credential_invalid: "a credential was presented but no realm verified it: malformed, unknown, a bad signature, a wrong issuer or audience (401)",
  credential_expired: "the token or API key is past its expiry (401)",
  credential_revoked: "the API key was revoked, or a token issued for it no longer stands (401)",
  credential_disabled: "the user is disabled in the users file (401)",
  credentials_unavailable: "the realm that would verify the credential cannot now: its file does not load, or its keys are too stale (401)",
  too_many_failures: "too many failed password checks for this user or address; retry after `Retry-After` seconds (429)",
  forbidden: "the caller is authenticated but holds none of the groups or scopes this route family needs (403)",
  exclusive_groups: "the caller holds two groups that `treerights.yaml` declares exclusive, after `implies` (403)",
  tokens_not_configured: "`POST /v1/token` needs `tokens` in the server config (404)",
  access_denied: "`/v1/authz`: the rights tree does not let the caller do this method on this URL (403)",
  uri_refused: "`/v1/authz`: the original method or URI is missing, sent twice, or could be read two ways (403)",
  no_route: "`/v1/authz`: no ingress route maps the URL to the tree (403)",
  ingress_not_configured: "`/v1/authz` on a server whose config has no `ingress` (403)",
  internal_error: "an unexpected server fault; details are in the server log",
} as const);

/** A code from `API_ERROR_CODES`. */
export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string };
}

/** An error the server answers with as is: status, code and a one-line message. */
export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: ApiErrorCode;

  constructor(statusCode: number, code: ApiErrorCode, message: string) {
    super(message);
    this.name = "ApiError";
    this.statusCode = statusCode;
    this.code = code;
  }

  /** The body to send. */
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Shows caller input inside a message: escaped, without raw control characters, cut when long. */
export function quote(input: string, max = 80): string {
  const shown = input.length > max ? `${input.slice(0, max - 3)}...` : input;
  return `\`${JSON.stringify(shown).slice(1, -1).replace(/`/g, "\\`")}\``;
}

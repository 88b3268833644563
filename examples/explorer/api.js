// The explorer's whole view of the claimbase API: JSON GETs, problems as errors, and the
// server's optional features read from its OpenAPI document. Copy it along with the page.

// Where the API lives: the page's <meta name="claimbase-api">, resolved against the page URL.
export function apiBase() {
  const meta = document.querySelector('meta[name="claimbase-api"]');
  return new URL(meta?.content || "/v1/", window.location.href);
}

export function apiUrl(path, params = {}) {
  const url = new URL(path, apiBase());
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") {
      url.searchParams.set(name, String(value));
    }
  }
  return url;
}

// An RFC 9457 problem answered by the API (or a stand-in when the answer was not one).
export class ApiProblem extends Error {
  constructor(status, body) {
    const problem = body && typeof body === "object" ? body : {};
    super(problem.detail || `The API answered ${status}.`);
    this.status = status;
    this.title = problem.title || "Request failed";
    this.type = problem.type || "about:blank";
  }
}

export async function getJson(path, params = {}) {
  const response = await fetch(apiUrl(path, params), { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiProblem(response.status, body);
  }
  return body;
}

function parameterNames(document, operationId) {
  for (const pathItem of Object.values(document.paths || {})) {
    for (const operation of Object.values(pathItem)) {
      if (operation && operation.operationId === operationId) {
        return new Set((operation.parameters || []).map((parameter) => parameter.name));
      }
    }
  }
  return new Set();
}

// The API refuses unknown parameters (400), so the page asks the OpenAPI document which
// optional features this server has instead of trying them: `facets` on the claim list
// (else the sidebar lists topics), and `format` (the CSV export link).
export async function serverFeatures() {
  const document = await getJson("openapi.json");
  const names = parameterNames(document, "list_claims");
  return { facets: names.has("facets"), formats: names.has("format") };
}

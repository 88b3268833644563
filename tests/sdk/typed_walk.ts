// A client typed by openapi-typescript (schema.d.ts, generated at its defaults from the served
// OpenAPI) and called through openapi-fetch, compiled by tsc --strict with no casts, then run
// by node against a live server (argv[2]) by tests/sdk/test_typed_clients.py. It walks a
// filtered list to its end and reads a typed problem; it prints one JSON line of what it saw.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema";

type ClaimPage = components["schemas"]["ClaimPage"];
type ClaimRead = components["schemas"]["ClaimRead"];
type ClaimSparseRead = components["schemas"]["ClaimSparseRead"];
type Problem = components["schemas"]["Problem"];

const [baseUrl] = process.argv.slice(2);
// The media types this client reads: a list or record is also declared as a sparse document
// (`fields=`, application/vnd.claimbase.sparse+json), which a request without `fields` is
// never answered in; naming JSON and problems keeps `data` the full page, every field required.
const client = createClient<paths, "application/json" | "application/problem+json">({ baseUrl });

async function page(cursor: string | null): Promise<ClaimPage> {
  const { data, error } = await client.GET("/v1/claims", {
    // Optional parameters are omitted, never null: a null cursor is left out.
    params: { query: { kind: "direct_quote", limit: 4, cursor: cursor ?? undefined } },
  });
  if (data === undefined) throw new Error(JSON.stringify(error));
  // `data` is the page, not a union with CSV, JSON-LD or a sparse page: a ClaimPage as it is.
  return data;
}

async function walk(): Promise<string[]> {
  const seen: ClaimRead[] = [];
  let cursor: string | null = null;
  do {
    const next: ClaimPage = await page(cursor);
    seen.push(...next.data);
    cursor = next.next_cursor;
  } while (cursor !== null);
  return seen.map((claim) => `${claim.id}:${claim.kind}`);
}

async function problem(): Promise<Problem> {
  const { data, error } = await client.GET("/v1/claims/{claim_id}", {
    params: { path: { claim_id: "no-such-claim" } },
  });
  if (data !== undefined) throw new Error("a missing claim was found");
  return error;
}

// A sparse record (`fields=`), read as the sparse type: `id` required, every other member
// optional.
const sparseClient = createClient<paths, "application/vnd.claimbase.sparse+json">({ baseUrl });

async function sparse(): Promise<ClaimSparseRead> {
  const { data } = await sparseClient.GET("/v1/claims/{claim_id}", {
    params: { path: { claim_id: "nqpf-21" }, query: { fields: "kind" } },
  });
  if (data === undefined) throw new Error("no sparse claim");
  return data;
}

async function main(): Promise<void> {
  const claims = await walk();
  const missing = await problem();
  const thin = await sparse();
  const kind: string = thin.kind ?? "absent";
  console.log(
    JSON.stringify({
      claims,
      problem: { status: missing.status, type: missing.type },
      sparse: { id: thin.id, kind, members: Object.keys(thin).sort() },
    }),
  );
}

main().catch((failure: unknown) => {
  console.error(failure);
  process.exit(1);
});

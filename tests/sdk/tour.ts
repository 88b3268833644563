// The tour a new user of the TypeScript SDK takes, run by tests/sdk/test_typescript_sdk.py:
// it is compiled by tsc (strict) next to a client that @hey-api/openapi-ts generated from the
// served OpenAPI, then run by node against a live server whose base URL is argv[2]. The write
// step corrects a figure on another server of its own (argv[3]) with a write key (argv[4]).
// Each step prints "ok <step>"; the first failure prints "not ok <step>: <why>" and exits 1.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";

import { createClient, createConfig } from "./client/client";
import { client } from "./client/client.gen";
import {
  createIndicator,
  getClaim,
  getStatistic,
  listClaimReviews,
  listClaims,
  listStatistics,
  updateStatistic,
} from "./client/sdk.gen";
import type {
  ClaimPage, ClaimRead, IndicatorCreate, Problem, ReviewRead, StatisticPatch,
} from "./client/types.gen";

const [baseUrl, writableUrl, writeKey] = process.argv.slice(2);
client.setConfig({ baseUrl });
const writable = createClient(createConfig({ baseUrl: writableUrl }));
const WRITE_TARGET = "chn-monthly-wafer-capacity";

async function raw(path: string): Promise<any> {
  // The same request without the SDK: what the SDK must agree with.
  const response = await fetch(baseUrl + path);
  strictEqual(response.status, 200, path);
  return response.json();
}

function idsOf(records: ReadonlyArray<{ id: string }>): string[] {
  return records.map((record) => record.id);
}

async function claimPage(cursor: string | null): Promise<ClaimPage> {
  // Optional parameters are omitted, never null: a null cursor is left out of the query.
  const query = { limit: 7, sort: "-id", cursor: cursor ?? undefined };
  const { data, error } = await listClaims({ query });
  ok(data !== undefined, JSON.stringify(error));
  return data;
}

const STEPS: Record<string, () => Promise<void>> = {
  "list claims with filters": async () => {
    const { data, error } = await listClaims({
      query: { topic: "semiconductors", kind: "direct_quote,paraphrase", limit: 500 },
    });
    strictEqual(error, undefined);
    ok(data !== undefined && data.data.length > 0, "the seed has semiconductor quotes");
    const expected = await raw("/v1/claims?topic=semiconductors&kind=direct_quote,paraphrase");
    deepStrictEqual(idsOf(data.data), idsOf(expected.data));
    for (const claim of data.data) {
      ok(claim.topics.includes("semiconductors"));
      ok(["direct_quote", "paraphrase"].includes(claim.kind));
    }
  },

  "follow cursors to the end": async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const data = await claimPage(cursor);
      seen.push(...idsOf(data.data));
      cursor = data.next_cursor;
      if (cursor === null) break;
    }
    strictEqual(cursor, null, "pagination did not end");
    const everything = await raw("/v1/claims?limit=500&sort=-id");
    deepStrictEqual(seen, idsOf(everything.data));
    ok(seen.length > 7, "the tour must actually follow a cursor");
  },

  "get one claim with its figures": async () => {
    const { data, error } = await getClaim({
      path: { claim_id: "nqpf-21" },
      query: { include: "statistics,speaker,source,source.text" },
    });
    strictEqual(error, undefined);
    const claim: ClaimRead | undefined = data;
    ok(claim?.source && claim.speaker && claim.statistics);
    deepStrictEqual(
      claim,
      await raw("/v1/claims/nqpf-21?include=statistics,speaker,source,source.text"),
    );
    // Where it stands in the article, and how to cite it.
    strictEqual(claim.section, "Increasing technological self-reliance");
    strictEqual(claim.paragraph, 11);
    ok(claim.citation.startsWith("Michael Dunford, quoted in Bai Le,"));
    // An embedded source carries its text only when asked (`source.text`).
    const sourceText = claim.source.text;
    ok(sourceText);
    // Spans count Unicode code points, not UTF-16 units: index an array of code points.
    const text = Array.from(sourceText);
    strictEqual(text.slice(claim.span.start, claim.span.end).join(""), claim.text);
    ok(claim.statistics.length > 0);
    ok(claim.statistics.every((figure) => figure.claim_id === "nqpf-21"));
  },

  "missing claim is a typed problem": async () => {
    const { data, error, response } = await getClaim({ path: { claim_id: "no-such-claim" } });
    strictEqual(data, undefined);
    strictEqual(response.status, 404);
    strictEqual(response.headers.get("content-type"), "application/problem+json");
    const problem: Problem | undefined = error;
    ok(problem !== undefined);
    strictEqual(problem.type, "/problems/not-found");
    strictEqual(problem.status, 404);
    ok(problem.detail.includes("no-such-claim"));
  },

  "bad parameter is a typed problem": async () => {
    const { error, response } = await listStatistics({ query: { sort: "-nonsense" } });
    strictEqual(response.status, 400);
    const problem: Problem | undefined = error;
    ok(problem !== undefined);
    strictEqual(problem.type, "/problems/invalid-parameter");
    deepStrictEqual(problem.errors?.map((item) => item.name), ["sort"]);
  },

  "list statistics in a value range": async () => {
    const { data, error } = await listStatistics({
      query: { value_gte: 1, value_lt: 100, sort: "-value", limit: 500 },
    });
    strictEqual(error, undefined);
    ok(data !== undefined && data.data.length > 0, "the seed has figures between 1 and 100");
    const expected = await raw("/v1/statistics?value_gte=1&value_lt=100&sort=-value");
    deepStrictEqual(idsOf(data.data), idsOf(expected.data));
    const values = data.data.map((figure) => figure.value);
    deepStrictEqual(values, [...values].sort((a, b) => b - a));
    ok(values.every((value) => value >= 1 && value < 100));
  },

  "figures say how they are stated": async () => {
    const { data, error } = await listStatistics({
      query: { modality: "possible,projected", limit: 500 },
    });
    strictEqual(error, undefined);
    ok(data !== undefined);
    const expected = await raw("/v1/statistics?modality=possible,projected&limit=500");
    deepStrictEqual(idsOf(data.data), idsOf(expected.data));
    ok(idsOf(data.data).includes("asml-restricted-process-node-5nm"), "the 5nm figure is a maybe");
    ok(data.data.every((figure) => ["possible", "projected"].includes(figure.modality)));
  },

  "a claim's reviews": async () => {
    const { data, error } = await listClaimReviews({ path: { claim_id: "nqpf-11" } });
    strictEqual(error, undefined);
    ok(data !== undefined);
    deepStrictEqual(data.data, (await raw("/v1/claims/nqpf-11/reviews")).data);
    const [review]: ReviewRead[] = data.data;
    strictEqual(review.rating, "accurate");
    strictEqual(review.statistic_id, "chn-gdp-growth-2023");
    ok(review.reviewer.includes("editorial example"));
    const claim = await getClaim({ path: { claim_id: "nqpf-11" }, query: { include: "reviews" } });
    deepStrictEqual(idsOf(claim.data?.reviews ?? []), [review.id]);
  },

  "an unknown entity is a typed problem with a suggestion": async () => {
    const { error, response } = await listStatistics({ query: { entity: "China" } });
    strictEqual(response.status, 400);
    const problem: Problem | undefined = error;
    deepStrictEqual(problem?.errors?.map((item) => item.message), [
      "unknown entity 'China'; did you mean CHN (China)?",
    ]);
  },

  "authenticated write with If-Match": async () => {
    const path = { statistic_id: WRITE_TARGET };
    const read = await getStatistic({ client: writable, path });
    strictEqual(read.response.status, 200);
    const etag = read.response.headers.get("etag");
    ok(read.data !== undefined && etag !== null);
    const indicator = "monthly_wafer_production_capacity";
    // A figure names indicators of the vocabulary: the new one is created first.
    const entry: IndicatorCreate = {
      id: indicator, label: "Monthly wafer production capacity", unit: "wafers_per_month",
      reason: "Added by the SDK tour",
    };
    const created = await createIndicator({ client: writable, auth: writeKey, body: entry });
    strictEqual(created.response.status, 201, JSON.stringify(created.error));
    const body: StatisticPatch = { reason: "Corrected by the SDK tour", indicator };

    const updated = await updateStatistic({
      client: writable, auth: writeKey, path, body, headers: { "if-match": etag },
    });
    strictEqual(updated.response.status, 200, JSON.stringify(updated.error));
    strictEqual(updated.data?.indicator, indicator);
    strictEqual(updated.data?.version, read.data.version + 1);
    const fresh = updated.response.headers.get("etag");
    ok(fresh !== null && fresh !== etag);

    const stale = await updateStatistic({
      client: writable, auth: writeKey, path, body, headers: { "if-match": etag },
    });
    strictEqual(stale.response.status, 412);
    const conflict: Problem | undefined = stale.error;
    strictEqual(conflict?.type, "/problems/precondition-failed");

    const anonymous = await updateStatistic({
      client: writable, path, body, headers: { "if-match": fresh },
    });
    strictEqual(anonymous.response.status, 401);
    const unauthorized: Problem | undefined = anonymous.error;
    strictEqual(unauthorized?.type, "/problems/unauthorized");
  },

  "read your write with Claimbase-Min-Change": async () => {
    // With read replicas, a plain read may lag: send the write's change id back to read it.
    const path = { statistic_id: WRITE_TARGET };
    const read = await getStatistic({ client: writable, path });
    const etag = read.response.headers.get("etag");
    ok(etag !== null);
    const indicator = "wafer_production_capacity";
    const body: StatisticPatch = { reason: "Read back by the SDK tour", indicator };
    const updated = await updateStatistic({
      client: writable, auth: writeKey, path, body, headers: { "if-match": etag },
    });
    strictEqual(updated.response.status, 200, JSON.stringify(updated.error));
    const change = Number(updated.response.headers.get("claimbase-change"));
    ok(Number.isInteger(change) && change > 0);
    const mine = await getStatistic({
      client: writable, path, headers: { "Claimbase-Min-Change": change },
    });
    strictEqual(mine.response.status, 200);
    strictEqual(mine.data?.indicator, indicator);
    strictEqual(mine.data?.version, updated.data?.version);
  },
};

async function main(): Promise<number> {
  for (const [name, step] of Object.entries(STEPS)) {
    try {
      await step();
    } catch (failure) {
      console.log(`not ok ${name}: ${failure instanceof Error ? failure.stack : failure}`);
      return 1;
    }
    console.log(`ok ${name}`);
  }
  return 0;
}

main().then((status) => process.exit(status));

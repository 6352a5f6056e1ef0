import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderShardPlan } from "../src/core/plan/shard-view.js";
import { fillUnknown, lpt, parseDurations, shardTests } from "../src/core/plan/shard.js";

const graham = parseDurations(readFileSync("test/fixtures/durations/graham-7-jobs.json", "utf8"), "graham-7-jobs.json");

describe("renderShardPlan", () => {
  it("shows each shard's tests, expected seconds and share, then the bound and the makespan's ratio to it", () => {
    const { shards } = lpt(fillUnknown(Object.keys(graham), graham), 3);
    expect(renderShardPlan(shards, { k: 3, source: ".test_durations" })).toBe(
      [
        "shard plan: 7 tests, shards = 3, durations from .test_durations",
        "shard  tests  expected s   share",
        "1/3        3        11.0   40.7%",
        "2/3        2         8.0   29.6%",
        "3/3        2         8.0   29.6%",
        "total      7        27.0  100.0%",
        "bound max(T/k, t_max) = 9.0 s; makespan = 11.0 s; ratio = 1.2222",
        "",
      ].join("\n"),
    );
  });

  it.each([
    {
      name: "tests without a record are counted and their assumed seconds shown",
      ids: ["tests/test_jobs.py::test_a", "tests/test_jobs.py::test_new"],
      durations: graham,
      line: "1 test without a recorded duration; each counts 5.00 s (the mean of the recorded ones)",
    },
    {
      name: "with no record at all the plan says every test counts the same",
      ids: ["a", "b"],
      durations: {},
      line: "2 tests without a recorded duration; each counts 1.00 s (none has a record, so all count the same)",
    },
    {
      name: "a clamped shard count is explained",
      ids: ["tests/test_jobs.py::test_a"],
      durations: graham,
      line: "shards = 3 but only 1 test collected; running 1 shard so none is empty",
    },
  ])("$name", ({ ids, durations, line }) => {
    const { shards, notes } = shardTests(ids, durations, 3);
    expect(renderShardPlan(shards, { k: 3, source: "d.json", notes }).split("\n")).toContain(line);
  });

  it("renders an empty collection without a bound", () => {
    expect(renderShardPlan([], { k: 2, source: "d.json" })).toBe(
      ["shard plan: 0 tests, shards = 2, durations from d.json", "shard  tests  expected s  share", "total      0         0.0      -", ""].join("\n"),
    );
  });
});

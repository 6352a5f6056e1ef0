/**
 * The SDK's own introspector (the code `dagger functions` runs) accepts src/ and registers the
 * functions and argument types the README documents.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import { SOURCE_IGNORE } from "../src/core/plan/discover/source-files.js";
import { REPO } from "./harness/run.js";

interface TypeDef {
  kind: string;
  name?: string;
}
interface Arg {
  type: TypeDef;
  isOptional: boolean;
  description: string;
  defaultPath?: string;
}
interface Method {
  description: string;
  arguments: Record<string, Arg>;
  returnType: TypeDef;
}
interface Mod {
  objects: Record<string, { description: string; methods: Record<string, Method>; properties?: Record<string, { type: TypeDef; description: string }> }>;
}

let mod: Mod;
let stderr: string;

beforeAll(() => {
  const r = spawnSync(join(REPO, "node_modules/.bin/tsx"), [join(REPO, "scripts/introspect.ts")], { cwd: REPO, encoding: "utf8" });
  stderr = r.stderr;
  if (r.status !== 0) throw new Error(`introspection failed:\n${r.stderr}`);
  mod = JSON.parse(r.stdout) as Mod;
}, 120_000);

const typeOf = (a: Arg | undefined) => a?.type.name ?? a?.type.kind;

describe("dagger functions", () => {
  it("registers every public function of BackendCi, returning the documented types", () => {
    const methods = mod.objects.BackendCi.methods;
    expect(Object.keys(methods).sort()).toEqual([
      "backend",
      "combineParts",
      "elasticsearch",
      "lane",
      "opensearch",
      "plan",
      "planShards",
      "postgres",
      "prBackend",
      "prStep",
      "redis",
    ]);
    expect(methods.plan.returnType.kind).toBe("STRING_KIND");
    expect(methods.redis.returnType.name).toBe("Service");
    expect(methods.backend.returnType.name).toBe("Container");
    expect(methods.lane.returnType.name).toBe("Container");
    expect(methods.postgres.returnType.name).toBe("Service");
    expect(methods.prBackend.returnType.name).toBe("PrResult");
    expect(methods.combineParts.returnType.name).toBe("PrResult");
  });

  it("types pr-backend's arguments for the CLI, with the example backend as the default source", () => {
    const args = mod.objects.BackendCi.methods.prBackend.arguments;
    expect(args.source.defaultPath).toBe("examples/backend");
    // The ignore list comes from the core (one list for the engine and for a source read from disk).
    expect((args.source as unknown as { ignore: string[] }).ignore).toEqual(SOURCE_IGNORE);
    expect(typeOf(args.postgresPassword)).toBe("Secret");
    expect(typeOf(args.root)).toBe("STRING_KIND");
    expect(typeOf(args.source)).toBe("Directory");
    expect(typeOf(args.durations)).toBe("File");
    expect(typeOf(args.failUnder)).toBe("INTEGER_KIND");
    expect(typeOf(args.workers)).toBe("STRING_KIND");
    expect(typeOf(args.part)).toBe("INTEGER_KIND");
    for (const name of ["workers", "dist", "failUnder", "durations", "dockerfile", "target", "cacheBuster", "part", "parts", "root", "postgresPassword"]) expect(args[name].isOptional).toBe(true);
  });

  it("documents every function and every argument (the CLI help)", () => {
    for (const [object, o] of Object.entries(mod.objects))
      for (const [name, m] of Object.entries(o.methods)) {
        expect(m.description, `${object}.${name}`).not.toBe("");
        for (const [arg, a] of Object.entries(m.arguments)) expect(a.description, `${object}.${name}(${arg})`).not.toBe("");
      }
  });

  it("exposes the run's reports and verdict on PrResult, reads summary and result.json from the reports, and has a check that can fail the step", () => {
    const r = mod.objects.PrResult;
    // Only the directory and the verdict are the object's state: large texts never travel as state.
    expect(Object.keys(r.properties ?? {}).sort()).toEqual(["ok", "reasons", "reports"]);
    expect(r.properties!.reports.type.name).toBe("Directory");
    expect(Object.keys(r.methods).sort()).toEqual(["check", "resultJson", "summary"]);
    expect(r.methods.summary.returnType.kind).toBe("STRING_KIND");
    expect(r.methods.resultJson.returnType.kind).toBe("STRING_KIND");
  });

  it("resolves every default value statically (no runtime-only defaults)", () => {
    expect(stderr).not.toMatch(/cannot be resolved/);
  });
});

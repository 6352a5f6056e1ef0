import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dag, ExecError, GraphQLRequestError, ReturnType, type ContainerID } from "@dagger.io/dagger";
import { afterAll, describe, expect, it } from "vitest";
import { bindingsOf, envOf, execError, execsOf, imageOf, useEngine } from "./engine/index.js";

describe("the stand-in engine", () => {
  const engine = useEngine();

  it("records the image, env and argv of an exec the SDK ran, and answers its exit code", async () => {
    const code = await dag
      .container()
      .from("python:3.12-slim")
      .withEnvVariable("A", "1")
      .withEnvVariable("B", "2")
      .withoutEnvVariable("B")
      .withExec(["echo", "hi"], { expect: ReturnType.Any })
      .exitCode();

    expect(code).toBe(0);
    const [leaf] = engine().leaves("exitCode");
    expect(leaf!.query).toContain("withExec");
    expect(imageOf(leaf!.chain)).toBe("python:3.12-slim");
    expect(envOf(leaf!.chain)).toEqual({ A: "1" });
    expect(execsOf(leaf!.chain)).toEqual([["echo", "hi"]]);
    expect(engine().execs.map((e) => e.args.expect)).toEqual(["ANY"]);
    const [container] = engine().containers("python:3.12-slim");
    expect(container!.execs).toEqual([["echo", "hi"]]);
  });

  it("sends one POST per leaf, with the whole chain inline", async () => {
    const ctr = dag.container().from("alpine:3.20").withExec(["true"]);
    await ctr.stdout();
    await ctr.stderr();
    expect(engine().requests.map((r) => r.query.replace(/\s+/g, " ").trim())).toEqual([
      '{ container { from (address: "alpine:3.20") { withExec (args: ["true"]) { stdout } } } }',
      '{ container { from (address: "alpine:3.20") { withExec (args: ["true"]) { stderr } } } }',
    ]);
    expect(engine().execs).toHaveLength(1);
  });

  it("gives identical chains identical ids and different chains different ids", async () => {
    const a = await dag.container().from("alpine:3.20").withEnvVariable("X", "1").id();
    const b = await dag.container().from("alpine:3.20").withEnvVariable("X", "1").id();
    const c = await dag.container().from("alpine:3.20").withEnvVariable("X", "2").id();
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(engine().chainOf(a).map((call) => call.field)).toEqual(["container", "from", "withEnvVariable"]);
  });

  it("resolves an id passed back through node(id:) and loadContainerFromID to the chain it stands for", async () => {
    const synced = await dag.container().from("alpine:3.20").withExec(["make"]).sync();
    const direct = await dag.container().from("alpine:3.20").withExec(["make"]).withExec(["make", "test"]).id();
    const viaNode = await synced.withExec(["make", "test"]).id();
    expect(viaNode).toBe(direct);

    // SDK 0.21.9 types ids as ID but still offers the legacy per-type loaders (ContainerID).
    const id = (await dag.container().from("alpine:3.20").id()) as string as ContainerID;
    const loaded = await dag.loadContainerFromID(id).withExec(["ls"]).id();
    expect(execsOf(engine().chainOf(loaded))).toEqual([["ls"]]);
    expect(engine().requests.some((r) => r.query.includes("node (id:"))).toBe(true);
  });

  it("records service bindings under their alias with the service's own chain and health check", async () => {
    const postgres = dag
      .container()
      .from("postgres:16")
      .withEnvVariable("POSTGRES_PASSWORD", "test")
      .withDockerHealthcheck(["pg_isready", "-U", "postgres"], { interval: "1s", retries: 30 })
      .withExposedPort(5432)
      .asService({ useEntrypoint: true });

    await dag
      .container()
      .from("python:3.12-slim")
      .withServiceBinding("postgres", postgres)
      .withEnvVariable("DATABASE_URL", "postgresql://postgres:test@postgres:5432/app")
      .withExec(["pytest", "tests/integration"], { expect: ReturnType.Any })
      .exitCode();

    const [lane] = engine().containers("python:3.12-slim");
    const service = bindingsOf(lane!.chain).postgres!;
    expect(service.type).toBe("Service");
    expect(imageOf(service.chain)).toBe("postgres:16");
    expect(service.chain.at(-1)).toMatchObject({ field: "asService", args: { useEntrypoint: true } });
    const health = service.chain.find((c) => c.field === "withDockerHealthcheck");
    expect(health?.args).toMatchObject({ args: ["pg_isready", "-U", "postgres"], interval: "1s", retries: 30 });
    expect(service.chain.find((c) => c.field === "withExposedPort")?.args).toMatchObject({ port: 5432, protocol: "TCP" });
    // The SDK resolved the service to an id with a separate `{ ... { id } }` query first.
    expect(engine().calls.map((c) => c.field)).toEqual(["id", "exitCode"]);
    expect(engine().containers("postgres:16")).toHaveLength(1);
  });

  it("fails an exec killed by a signal (exit 128-191) even under expect: ANY, as the schema says", async () => {
    engine().onExec((e) => e.argv[0] === "pytest", { exitCode: 137 });
    const ran = dag.container().from("python:3.12-slim").withExec(["pytest"], { expect: ReturnType.Any });
    await expect(ran.exitCode()).rejects.toThrow(/exit code: 137/);
    engine().onExec((e) => e.argv[0] === "pytest", { exitCode: 126 });
    expect(await dag.container().from("python:3.12-slim").withEnvVariable("X", "2").withExec(["pytest"], { expect: ReturnType.Any }).exitCode()).toBe(126);
  });

  it("surfaces a scripted EXEC_ERROR as the SDK's ExecError", async () => {
    engine().on(
      (req) => req.field === "stdout" && req.execs.some((argv) => argv.includes("--lane")),
      () => {
        throw execError({ exitCode: 2, stdout: "1 failed", stderr: "boom" });
      },
    );
    const run = dag.container().from("python:3.12-slim").withExec(["pytest", "--lane", "unit"]).stdout();
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({
      cmd: ["pytest", "--lane", "unit"],
      exitCode: 2,
      stdout: "1 failed",
      stderr: "boom",
      message: 'process "pytest --lane unit" did not complete successfully: exit code: 2',
    });
  });

  it("fails a default-expect exec with ExecError but lets expect ANY read the exit code and files", async () => {
    engine().onExec((exec) => exec.argv[0] === "pytest", {
      exitCode: 1,
      stdout: "F",
      files: { "reports/junit.xml": "<testsuite failures='1'/>", "/reports/.coverage.unit": "data" },
    });
    const strict = dag.container().from("python:3.12-slim").withWorkdir("/src").withExec(["pytest"]);
    await expect(strict.exitCode()).rejects.toBeInstanceOf(ExecError);

    const lenient = dag
      .container()
      .from("python:3.12-slim")
      .withWorkdir("/")
      .withExec(["pytest"], { expect: ReturnType.Any });
    expect(await lenient.exitCode()).toBe(1);
    expect(await lenient.stdout()).toBe("F");
    expect(await lenient.directory("/reports").entries()).toEqual([".coverage.unit", "junit.xml"]);
    expect(await lenient.file("/reports/junit.xml").contents()).toBe("<testsuite failures='1'/>");
    expect(engine().execs.filter((e) => e.args.expect === "ANY")).toHaveLength(1);
  });

  it("reads directories and files, including ones copied between containers", async () => {
    engine().on(
      (req) => req.field === "contents" && req.chain.at(-1)?.args.path === "/etc/os-release",
      () => 'ID=debian\n',
    );
    const src = dag.directory().withNewFile("pyproject.toml", "[project]\nname='app'\n").withNewFile("app/main.py", "");
    const ctr = dag.container().from("python:3.12-slim").withDirectory("/src", src).withWorkdir("/src");

    expect(await ctr.directory(".").entries()).toEqual(["app/", "pyproject.toml"]);
    expect(await ctr.file("pyproject.toml").contents()).toBe("[project]\nname='app'\n");
    expect(await ctr.file("/etc/os-release").contents()).toBe("ID=debian\n");
    expect(await dag.directory().withDirectory("out", ctr.directory("/src/app")).entries({ path: "out" })).toEqual(["main.py"]);

    const reads = engine().reads().map((r) => `${r.kind} ${r.path} <- ${r.image ?? r.fromType} for ${r.usedBy}`);
    expect(reads).toEqual(
      expect.arrayContaining([
        "directory /src <- python:3.12-slim for entries",
        "file /src/pyproject.toml <- python:3.12-slim for contents",
        "file /etc/os-release <- python:3.12-slim for contents",
        "directory /src/app <- python:3.12-slim for withDirectory(source)",
      ]),
    );
  });

  it("holds two lanes' execs until both are in flight, proving they run concurrently", async () => {
    const gate = engine().hold((req) => req.field === "exitCode");
    const lane = (name: string) =>
      dag
        .container()
        .from("python:3.12-slim")
        .withEnvVariable("LANE", name)
        .withExec(["pytest", "--lane", name], { expect: ReturnType.Any })
        .exitCode();
    const both = Promise.all([lane("unit"), lane("integration")]);

    const pending = await engine().waitForPending(2);
    expect(pending.map((p) => envOf(p.chain).LANE).sort()).toEqual(["integration", "unit"]);
    expect(engine().calls.every((c) => c.status === "pending")).toBe(true);
    gate.release();
    expect(await both).toEqual([0, 0]);
  });

  it("holds execs themselves, so a test can see which ones start together", async () => {
    const gate = engine().holdExec((exec) => exec.argv[0] === "pytest");
    const run = (lane: string) =>
      dag.container().from("python:3.12-slim").withExec(["pytest", lane], { expect: ReturnType.Any }).sync();
    const both = Promise.all([run("a"), run("b")]);
    const held = await gate.reached(2);
    expect(held.map((e) => e.argv[1]).sort()).toEqual(["a", "b"]);
    gate.release();
    await both;
    expect(engine().execs.every((e) => e.status === "ok")).toBe(true);
  });

  it("rejects a query the schema does not allow and records it so the test fails", async () => {
    const { status, body } = await engine().query('{ container { from(address: "alpine") { noSuchField } } }');
    expect(status).toBe(400);
    expect(body.errors[0].message).toContain('Cannot query field "noSuchField" on type "Container"');
    expect(() => engine().assertClean()).toThrow(/noSuchField/);

    // Through the SDK, an invalid query surfaces as GraphQLRequestError.
    const wrongEnum = dag.container().withExec(["x"], { expect: "MAYBE" as ReturnType }).sync();
    await expect(wrongEnum).rejects.toBeInstanceOf(GraphQLRequestError);
    expect(engine().takeErrors().validation).toHaveLength(2);
    engine().assertClean();
  });

  it("rejects an id of the wrong type where the schema expects another", async () => {
    const containerId = await dag.container().from("alpine:3.20").id();
    const { body } = await engine().query(
      `{ container { withServiceBinding(alias: "db", service: ${JSON.stringify(containerId)}) { id } } }`,
    );
    expect(body.errors[0].message).toContain("expected an id of Service, got an id of Container");
    const { body: unknown } = await engine().query('{ loadContainerFromID(id: "Container:nope") { id } }');
    expect(unknown.errors[0].message).toContain("unknown id");
    expect(engine().takeErrors().protocol).toHaveLength(2);
  });

  it("refuses requests without the session token", async () => {
    const response = await fetch(engine().url, { method: "POST", body: JSON.stringify({ query: "{ version }" }) });
    expect(response.status).toBe(401);
  });

  it("logs each distinct call's arguments once, however many requests repeat its chain", async () => {
    const big = "x".repeat(10_000);
    const dir = dag.directory().withNewFile("big.txt", big);
    await dir.entries();
    await dir.file("big.txt").contents();
    await dir.withNewFile("small.txt", "y").entries();
    const newFiles = [...engine().argumentLog.values()].filter((a) => a.field === "withNewFile");
    // path, contents (JSON-quoted) and the schema's default permissions (420).
    expect(newFiles.map((a) => a.bytes)).toEqual([9 + 10_002 + 3, 11 + 3 + 3]);
    expect(newFiles[0].largest).toEqual({ name: "contents", bytes: 10_002 });
    expect(engine().argumentBytes((a) => a.field === "withNewFile")).toBe(10_014 + 17);
  });

  const moduleDir = mkdtempSync(join(tmpdir(), "engine-workdir-"));
  afterAll(() => rmSync(moduleDir, { recursive: true, force: true }));

  it("loads currentModule.workdir from the real files under the process's working directory when the call is made", async () => {
    const cwd = process.cwd();
    process.chdir(moduleDir);
    try {
      mkdirSync("out/sub", { recursive: true });
      writeFileSync("out/summary.md", "# hi\n");
      writeFileSync("out/sub/junit.xml", "<testsuites/>");
      writeFileSync("out/skip.tmp", "no");
      const loaded = dag.currentModule().workdir("out", { exclude: ["*.tmp"] });
      await loaded.id();
      writeFileSync("out/summary.md", "changed after the call");
      expect(await loaded.entries()).toEqual(["sub/", "summary.md"]);
      expect(await loaded.file("summary.md").contents()).toBe("# hi\n");
      expect(await dag.directory().withDirectory("reports", loaded).file("reports/sub/junit.xml").contents()).toBe("<testsuites/>");
      // The path is the call's only argument: the files' contents never travel as arguments.
      expect(engine().argumentBytes()).toBeLessThan(200);
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([
    [{ exited: 1 }, /^start [a-v0-9]{13} \(aliased as postgres\): exit code: 1 \[traceparent:00-[0-9a-f]{32}-[0-9a-f]{16}-01\]$/],
    [{ unhealthy: 255 }, /^start [a-v0-9]{13} \(aliased as postgres\): health check errored: exit code: 255 \[traceparent:00-[0-9a-f]{32}-[0-9a-f]{16}-01\]$/],
  ])("fails the exec of a container binding a service that %j, worded like the engine, without its output", async (outcome, message) => {
    engine().onService((s) => s.alias === "postgres" && s.image === "postgres:16", outcome);
    const db = dag.container().from("postgres:16").withExposedPort(5432).asService();
    const lane = dag.container().from("python:3.12-slim").withServiceBinding("postgres", db).withExec(["pytest"], { expect: ReturnType.Any });
    const error = await lane.exitCode().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphQLRequestError);
    expect(error).not.toBeInstanceOf(ExecError);
    expect((error as Error).message).toMatch(message);
    // A container without the binding is not affected.
    expect(await dag.container().from("python:3.12-slim").withExec(["pytest"], { expect: ReturnType.Any }).exitCode()).toBe(0);
  });
});

/**
 * A lane whose exec never gave an exit code: the engine's error (v0.21.8 wording) read into lane.json
 * naming the service, its image and the URL the lane would have used, without the engine's noise.
 */
import { describe, expect, it } from "vitest";

import { redact } from "../src/core/artifacts/redact.js";
import { unreachedLaneRecord, type Unreached, withoutEngineNoise } from "../src/core/artifacts/unreached.js";

const TRACE = "[traceparent:00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01]";
const requestedAt = new Date("2026-11-23T10:00:00.000Z");
const failedAt = new Date("2026-11-23T10:02:00.000Z");

const base = (error: string, over: Partial<Unreached> = {}): Unreached => ({
  lane: "integration",
  argv: ["python", "-m", "pytest", "tests/integration"],
  workersPlanned: "auto",
  services: [
    { name: "postgres", image: "postgres:16-alpine", url: "postgresql://postgres:s3cr%40t@postgres:5432/app" },
    { name: "elasticsearch", image: "docker.elastic.co/elasticsearch/elasticsearch:8.15.3", url: "http://elasticsearch:9200" },
    { name: "minio", image: "quay.io/minio/minio:latest" },
  ],
  readinessTimeout: 120,
  error,
  requestedAt,
  failedAt,
  ...over,
});

describe("unreachedLaneRecord reads the engine's service errors", () => {
  it.each<[string, Unreached, { status: string; message: string; cause: RegExp }]>([
    [
      "a service that exited at start is a crash of that service, with its image and the URL (password hidden)",
      base(`start k3f0q1v9o2m7e (aliased as postgres): exit code: 1 ${TRACE}`),
      {
        status: "not-ready",
        message: "service `postgres` (image postgres:16-alpine) crashed at start (exit 1); the lane would have used postgresql://postgres:***@postgres:5432/app",
        cause: /^the engine \(Dagger v0\.21\) does not pass on a service's output; run `dagger call postgres --version=16-alpine up` to watch it start$/,
      },
    ],
    [
      "a service whose health check never passed failed after the config's readiness_timeout",
      base(`start 0p2v8s1kqm4tn (aliased as elasticsearch): health check errored: exit code: 255 ${TRACE}`, { readinessTimeout: 45 }),
      {
        status: "not-ready",
        message:
          "service `elasticsearch` (image docker.elastic.co/elasticsearch/elasticsearch:8.15.3) never became healthy: its health check failed after 45s (readiness_timeout; last check exit 255); the lane would have used http://elasticsearch:9200",
        cause: /run `dagger call elasticsearch --version=8\.15\.3 up` to watch it start$/,
      },
    ],
    [
      "a service of the team's own image is named too, and how to watch it start",
      base(`start abcdefghijklm (aliased as minio): exit code: 2 ${TRACE}`),
      {
        status: "not-ready",
        message: "service `minio` (image quay.io/minio/minio:latest) crashed at start (exit 2)",
        cause: /start `quay\.io\/minio\/minio:latest` on its own \(e\.g\. `docker run --rm quay\.io\/minio\/minio:latest`\) to watch it start$/,
      },
    ],
    [
      "the service's own output, when an engine gives it, is kept: its last 20 lines",
      base(`start k3f0q1v9o2m7e (aliased as postgres): exit code: 1 ${TRACE}`, {
        output: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + '\nFATAL:  data directory "/var/lib/postgresql/data" has invalid permissions\n',
      }),
      { status: "not-ready", message: "service `postgres` (image postgres:16-alpine) crashed at start (exit 1); the lane would have used postgresql://postgres:***@postgres:5432/app", cause: /^last lines of service `postgres`'s output:\nline 12\n[\s\S]*line 30\nFATAL: {2}data directory/ },
    ],
    [
      "another error about a service is not-ready, without the engine's noise",
      base(`start of service failed: unhealthy container ${TRACE}\ndetails`),
      { status: "not-ready", message: "a service of the lane never became ready: start of service failed: unhealthy container", cause: /^$/ },
    ],
    [
      "any other error is a container that did not run to the end",
      base(`rpc error: code = Unavailable desc = connection reset ${TRACE}`),
      { status: "crashed", message: "the lane's container did not run to the end: rpc error: code = Unavailable desc = connection reset", cause: /^$/ },
    ],
  ])("%s", (_what, input, want) => {
    const r = unreachedLaneRecord(input);
    expect(r.status).toBe(want.status);
    expect(r.message).toBe(want.message);
    expect(r.cause ?? "").toMatch(want.cause);
    expect(JSON.stringify(r)).not.toMatch(/traceparent|k3f0q1v9o2m7e|s3cr/);
  });

  it("keeps the workers the lane was planned with, its argv, and its span on the caller's clock", () => {
    const r = unreachedLaneRecord(base(`start k3f0q1v9o2m7e (aliased as postgres): exit code: 1 ${TRACE}`));
    expect(r).toMatchObject({ workers: 0, workers_planned: "auto", exit_code: -1, argv: ["python", "-m", "pytest", "tests/integration"] });
    expect(r.started_at).toBe(requestedAt.toISOString());
    expect(r.finished_at).toBe(failedAt.toISOString());
    expect(r.services).toEqual([{ name: "postgres", ready: false, seconds: 120, started_at: null, message: r.message }]);
  });
});

describe("the pieces", () => {
  it.each([
    ["postgresql://postgres:pw@db:5432/app", "postgresql://postgres:***@db:5432/app"],
    ["postgresql+asyncpg://u:p%40ss@db/app", "postgresql+asyncpg://u:***@db/app"],
    ["redis://:secret@redis:6379/0", "redis://:***@redis:6379/0"],
    ["http://elasticsearch:9200", "http://elasticsearch:9200"],
    ["postgresql://user@db/app", "postgresql://user@db/app"],
    ["postgresql://postgres:{password}@postgres:5432/app", "postgresql://postgres:***@postgres:5432/app"],
    // Anywhere in a line, in quotes, in JSON; libpq key=value passwords; the values named secret.
    ["exec failed: connect postgresql://app:s3cr3t@db/app: refused", "exec failed: connect postgresql://app:***@db/app: refused"],
    ['{"url": "postgresql://app:s3cr3t@db/app"}', '{"url": "postgresql://app:***@db/app"}'],
    ["host=db user=app password='s3 cr3t' dbname=app", "host=db user=app password=*** dbname=app"],
  ])("redact(%s) is %s", (url, want) => {
    expect(redact(url)).toBe(want);
  });

  it("masks the values it is told are secret, wherever they appear, longest first", () => {
    expect(redact("PGPASSWORD=hunter22 and again hunter22x", ["hunter22", "hunter22x"])).toBe("PGPASSWORD=*** and again ***");
    expect(redact("a b c", ["b"])).toBe("a b c");
  });

  it("strips trace parents and random service host names", () => {
    expect(withoutEngineNoise(`start k3f0q1v9o2m7e (aliased as postgres): exit code: 1 ${TRACE}`)).toBe("start of service `postgres`: exit code: 1");
  });
});

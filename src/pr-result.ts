import { Directory, func, object } from "@dagger.io/dagger";

import { REPORT_FILES } from "./core/report/reports.js";

/**
 * The outcome of a pr-backend run. `reports` exports whatever happened (red tests never lose it);
 * `ok`, `reasons` and result.json say whether the run is green, and `check` fails when it is not.
 * The object holds only the directory and the verdict: summary and result.json are read from the
 * directory on demand, so no large text travels as the object's state or as an API argument.
 */
@object()
export class PrResult {
  /** Every lane's JUnit, lane.json and coverage data, the combined coverage (XML, JSON, LCOV, HTML), merged junit.xml, .test_durations, plan.json, summary.md and result.json. */
  @func()
  reports: Directory;

  /** True when every lane passed (flaky and quarantined tests per policy) and every coverage gate held. */
  @func()
  ok: boolean;

  /** Each reason the run is red, one sentence each; empty when ok. */
  @func()
  reasons: string[];

  constructor(reports: Directory, ok: boolean, reasons: string[]) {
    this.reports = reports;
    this.ok = ok;
    this.reasons = reasons;
  }

  /** The markdown summary (summary.md), ready for $GITHUB_STEP_SUMMARY. */
  @func()
  async summary(): Promise<string> {
    return this.reports.file(REPORT_FILES.summary).contents();
  }

  /** result.json: the whole run, machine-readable (its zod schema is ResultSchema in src/core/report/result.ts). */
  @func()
  async resultJson(): Promise<string> {
    return this.reports.file(REPORT_FILES.result).contents();
  }

  /** Fails with every reason when the run is red; returns a one-line verdict when it is green. */
  @func()
  check(): string {
    if (!this.ok) throw new Error(`backend-ci: the run is red:\n${this.reasons.map((r) => `  - ${r}`).join("\n")}`);
    return "backend-ci: every lane passed and every coverage gate held";
  }
}

import { Directory, func, object } from "@dagger.io/dagger";

/**
 * The outcome of a pr-backend run. `reports` exports whatever happened (red tests never lose it);
 * `ok`, `reasons` and result.json say whether the run is green, and `check` fails when it is not.
 */
@object()
export class PrResult {
  /** Every lane's JUnit, lane.json and coverage data, the combined coverage (XML, JSON, LCOV, HTML), merged junit.xml, .test_durations, summary.md and result.json. */
  @func()
  reports: Directory;

  /** The markdown summary, ready for $GITHUB_STEP_SUMMARY. */
  @func()
  summary: string;

  /** True when every lane passed (flaky and quarantined tests per policy) and every coverage gate held. */
  @func()
  ok: boolean;

  /** Each reason the run is red, one sentence each; empty when ok. */
  @func()
  reasons: string[];

  /** result.json: the whole run, machine-readable (its zod schema is ResultSchema in src/core/report/result.ts). */
  @func()
  resultJson: string;

  constructor(reports: Directory, summary: string, ok: boolean, reasons: string[], resultJson: string) {
    this.reports = reports;
    this.summary = summary;
    this.ok = ok;
    this.reasons = reasons;
    this.resultJson = resultJson;
  }

  /** Fails with every reason when the run is red; returns a one-line verdict when it is green. */
  @func()
  check(): string {
    if (!this.ok) throw new Error(`backend-ci: the run is red:\n${this.reasons.map((r) => `  - ${r}`).join("\n")}`);
    return "backend-ci: every lane passed and every coverage gate held";
  }
}

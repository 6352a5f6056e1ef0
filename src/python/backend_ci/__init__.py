"""backend-ci's in-container helpers, shared by the pytest plugin, run_lane.py and wait_ready.py.

Standard library only (psycopg 3 or psycopg2 for Postgres, when the image has one). Contract:
docs/CONTRACTS.md; the files written are the zod schemas of src/core/artifacts/records.ts.
"""

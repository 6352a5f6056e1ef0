"""Loyalty points: members, a points ledger, tiers and a leaderboard."""

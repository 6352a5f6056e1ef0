"""Edge helpers of the storefront API on Redis: response cache, rate limits, counters, alerts."""

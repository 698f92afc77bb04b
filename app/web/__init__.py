"""Request plumbing: security headers and CSRF, sessions, error pages, rate limits, equal
response times, log redaction, local mode's host rules, and housekeeping after responses."""

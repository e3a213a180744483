"""Development tools: demo data (`seed_demo`), benchmarks (`make bench`), the interop run.

Never on a request path: production modules never import this app. The development server
reaches the demo fetcher only through the SATCHEL_FETCHER setting (see devtools.fetchers).
"""

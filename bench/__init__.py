"""`make bench`: cold start, warm latency and DynamoDB cost figures (not a test).

Kept empty of imports: the cold-start children import ``bench.baseline_app``
and must not pay for anything else.
"""

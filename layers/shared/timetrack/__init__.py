"""timetrack: the domain package shared by every Lambda through the layer.

Layering, one direction only: ``api`` (HTTP glue) -> ``services`` (use cases)
-> ``dal`` (the only code that imports boto3). ``models`` and ``rules`` are
pure and used by all three.
"""

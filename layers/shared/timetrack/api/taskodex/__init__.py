"""The organization time-entries API of seed 004 (the Taskodex product): its
schemas and renderer (``schemas``) and its one error mapper (``errors``).

An organization is a workspace (``org_id`` is the workspace id); its time
entries are the same entries every other API sees.
"""

PREFIX = "/api/v1/organizations/{org_id}/taskodex/time-entries"

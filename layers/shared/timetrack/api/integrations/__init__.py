"""The integrations REST API's dialect (seed 002, under ``/api/v1``).

- ``errors``: the one error mapping (``IntegrationsRoute`` for the routers,
  ``install`` for a function's app, ``install_under`` for the local app,
  ``ERROR_RESPONSES`` etc. for the OpenAPI document);
- ``tenancy``: ``in_workspace(scope)`` gives a route its ``Tenant`` (caller and workspace);
- ``pagination``: ``PageParams`` in, ``paginated`` / ``page_of`` out;
- ``times``: ``Instant`` in bodies, ``parse_instant`` for query filters, ``UtcZ`` / ``utc_z`` out;
- ``schemas``: the seed's response shapes (``TimeEntryOut``, ``ProjectOut``, ...).
"""

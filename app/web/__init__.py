"""REST views: thin aiohttp handlers on the Faust app's web server, one module per concern.

Each module's `install(routes, ...)` adds its routes and takes what its handlers read or
call (a publisher, a store's view, the connector host), never the whole worker.
"""

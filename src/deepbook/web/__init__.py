"""The web adapter: FastAPI routes, templates and static files over the engines and the store."""

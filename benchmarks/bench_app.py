"""spoc's real app plus a bare JSON echo route, for measuring both on one server stack."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request

from bot.config import Settings
from bot.web.app import create_app


def create_bench_app() -> FastAPI:
    app = create_app(Settings())

    @app.post("/bench/echo")
    async def echo(request: Request) -> Any:
        return await request.json()

    return app

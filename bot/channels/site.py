"""The gateway's pages and assets: the demo marketplace page at /, the embeddable widget, and the demo sign-in
(tokens only for the demo buyers of DEMO_BUYERS, off unless set: a real marketplace signs its own buyers'
tokens)."""
from __future__ import annotations

from pathlib import Path

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from bot.settings import PROJECT_ROOT

WEB = Path(__file__).resolve().parent.parent / "web"
SOCKET_IO_CLIENT = PROJECT_ROOT / "web" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
router = APIRouter()


@router.get("/", response_class=HTMLResponse)
async def demo_page() -> Response:
    return FileResponse(WEB / "index.html", media_type="text/html")


@router.get("/agent", response_class=HTMLResponse)
async def agent_console() -> Response:
    return FileResponse(WEB / "agent.html", media_type="text/html")


@router.get("/widget.js")
async def widget_js() -> Response:
    return FileResponse(WEB / "widget.js", media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"})


@router.get("/widget/socket.io.min.js")
async def socket_io_client() -> Response:
    if not SOCKET_IO_CLIENT.exists():
        return JSONResponse({"error": "The socket.io client is not installed: run `make install`."}, status_code=503)
    return FileResponse(SOCKET_IO_CLIENT, media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400", "Access-Control-Allow-Origin": "*"})


@router.get("/api/demo/buyers")
async def demo_buyers(request: Request) -> JSONResponse:
    services = request.app.state.gateway.services
    allowed = services.settings.demo_buyers
    buyers = await anyio.to_thread.run_sync(services.accounts.list_buyers) if allowed else []
    return JSONResponse({"buyers": [{"id": b.id, "name": b.name} for b in buyers if b.id in allowed]})


class DemoSignIn(BaseModel):
    buyer: str


@router.post("/api/demo/token")
async def demo_token(request: Request, body: DemoSignIn) -> JSONResponse:
    services = request.app.state.gateway.services
    if not services.settings.demo_buyers:
        return JSONResponse({"error": "The demo sign-in is off here: the marketplace signs its buyers in."},
                            status_code=403)
    if body.buyer not in services.settings.demo_buyers:
        return JSONResponse({"error": "Only the demo buyers can be signed in from the demo page."}, status_code=403)
    return JSONResponse({"token": services.buyer_tokens.issue(body.buyer)})

"""A protocol-level learner: does over HTTP and the kernel websocket what the Voila page does,
without a browser (so many learners fit on one machine beside the server).

1. GET the page (Voila renders it, with a pre-heated kernel when one is ready) and read the
   kernel id from the page's `jupyter-config-data`;
2. open `/api/kernels/<id>/channels` (JSON messages), send `kernel_info_request` and
   `comm_info_request` for `jupyter.widget`, open a `jupyter.widget.control` comm and ask
   `request_states`: the kernel answers with every widget's state (ipywidgets 8's manager does
   exactly this) -> "interactive";
3. toggle symptom checkboxes (`comm_msg` update `{value: true/false}`) and time each until the
   kernel's `idle` status for it, counting the widget updates it caused (the plan's HTML);
4. leave as a closed tab does: POST the kernel's shutdown with an `_xsrf` cookie and header the
   learner mints itself (what the course page does on `pagehide`, the workaround for voila#1458),
   then close the websocket.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import datetime, timezone

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

_CONFIG = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.S)


class WsLearner:
    def __init__(self, base_url: str, notebook_path: str, timeout: float = 180.0):
        self.base_url = base_url.rstrip("/")
        self.path = notebook_path
        self.timeout = timeout
        self.session = uuid.uuid4().hex
        self.ws = None
        self.pending: dict[str, asyncio.Future] = {}
        self.updates: dict[str, int] = {}
        self.states: dict[str, dict] = {}
        self._reader: asyncio.Task | None = None
        self._states_future: asyncio.Future | None = None
        self._control_comm = uuid.uuid4().hex
        self.phase = "not started"  # the step a failed learner was in, for its error message
        self.kernel_id: str | None = None

    def _msg(self, msg_type: str, content: dict, channel: str = "shell", metadata: dict | None = None) -> dict:
        return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": self.session,
                           "username": "bench", "date": datetime.now(timezone.utc).isoformat(),
                           "version": "5.3"},
                "parent_header": {}, "metadata": metadata or {}, "content": content, "channel": channel, "buffers": []}

    async def _send(self, msg: dict) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.pending[msg["header"]["msg_id"]] = fut
        self.updates[msg["header"]["msg_id"]] = 0
        await self.ws.write_message(json.dumps(msg))
        return fut

    async def _read(self) -> None:
        while True:
            raw = await self.ws.read_message()
            if raw is None:
                return
            if isinstance(raw, bytes):
                continue  # binary frames carry buffers we do not need
            msg = json.loads(raw)
            parent = (msg.get("parent_header") or {}).get("msg_id")
            mtype = (msg.get("header") or {}).get("msg_type")
            content = msg.get("content") or {}
            if mtype == "comm_msg":
                data = content.get("data") or {}
                if data.get("method") == "update_states" and self._states_future and not self._states_future.done():
                    self.states = data.get("states") or {}
                    self._states_future.set_result(True)
                elif data.get("method") == "update" and parent in self.updates:
                    self.updates[parent] += 1
            elif mtype == "status" and content.get("execution_state") == "idle" and parent in self.pending:
                fut = self.pending.pop(parent)
                if not fut.done():
                    fut.set_result(time.perf_counter())

    async def open(self) -> dict:
        """GET the page, connect, load every widget state. Returns timings (s)."""
        t0 = time.perf_counter()
        self.phase = "GET page"
        client = AsyncHTTPClient(force_instance=True, defaults={"request_timeout": self.timeout})
        try:
            resp = await client.fetch(HTTPRequest(f"{self.base_url}/voila/render/{self.path}",
                                                  request_timeout=self.timeout, connect_timeout=30))
        finally:
            client.close()
        html = resp.body.decode("utf-8", "replace")
        t_html = time.perf_counter()
        self.phase = "read page"
        m = _CONFIG.search(html)
        if not m:
            text = re.sub(r"<[^>]+>", " ", html)
            raise RuntimeError(f"no jupyter-config-data in the page (HTTP {resp.code}, {len(html)} bytes: "
                               f"{' '.join(text.split())[-160:]!r})")
        kernel_id = self.kernel_id = json.loads(m.group(1)).get("kernelId")
        if not kernel_id:
            raise RuntimeError("no kernelId in the page")
        self.phase = "websocket connect"
        ws_url = self.base_url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels?session_id={self.session}"
        self.ws = await asyncio.wait_for(websocket_connect(ws_url, max_message_size=64 * 2**20), self.timeout)
        self._reader = asyncio.create_task(self._read())
        self.phase = "kernel_info_request"
        await asyncio.wait_for(await self._send(self._msg("kernel_info_request", {})), self.timeout)
        self.phase = "comm_info_request"
        await asyncio.wait_for(await self._send(self._msg("comm_info_request", {"target_name": "jupyter.widget"})),
                               self.timeout)
        self.phase = "request_states"
        self._states_future = asyncio.get_running_loop().create_future()
        await self._send(self._msg("comm_open", {"comm_id": self._control_comm,
                                                 "target_name": "jupyter.widget.control", "data": {}},
                                   metadata={"version": "1.0.0"}))
        await self._send(self._msg("comm_msg", {"comm_id": self._control_comm,
                                                "data": {"method": "request_states"}}))
        await asyncio.wait_for(self._states_future, self.timeout)
        t_ready = time.perf_counter()
        self.phase = "selections"
        return {"kernel_id": kernel_id, "html_s": t_html - t0, "tti_s": t_ready - t0, "widgets": len(self.states)}

    def checkboxes(self, skip_words: tuple[str, ...] = ()) -> list[tuple[str, bool]]:
        """(model id, value) of every checkbox in the page's state, leaving out those whose
        description contains one of `skip_words`."""
        out = []
        for mid, st in self.states.items():
            s = st.get("state") or {}
            if s.get("_model_name") == "CheckboxModel" and not any(w in (s.get("description") or "") for w in skip_words):
                out.append((mid, bool(s.get("value"))))
        return out

    async def toggle(self, model_id: str, value: bool) -> tuple[float, int]:
        """Set a checkbox; (ms until the kernel is idle again, widget updates it caused)."""
        msg = self._msg("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {"value": value},
                                                                 "buffer_paths": []}})
        t0 = time.perf_counter()
        fut = await self._send(msg)
        t1 = await asyncio.wait_for(fut, self.timeout)
        return (t1 - t0) * 1000, self.updates.pop(msg["header"]["msg_id"], 0)

    async def leave(self) -> None:
        """What the page does when it goes: shut its kernel down (POST with a minted _xsrf)."""
        if self.kernel_id is None:
            return
        token = uuid.uuid4().hex
        request = HTTPRequest(f"{self.base_url}/voila/api/shutdown/{self.kernel_id}", method="POST", body=b"",
                              headers={"X-XSRFToken": token, "Cookie": f"_xsrf={token}"}, request_timeout=20)
        try:
            await AsyncHTTPClient().fetch(request, raise_error=False)
        except Exception:  # noqa: BLE001 - the culler is still the net
            pass

    async def close(self, leave: bool = True) -> None:
        if leave:
            await self.leave()
        if self.ws is not None:
            self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):
                pass

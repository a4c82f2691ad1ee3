"""An in-memory platform implementing the bid upload/decrypt HTTP contract, behind `httpx.MockTransport`.

Faults are scripted, so every test is deterministic:

* `put_faults` maps the n-th PUT (1-based, counting retries) to a fault: "connect" (the request never
  arrives), "lost" (the chunk is stored but the answer is lost), "503" (server error, nothing stored) or
  "rewind" (the server lost its last bytes, so the PUT starts past its offset → 409).
* `down_after` makes every request fail with a connection error once that many bytes are stored.
* `refuse` maps a route name ("create", "put", "status", "complete", "keys", "decrypt") to an error answer.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ggzy_guomi import (
    GuomiError,
    OpenedEnvelope,
    Sm2PrivateKey,
    Sm2PublicKey,
    issue_receipt,
    open_envelope_with_keys,
    sm3_hex,
    verify_envelope,
)

TOKEN = "tok-bidder-1"
BIDDER = "91110000600037341L"
SERVER = "https://ggzy.test"
SERVER_TIME = "2026-03-02T09:00:00+08:00"
OPENED_AT = "2026-03-20T09:30:00+08:00"
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_UPLOAD = re.compile(r"/api/bids/uploads/([^/]+)(/complete)?")
_DECRYPT = re.compile(r"/api/bids/([^/]+)/decrypt")


def error(status: int, code: str, zh: str, en: str, **extra: Any) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "message": {"zh": zh, "en": en}, **extra})


@dataclass
class Upload:
    upload_id: str
    bidder: str
    lot: str
    size: int
    sm3: str
    data: bytearray = field(default_factory=bytearray)
    complete: bool = False
    receipt: str | None = None
    bid_id: int = 0


class FakePlatform:
    def __init__(self, platform_key: Sm2PrivateKey, bidder_public_key: Sm2PublicKey, chunk_size: int = 256):
        self.platform_key = platform_key
        self.receipt_key = platform_key  # the key that signs receipts (tests may swap in another)
        self.bidder_public_key = bidder_public_key
        self.chunk_size = chunk_size
        self.tokens = {TOKEN: BIDDER}
        self.uploads: dict[str, Upload] = {}
        self.log: list[tuple[httpx.Request, int | str]] = []  # every request and its status (or fault)
        self.put_faults: dict[int, str] = {}
        self.puts = 0
        self.down_after: int | None = None
        self.refuse: dict[str, httpx.Response] = {}
        self.receipt_sm3: str | None = None  # attest another digest than the one received
        self.posted_keys: list[dict[str, str]] = []
        self.opened: dict[str, OpenedEnvelope] = {}

    # --- plumbing --------------------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._route(request)
        except httpx.TransportError as exc:
            self.log.append((request, type(exc).__name__))
            raise
        self.log.append((request, response.status_code))
        return response

    def requests(self, method: str | None = None) -> list[httpx.Request]:
        return [r for r, _ in self.log if method is None or r.method == method]

    def statuses(self, method: str) -> list[int | str]:
        return [s for r, s in self.log if r.method == method]

    def stored(self) -> int:
        return max((len(u.data) for u in self.uploads.values()), default=0)

    def _route(self, request: httpx.Request) -> httpx.Response:
        if self.down_after is not None and self.stored() >= self.down_after:
            raise httpx.ConnectError("connection refused", request=request)
        if not str(request.url).startswith(SERVER + "/api/"):
            return error(404, "not_found", "无此接口", "no such endpoint")
        auth = request.headers.get("Authorization", "")
        bidder = self.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
        if bidder is None:
            return error(401, "not_authenticated", "未登录或令牌无效", "missing or invalid token")
        path = request.url.path
        route: tuple[str, Callable[[], httpx.Response]] | None = None
        if path == "/api/platform/keys" and request.method == "GET":
            route = ("keys", self._keys)
        elif path == "/api/bids/uploads" and request.method == "POST":
            route = ("create", lambda: self._create(request, bidder))
        elif match := _UPLOAD.fullmatch(path):
            upload = self.uploads.get(match.group(1))
            if upload is None or upload.bidder != bidder:
                return error(404, "upload_not_found", "上传不存在", "no such upload")
            if match.group(2) and request.method == "POST":
                route = ("complete", lambda: self._complete(upload))
            elif not match.group(2) and request.method == "PUT":
                route = ("put", lambda: self._put(request, upload))
            elif not match.group(2) and request.method == "GET":
                route = ("status", lambda: self._status(upload))
        elif (match := _DECRYPT.fullmatch(path)) and request.method == "POST":
            lot = match.group(1)
            route = ("decrypt", lambda: self._decrypt(request, bidder, lot))
        if route is None:
            return error(405, "method_not_allowed", "不支持的请求", "method not allowed")
        name, handler = route
        if name in self.refuse:
            return self.refuse[name]
        return handler()

    # --- endpoints -------------------------------------------------------------------------------------

    def _keys(self) -> httpx.Response:
        return httpx.Response(200, json={"receipt_public_key_pem": self.platform_key.public_key.to_pem()})

    def _create(self, request: httpx.Request, bidder: str) -> httpx.Response:
        body = json.loads(request.content)
        assert set(body) == {"lot", "size", "sm3"}
        for upload in self.uploads.values():
            same = (upload.bidder, upload.lot, upload.sm3, upload.size) == (
                bidder,
                body["lot"],
                body["sm3"],
                body["size"],
            )
            if same and not upload.complete:
                return httpx.Response(200, json=self._session(upload))
        upload = Upload(f"up-{len(self.uploads) + 1}", bidder, body["lot"], body["size"], body["sm3"])
        self.uploads[upload.upload_id] = upload
        return httpx.Response(201, json=self._session(upload))

    def _session(self, upload: Upload) -> dict[str, Any]:
        return {"upload_id": upload.upload_id, "offset": len(upload.data), "chunk_size": self.chunk_size}

    def _put(self, request: httpx.Request, upload: Upload) -> httpx.Response:
        self.puts += 1
        fault = self.put_faults.get(self.puts)
        if fault == "connect":
            raise httpx.ConnectError("connection reset", request=request)
        if fault == "503":
            return error(503, "unavailable", "服务暂不可用", "service unavailable")
        if fault == "rewind":
            del upload.data[len(upload.data) // 2 :]
        assert request.headers["Content-Type"] == "application/octet-stream"
        match = _RANGE.fullmatch(request.headers.get("Content-Range", ""))
        assert match is not None, request.headers.get("Content-Range")
        start, end, total = (int(g) for g in match.groups())
        assert total == upload.size
        assert end - start + 1 == len(request.content) <= self.chunk_size
        if start != len(upload.data):
            return error(
                409,
                "upload_offset_mismatch",
                "上传位置不一致",
                "upload offset mismatch",
                details={"offset": len(upload.data)},
            )
        upload.data += request.content
        if fault == "lost":
            raise httpx.ReadError("connection lost before the answer", request=request)
        return httpx.Response(200, json={"offset": len(upload.data)})

    def _status(self, upload: Upload) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "offset": len(upload.data),
                "size": upload.size,
                "status": "complete" if upload.complete else "uploading",
            },
        )

    def _complete(self, upload: Upload) -> httpx.Response:
        if not upload.complete:
            if len(upload.data) != upload.size or sm3_hex(bytes(upload.data)) != upload.sm3:
                return error(422, "upload_incomplete", "文件不完整", "the upload is incomplete")
            verify_envelope(bytes(upload.data), self.bidder_public_key)
            upload.complete = True
            upload.bid_id = 100 + len([u for u in self.uploads.values() if u.complete])
            receipt = issue_receipt(
                envelope_sm3=self.receipt_sm3 or upload.sm3,
                server_time=SERVER_TIME,
                tender_id=upload.lot,
                bidder_id=upload.bidder,
                receipt_no=f"HZ-{upload.bid_id}",
                platform_key=self.receipt_key,
            )
            upload.receipt = receipt.to_json().decode("utf-8")
        return httpx.Response(201, json={"receipt": upload.receipt, "bid_id": upload.bid_id})

    def _decrypt(self, request: httpx.Request, bidder: str, lot: str) -> httpx.Response:
        body = json.loads(request.content)
        self.posted_keys.append(body["keys"])
        found = [
            u
            for u in self.uploads.values()
            if u.complete and u.bidder == bidder and u.lot == lot and u.sm3 == body["sm3"]
        ]
        if not found:
            return error(404, "bid_not_found", "未找到该投标", "no such bid")
        try:
            keys = {name: bytes.fromhex(value) for name, value in body["keys"].items()}
            opened = open_envelope_with_keys(
                bytes(found[0].data), keys, signer_public_key=self.bidder_public_key
            )
        except (GuomiError, ValueError) as exc:
            return error(
                422, "decryption_keys_invalid", "密钥无法解密投标文件", f"keys do not open the bid: {exc}"
            )
        self.opened[lot] = opened
        return httpx.Response(200, json={"status": "decrypted", "opened_at": OPENED_AT})

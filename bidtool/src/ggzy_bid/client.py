"""HTTP client of the platform's bid API: resumable envelope upload, receipt, and key release at opening.

The contract (all calls carry ``Authorization: Bearer <token>``; errors are JSON
``{"code", "message": {"zh", "en"}, "rule"?: {"citation", "text"}, "details"?}``):

* ``POST /api/bids/uploads`` ``{"lot", "size", "sm3"}`` → 201 ``{"upload_id", "offset", "chunk_size"}``,
  or 200 with the same shape when this bidder already has an unfinished upload of the same file (same lot,
  SM3 and size): the client continues from ``offset``.
* ``PUT /api/bids/uploads/{id}`` with ``Content-Range: bytes START-END/TOTAL`` (END inclusive) and the raw
  chunk → 200 ``{"offset"}`` (next byte expected); 409 ``{"code": "upload_offset_mismatch", "details":
  {"offset"}}`` when START is not what the server expects: the client resumes from that offset.
* ``GET /api/bids/uploads/{id}`` → ``{"offset", "size", "status": "uploading"|"complete"}``.
* ``POST /api/bids/uploads/{id}/complete`` → 201 ``{"receipt": "<receipt JSON>", "bid_id"}``.
* ``GET /api/platform/keys`` → ``{"receipt_public_key_pem"}``.
* ``POST /api/bids/{lot}/decrypt`` ``{"sm3", "keys": {name: hex}}`` → 200 ``{"status": "decrypted",
  "opened_at"}``.

Transport errors (`httpx.TransportError`: refused connection, timeout, reset…) and 5xx answers are
retried with exponential backoff, at most `max_attempts` tries per step; a chunk is retried only after
re-reading the server's offset with GET, because a lost answer may hide a chunk that did arrive. When the
tries run out the command fails, and running it again resumes: the first POST finds the unfinished upload.
The retried POSTs (create, complete, decrypt) must therefore be idempotent on the server.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from ggzy_bid import TOOL_NAME
from ggzy_bid.errors import ProtocolError, ServerError, TransferError
from ggzy_bid.receipts import CheckedReceipt, check_receipt, receipt_path_for, save_receipt
from ggzy_guomi import GuomiError, Sm2PublicKey, envelope_sm3, peek_manifest, verify_envelope

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF = 0.5  # seconds before the 2nd try; doubled each time, capped at MAX_BACKOFF
MAX_BACKOFF = 8.0
OFFSET_MISMATCH = "upload_offset_mismatch"

type Log = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


@dataclass(frozen=True)
class UploadSession:
    upload_id: str
    offset: int
    chunk_size: int
    resumed: bool


@dataclass(frozen=True)
class UploadStatus:
    offset: int
    size: int
    status: str


@dataclass(frozen=True)
class UploadResult:
    lot: str
    sm3: str
    size: int
    upload_id: str
    bid_id: int
    resumed_from: int
    receipt: CheckedReceipt
    receipt_path: Path


class _Backoff:
    """Counts consecutive failures of one step; sleeps between tries and gives up after `attempts`."""

    def __init__(self, attempts: int, base: float, sleep: Callable[[float], None], log: Log) -> None:
        self.attempts = attempts
        self.base = base
        self.sleep = sleep
        self.log = log
        self.failures = 0

    def failed(self, what: str, reason: str) -> None:
        self.failures += 1
        if self.failures >= self.attempts:
            raise TransferError(
                f"{what}连续失败 {self.failures} 次，已停止；网络恢复后再次运行同一命令即可从断点续传"
                f"（{what}: failed {self.failures} times in a row, giving up; run the same command again "
                f"to resume）。最后一次错误 (last error)：{reason}"
            )
        delay = min(MAX_BACKOFF, self.base * 2 ** (self.failures - 1))
        self.log(f"{what}失败（{reason}），{delay:g} 秒后重试 ({self.failures}/{self.attempts - 1})")
        self.sleep(delay)

    def succeeded(self) -> None:
        self.failures = 0


def _describe(exc: httpx.TransportError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _json_object(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ProtocolError(
            f"服务器对{what}的应答不是 JSON 对象（HTTP {response.status_code}）"
            f"（the server's answer to {what} is not a JSON object）：{response.text[:200]!r}"
        )
    return body


def _int_field(body: Mapping[str, Any], field: str, what: str, low: int, high: int | None = None) -> int:
    value = body.get(field)
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ProtocolError(
            f"服务器对{what}的应答中 {field} 无效（{what}: {field}={value!r} is not an integer {bound}）"
        )
    return value


def server_error(response: httpx.Response) -> ServerError:
    """The platform's error JSON as a `ServerError` (or a generic one when the body is not that JSON)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if isinstance(body, dict) and isinstance(body.get("message"), dict):
        message = body["message"]
        rule: dict[str, Any] = body["rule"] if isinstance(body.get("rule"), dict) else {}
        details: dict[str, Any] = body["details"] if isinstance(body.get("details"), dict) else {}
        return ServerError(
            status,
            str(body.get("code", "error")),
            str(message.get("zh", "")),
            str(message.get("en", "")),
            citation=str(rule["citation"]) if rule.get("citation") else None,
            rule_text=str(rule["text"]) if rule.get("text") else None,
            details=details,
        )
    return ServerError(
        status,
        f"http_{status}",
        f"服务器返回 HTTP {status}",
        f"the server answered HTTP {status}: {response.text[:200]!r}",
    )


class UploadClient:
    """Talks to one platform with one bidder token over a caller-supplied `httpx.Client`.

    The client is not closed here. Tests pass ``httpx.Client(transport=httpx.MockTransport(...))`` and a
    no-op `sleep`.
    """

    def __init__(
        self,
        http: httpx.Client,
        server: str,
        token: str,
        *,
        chunk_size: int | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff: float = DEFAULT_BACKOFF,
        sleep: Callable[[float], None] = time.sleep,
        log: Log = _quiet,
    ) -> None:
        if chunk_size is not None and chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._http = http
        self._server = server.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "User-Agent": TOOL_NAME}
        self._chunk_size = chunk_size
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._sleep = sleep
        self._log = log

    # --- plumbing ----------------------------------------------------------------------------------

    def _new_backoff(self) -> _Backoff:
        return _Backoff(self._max_attempts, self._backoff, self._sleep, self._log)

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        return self._http.request(
            method,
            self._server + path,
            json=json,
            content=content,
            headers={**self._headers, **(headers or {})},
        )

    def _call(self, method: str, path: str, what: str, *, json: Any = None) -> httpx.Response:
        """One API call, retried on transport errors and 5xx; other non-2xx answers raise `ServerError`."""
        backoff = self._new_backoff()
        while True:
            try:
                response = self._send(method, path, json=json)
            except httpx.TransportError as exc:
                backoff.failed(what, _describe(exc))
                continue
            if response.status_code >= 500:
                backoff.failed(what, f"HTTP {response.status_code}")
                continue
            if not 200 <= response.status_code < 300:
                raise server_error(response)
            return response

    @staticmethod
    def _upload_path(upload_id: str, suffix: str = "") -> str:
        return f"/api/bids/uploads/{quote(upload_id, safe='')}{suffix}"

    # --- API calls ---------------------------------------------------------------------------------

    def start_upload(self, lot: str, size: int, sm3: str) -> UploadSession:
        what = "创建上传 (create upload)"
        response = self._call("POST", "/api/bids/uploads", what, json={"lot": lot, "size": size, "sm3": sm3})
        body = _json_object(response, what)
        upload_id = body.get("upload_id")
        if not isinstance(upload_id, str) or not upload_id:
            raise ProtocolError(f"服务器未返回 upload_id（no upload_id in the answer）：{body!r}")
        return UploadSession(
            upload_id=upload_id,
            offset=_int_field(body, "offset", what, 0, size),
            chunk_size=_int_field(body, "chunk_size", what, 1),
            resumed=response.status_code == 200,
        )

    def status(self, upload_id: str) -> UploadStatus:
        what = "查询上传进度 (upload status)"
        body = _json_object(self._call("GET", self._upload_path(upload_id), what), what)
        size = _int_field(body, "size", what, 0)
        state = body.get("status")
        if state not in ("uploading", "complete"):
            raise ProtocolError(f"未知的上传状态（unknown upload status）：{state!r}")
        return UploadStatus(_int_field(body, "offset", what, 0, size), size, str(state))

    def complete(self, upload_id: str) -> tuple[str, int]:
        what = "完成上传 (complete upload)"
        body = _json_object(self._call("POST", self._upload_path(upload_id, "/complete"), what), what)
        receipt = body.get("receipt")
        if not isinstance(receipt, str) or not receipt:
            raise ProtocolError(f"服务器未返回回执（no receipt in the answer）：{body!r}")
        return receipt, _int_field(body, "bid_id", what, 0)

    def platform_key(self) -> Sm2PublicKey:
        what = "获取平台公钥 (fetch platform key)"
        body = _json_object(self._call("GET", "/api/platform/keys", what), what)
        pem = body.get("receipt_public_key_pem")
        try:
            if not isinstance(pem, str):
                raise ProtocolError("receipt_public_key_pem missing")
            return Sm2PublicKey.from_pem(pem)
        except (GuomiError, ProtocolError) as exc:
            raise ProtocolError(
                f"服务器返回的平台公钥无效（the platform key served is invalid）：{exc}"
            ) from None

    def submit_keys(self, lot: str, sm3: str, keys: Mapping[str, bytes]) -> dict[str, Any]:
        """Release the envelope's content keys at the opening; return the server's answer."""
        what = "提交解密密钥 (submit decryption keys)"
        payload = {"keys": {name: key.hex() for name, key in keys.items()}, "sm3": sm3}
        response = self._call("POST", f"/api/bids/{quote(lot, safe='')}/decrypt", what, json=payload)
        body = _json_object(response, what)
        if body.get("status") != "decrypted":
            raise ProtocolError(f"服务器未确认解密（the server did not confirm decryption）：{body!r}")
        return body

    # --- the resumable upload ----------------------------------------------------------------------

    def _resync(self, upload_id: str, size: int, backoff: _Backoff) -> int:
        """The server's offset after a failed chunk (GET), sharing the chunk's retry budget."""
        what = "查询上传进度 (upload status)"
        while True:
            try:
                response = self._send("GET", self._upload_path(upload_id))
            except httpx.TransportError as exc:
                backoff.failed(what, _describe(exc))
                continue
            if response.status_code >= 500:
                backoff.failed(what, f"HTTP {response.status_code}")
                continue
            if response.status_code != 200:
                raise server_error(response)
            body = _json_object(response, what)
            if body.get("size") != size:
                raise ProtocolError(
                    f"服务器记录的文件大小与本地不同（size on server {body.get('size')!r} != {size}）"
                )
            offset = _int_field(body, "offset", what, 0, size)
            self._log(f"服务器已收到 {offset}/{size} 字节，从此处继续（server has {offset} bytes, resuming）")
            return offset

    def _send_chunks(self, path: Path, session: UploadSession, size: int) -> None:
        chunk_size = min(session.chunk_size, self._chunk_size or session.chunk_size)
        what = "上传数据块 (upload chunk)"
        backoff = self._new_backoff()
        stalls = 0  # answers that did not move the offset forward (409s, zero-progress 200s)
        offset = session.offset
        with path.open("rb") as fh:
            while offset < size:
                fh.seek(offset)
                data = fh.read(min(chunk_size, size - offset))
                if len(data) != min(chunk_size, size - offset):
                    raise ProtocolError(f"{path} 在上传过程中被修改（the file changed during the upload）")
                end = offset + len(data) - 1
                try:
                    response = self._send(
                        "PUT",
                        self._upload_path(session.upload_id),
                        content=data,
                        headers={
                            "Content-Range": f"bytes {offset}-{end}/{size}",
                            "Content-Type": "application/octet-stream",
                        },
                    )
                except httpx.TransportError as exc:
                    backoff.failed(what, _describe(exc))
                    offset = self._resync(session.upload_id, size, backoff)
                    continue
                if response.status_code >= 500:
                    backoff.failed(what, f"HTTP {response.status_code}")
                    offset = self._resync(session.upload_id, size, backoff)
                    continue
                if response.status_code == 409:
                    error = server_error(response)
                    if error.code != OFFSET_MISMATCH:
                        raise error
                    new_offset = _int_field(error.details, "offset", what, 0, size)
                    self._log(
                        f"服务器期望从第 {new_offset} 字节继续（而非 {offset}），已调整"
                        f"（server expects byte {new_offset}, not {offset}）"
                    )
                elif response.status_code == 200:
                    new_offset = _int_field(_json_object(response, what), "offset", what, 0, size)
                    backoff.succeeded()
                else:
                    raise server_error(response)
                stalls = stalls + 1 if new_offset <= offset else 0
                if stalls >= self._max_attempts:
                    raise ProtocolError(
                        f"上传进度停滞在第 {offset} 字节（upload makes no progress at byte {offset}）"
                    )
                offset = new_offset

    def upload(self, path: Path, *, platform_key: Sm2PublicKey | None = None) -> UploadResult:
        """Upload (or resume) the envelope at `path`, complete it, verify and save the receipt.

        `platform_key` pins the key the receipt must be signed with; without it the key is fetched from
        the server (and must then be trusted as much as the connection is).
        """
        try:
            manifest = verify_envelope(path, peek_manifest(path).signer.public_key)
        except GuomiError as exc:
            raise ProtocolError(
                f"{path} 不是完好的投标信封，未上传（not an intact envelope, not uploaded）：{exc}"
            ) from None
        lot = manifest.metadata.get("lot")
        if not isinstance(lot, str) or not lot:
            raise ProtocolError(
                f"{path} 的元数据中没有标段编号，是否由 ggzy-bid seal 生成？"
                f"（the envelope metadata has no lot: was it made by `ggzy-bid seal`?）"
            )
        size, sm3 = path.stat().st_size, envelope_sm3(path)

        session = self.start_upload(lot, size, sm3)
        if session.resumed:
            self._log(f"续传：服务器已有 {session.offset}/{size} 字节（resuming an unfinished upload）")
        self._send_chunks(path, session, size)
        receipt_json, bid_id = self.complete(session.upload_id)

        served_key = self.platform_key()
        if platform_key is not None and served_key != platform_key:
            raise ProtocolError(
                f"服务器提供的平台公钥（{served_key.key_id[:16]}…）与指定的公钥（{platform_key.key_id[:16]}…）不一致"
                f"（the platform key served differs from the pinned one）"
            )
        receipt_path = receipt_path_for(path)
        checked = check_receipt(
            receipt_json.encode("utf-8"), served_key, expected_sm3=sm3, keep_failed=receipt_path
        )
        save_receipt(receipt_path, checked)
        return UploadResult(lot, sm3, size, session.upload_id, bid_id, session.offset, checked, receipt_path)

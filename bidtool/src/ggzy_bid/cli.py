"""ggzy-bid 命令行（command line）: keygen, fingerprint, seal, upload, decrypt, verify-receipt.

Results go to stdout, progress and warnings to stderr; every failure prints a message to stderr and
exits non-zero (1: refused or failed, 2: bad command line, 130: interrupted).
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ggzy_bid import TOOL_NAME
from ggzy_bid.bidform import CONSTRUCTION_FORM, form_fields_from_json
from ggzy_bid.client import UploadClient, server_error
from ggzy_bid.errors import BidToolError, InputError, ReceiptError
from ggzy_bid.fingerprint import machine_fingerprint
from ggzy_bid.receipts import check_in_chain, check_receipt, load_receipt_file
from ggzy_bid.sealing import load_private_key, load_public_key, seal_bid
from ggzy_guomi import (
    GuomiError,
    Sm2PrivateKey,
    canonical_json,
    envelope_sm3,
    open_envelope_to_directory,
    peek_manifest,
    sm3_file,
    unwrap_file_keys,
)
from ggzy_guomi.checkpoint import checkpoint_list

PRIVATE_KEY_FILE = "bidder.key.pem"
PUBLIC_KEY_FILE = "bidder.pub.pem"
TOKEN_ENV = "GGZY_BID_TOKEN"  # noqa: S105 - the variable's name, not a secret
HTTP_TIMEOUT = httpx.Timeout(60.0, connect=15.0)


@dataclass
class Runtime:
    """What the commands take from the outside world; tests replace it (fake /sys tree, mock HTTP)."""

    fs_root: Path = Path("/")
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    stdout: Callable[[str], None] = field(default=lambda line: print(line, flush=True))
    stderr: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))


# --- helpers -----------------------------------------------------------------------------------------


def _existing_file(value: str, what: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise InputError(f"{what} {path} 不存在或不是文件（{path} does not exist or is not a file）")
    return path


def _server_url(value: str, rt: Runtime) -> str:
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise InputError(f"服务器地址 {value!r} 无效，应形如 https://ggzy.example.cn（invalid server URL）")
    if url.scheme == "http" and url.host not in ("localhost", "127.0.0.1", "::1"):
        rt.stderr("警告：使用未加密的 http 连接，令牌和投标文件可能被窃听（warning: plain http, use https）")
    return value.rstrip("/")


def _token(args: argparse.Namespace) -> str:
    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token:
        raise InputError(f"缺少访问令牌：请用 --token 或环境变量 {TOKEN_ENV} 提供（no API token given）")
    return str(token)


def _http_client(rt: Runtime) -> httpx.Client:
    return httpx.Client(transport=rt.transport, timeout=HTTP_TIMEOUT, follow_redirects=False)


def _load_key(value: str, rt: Runtime) -> Sm2PrivateKey:
    path = Path(value)
    if os.name == "posix" and path.is_file() and path.stat().st_mode & 0o077:
        rt.stderr(
            f"警告：私钥文件 {path} 可被其他用户读取，建议 chmod 600"
            "（warning: the private key file is readable by other users）"
        )
    return load_private_key(path)


# --- commands ----------------------------------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace, rt: Runtime) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_path, public_path = out / PRIVATE_KEY_FILE, out / PUBLIC_KEY_FILE
    existing = [str(p) for p in (private_path, public_path) if p.exists()]
    if existing:
        raise InputError(
            f"密钥文件已存在，拒绝覆盖（已封装的投标只能用原私钥解密）：{', '.join(existing)}"
            f"（refusing to overwrite existing key files: sealed bids need the old private key）"
        )
    key = Sm2PrivateKey.generate()
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.to_pem())
    os.chmod(private_path, 0o600)  # whatever the umask
    public_path.write_text(key.public_key.to_pem(), encoding="ascii")
    os.chmod(public_path, 0o644)
    rt.stdout(
        f"私钥 (private key): {private_path}  —— 请妥善保管、备份，切勿外传 (keep it secret, back it up)"
    )
    rt.stdout(f"公钥 (public key): {public_path}")
    rt.stdout(f"密钥标识 (key id): {key.public_key.key_id}")
    return 0


def cmd_fingerprint(args: argparse.Namespace, rt: Runtime) -> int:
    rt.stdout(canonical_json(machine_fingerprint(rt.fs_root)).decode("utf-8"))
    return 0


def cmd_seal(args: argparse.Namespace, rt: Runtime) -> int:
    key = _load_key(args.key, rt)
    opening_key = load_public_key(args.opening_key, "开标公钥 (opening key)") if args.opening_key else None
    fingerprint = machine_fingerprint(rt.fs_root)
    if fingerprint.get("missing"):
        rt.stderr(
            f"提示：无法读取本机特征 {fingerprint['missing']}，以空值摘要记录（machine identifiers missing）"
        )
    form = (
        form_fields_from_json(_json_file(args.form, "投标函格式 (bid form specification)"))
        if args.form
        else CONSTRUCTION_FORM
    )
    result = seal_bid(
        Path(args.bid_dir),
        signer=key,
        lot=args.lot,
        bidder=args.bidder,
        fingerprint=fingerprint,
        opening_key=opening_key,
        out=Path(args.out) if args.out else None,
        overwrite=args.force,
        form=form,
    )
    recipients = ", ".join(r.key_id[:16] + "…" for r in result.manifest.recipients)
    rt.stdout(f"信封 (envelope): {result.path}")
    rt.stdout(f"文件 (files): {', '.join(f.name for f in result.manifest.files)}")
    rt.stdout(f"接收方密钥 (recipients): {recipients}")
    rt.stdout(f"SM3: {result.sm3}")
    return 0


def cmd_upload(args: argparse.Namespace, rt: Runtime) -> int:
    path = _existing_file(args.file, "信封文件 (envelope)")
    server, token = _server_url(args.server, rt), _token(args)
    pinned = load_public_key(args.platform_key, "平台公钥 (platform key)") if args.platform_key else None
    with _http_client(rt) as http:
        client = UploadClient(http, server, token, chunk_size=args.chunk_size, sleep=rt.sleep, log=rt.stderr)
        result = client.upload(path, platform_key=pinned)
    fields = result.receipt.fields
    rt.stdout(f"已上传 (uploaded): {path}（{result.size} 字节 bytes，SM3 {result.sm3}）")
    rt.stdout(f"投标编号 (bid id): {result.bid_id}")
    rt.stdout(f"回执编号 (receipt no): {fields.receipt_no}")
    rt.stdout(f"服务器时间 (server time): {fields.server_time}")
    rt.stdout(f"回执已验证并保存 (receipt verified and saved): {result.receipt_path}")
    return 0


def _check_own_envelope(path: Path, key: Sm2PrivateKey) -> None:
    """Say plainly when the key does not belong to the envelope, before any cryptographic error would."""
    manifest = peek_manifest(path)
    key_id = key.public_key.key_id
    if key_id not in {r.key_id for r in manifest.recipients} or manifest.signer.key_id != key_id:
        raise InputError(
            f"该私钥（密钥标识 {key_id[:16]}…）不是封装此信封的投标人密钥，请使用封装时的私钥"
            f"（this private key did not seal the envelope and is not a recipient of it: use the key it was "
            f"sealed with; envelope signer {manifest.signer.key_id[:16]}…）"
        )


def cmd_decrypt(args: argparse.Namespace, rt: Runtime) -> int:
    path = _existing_file(args.file, "信封文件 (envelope)")
    key = _load_key(args.key, rt)
    _check_own_envelope(path, key)
    if args.local_only:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        manifest = open_envelope_to_directory(path, key, out, signer_public_key=key.public_key)
        rt.stdout(f"已解密到 (decrypted into): {out}")
        for record in manifest.files:  # read back: a v2 manifest holds no plaintext size or digest
            with (out / record.name).open("rb") as written:
                digest = sm3_file(written).hex()
                rt.stdout(f"  {record.name}  {written.tell()} 字节 (bytes)  SM3 {digest}")
        return 0
    server, token = _server_url(args.server, rt), _token(args)
    keys = unwrap_file_keys(path, key, signer_public_key=key.public_key)
    lot = peek_manifest(path).metadata.get("lot")
    if not isinstance(lot, str) or not lot:
        raise InputError(f"{path} 的元数据中没有标段编号（the envelope metadata has no lot）")
    sm3 = envelope_sm3(path)
    with _http_client(rt) as http:
        answer = UploadClient(http, server, token, sleep=rt.sleep, log=rt.stderr).submit_keys(lot, sm3, keys)
    rt.stdout(f"解密密钥已提交，平台已解密 (keys released, bid decrypted): {len(keys)} 个文件 (files)")
    rt.stdout(f"状态 (status): {answer['status']}")
    rt.stdout(f"解密时间 (opened at): {answer.get('opened_at')}")
    return 0


def cmd_verify_receipt(args: argparse.Namespace, rt: Runtime) -> int:
    platform_key = load_public_key(args.platform_key, "平台公钥 (platform key)")
    data = load_receipt_file(Path(args.receipt))
    expected = envelope_sm3(_existing_file(args.envelope, "信封文件 (envelope)")) if args.envelope else None
    tsa_cert = (
        _existing_file(args.tsa_cert, "时间戳机构证书 (TSA certificate)").read_bytes()
        if args.tsa_cert
        else None
    )
    fields = check_receipt(data, platform_key, expected_sm3=expected, tsa_certificate=tsa_cert).fields
    rt.stdout(
        "回执有效 (receipt is valid)" + ("，且与信封一致 (and matches the envelope)" if expected else "")
    )
    if tsa_cert is not None:
        rt.stdout(f"时间戳有效 (time-stamp token is valid): {fields.tsa}")
    rt.stdout(f"回执编号 (receipt no): {fields.receipt_no}")
    rt.stdout(f"服务器时间 (server time): {fields.server_time}")
    rt.stdout(f"项目/标段 (tender): {fields.tender_id}")
    rt.stdout(f"投标人 (bidder): {fields.bidder_id}")
    rt.stdout(f"信封 SM3 (envelope SM3): {fields.envelope_sm3}")
    rt.stdout(f"平台密钥标识 (platform key id): {fields.platform_key_id}")
    if args.checkpoints:
        kept = _json_file(args.checkpoints, "检查点文件 (checkpoints file)")
        proof = (
            _json_file(args.proof, "包含证明 (inclusion proof)")
            if args.proof
            else _fetch_proof(args, rt, fields.receipt_no, kept)
        )
        included = check_in_chain(fields, proof, kept, platform_key)
        rt.stdout(
            f"审计链包含该回执 (the audit chain contains this receipt): 事件 (event) #{included.seq}，"
            f"检查点 (checkpoint) #{included.checkpoint.seq}，{included.checkpoint.tree_size} 个事件 (events)，"
            f"签署于 (signed at) {included.checkpoint.signed_at}"
        )
    return 0


def _json_file(value: str, what: str) -> object:
    path = _existing_file(value, what)
    try:
        return json.loads(path.read_bytes())
    except ValueError as exc:
        raise InputError(f"{what} {path} 不是 JSON（is not JSON）：{exc}") from None


def _fetch_proof(args: argparse.Namespace, rt: Runtime, receipt_no: str, kept: object) -> object:
    """Ask the platform for the receipt's inclusion proof, against the newest kept checkpoint."""
    if not args.server:
        raise InputError(
            "请用 --proof FILE 提供包含证明，或用 --server URL 从平台获取"
            "（give --proof FILE, or --server URL to fetch the inclusion proof）"
        )
    server = _server_url(args.server, rt)
    params: dict[str, int] = {}
    try:
        seqs = [doc["seq"] for doc in checkpoint_list(kept) if isinstance(doc, dict)]
    except GuomiError:
        seqs = []
    if seqs:
        params["checkpoint"] = max(seqs)
    url = f"{server}/api/services/receipts/{receipt_no}/inclusion"
    with _http_client(rt) as http:
        answer = http.get(url, params=params, headers={"Authorization": f"Bearer {_token(args)}"})
    if answer.status_code != 200:
        raise server_error(answer)
    try:
        return answer.json()
    except ValueError:
        raise ReceiptError("平台返回的包含证明不是 JSON（the inclusion proof is not JSON）") from None


# --- parser ------------------------------------------------------------------------------------------


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数 (must be a positive integer): {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"应为正整数 (must be a positive integer): {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ggzy-bid",
        description="GGZY 投标工具：离线加密封装投标文件、断点续传上传、开标解密（GGZY bidder's tool: seal, "
        "upload, decrypt at the opening）",
    )
    parser.add_argument("-V", "--version", action="version", version=TOOL_NAME)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("keygen", help="生成 SM2 投标密钥对（generate the bidder's SM2 key pair）")
    p.add_argument("--out", required=True, metavar="DIR", help="保存目录（directory for the key files）")
    p.set_defaults(handler=cmd_keygen)

    p = sub.add_parser(
        "fingerprint", help="显示本机特征码（SM3 摘要，不含原始标识）（show this machine's fingerprint）"
    )
    p.set_defaults(handler=cmd_fingerprint)

    p = sub.add_parser("seal", help="加密封装投标文件夹（seal a bid folder into one envelope）")
    p.add_argument("bid_dir", metavar="BID_DIR", help="投标文件夹，须含 bid-form.json（bid folder）")
    p.add_argument("--key", required=True, metavar="KEY_PEM", help="投标人私钥（the bidder's private key）")
    p.add_argument("--lot", required=True, metavar="LOT_CODE", help="标段编号（lot code）")
    p.add_argument("--bidder", required=True, metavar="USCC", help="投标人统一社会信用代码（bidder's USCC）")
    p.add_argument(
        "--opening-key",
        metavar="HEX_OR_PEM",
        help="招标项目的开标公钥：十六进制、PEM 文本或 PEM 文件（the tender's opening key: hex/PEM/file）",
    )
    p.add_argument("--out", metavar="FILE", help="信封输出路径，默认 <LOT>-<USCC>.gbe（output envelope）")
    p.add_argument(
        "--form",
        metavar="JSON",
        help="标段的投标函格式，取自 GET /api/trading/lots/<LOT>/bid-form；默认为工程施工招标格式"
        "（the lot's bid form as the platform publishes it; construction tendering's by default）",
    )
    p.add_argument(
        "--force", action="store_true", help="覆盖已存在的信封文件（replace an existing envelope）"
    )
    p.set_defaults(handler=cmd_seal)

    p = sub.add_parser("upload", help="上传投标信封，支持断点续传（upload an envelope, resumable）")
    p.add_argument("file", metavar="FILE", help="信封文件（the envelope）")
    p.add_argument("--server", required=True, metavar="URL", help="交易平台地址（platform URL）")
    p.add_argument("--token", metavar="TOKEN", help=f"访问令牌，也可用环境变量 {TOKEN_ENV}（API token）")
    p.add_argument(
        "--chunk-size", type=_positive_int, metavar="BYTES", help="分块大小上限（maximum chunk size）"
    )
    p.add_argument(
        "--platform-key",
        metavar="PEM",
        help="预先取得的平台回执公钥，用于核对服务器提供的公钥（pin the platform's receipt key）",
    )
    p.set_defaults(handler=cmd_upload)

    p = sub.add_parser("decrypt", help="开标时解密自己的投标（decrypt your own bid at the opening）")
    p.add_argument("file", metavar="FILE", help="信封文件（the envelope）")
    p.add_argument("--key", required=True, metavar="KEY_PEM", help="投标人私钥（the bidder's private key）")
    p.add_argument("--server", metavar="URL", help="交易平台地址（platform URL）")
    p.add_argument("--token", metavar="TOKEN", help=f"访问令牌，也可用环境变量 {TOKEN_ENV}（API token）")
    p.add_argument(
        "--local-only",
        action="store_true",
        help="只在本机解密到 --out 目录，不连接平台，用于上传前自查（decrypt locally only, to check）",
    )
    p.add_argument("--out", metavar="DIR", help="--local-only 的输出目录（output directory）")
    p.set_defaults(handler=cmd_decrypt, parser=p)

    p = sub.add_parser("verify-receipt", help="离线验证投标回执（verify an upload receipt offline）")
    p.add_argument("receipt", metavar="RECEIPT.json", help="回执文件（the receipt file）")
    p.add_argument(
        "--platform-key", required=True, metavar="PEM", help="平台回执公钥（the platform's receipt key）"
    )
    p.add_argument("--envelope", metavar="FILE", help="核对回执对应的信封（check it attests this envelope）")
    p.add_argument(
        "--tsa-cert",
        metavar="PEM",
        help="时间戳机构证书，核对回执的RFC 3161时间戳（the TSA certificate: check the receipt's time-stamp）",
    )
    p.add_argument(
        "--checkpoints",
        metavar="FILE",
        help="留存的审计链签名检查点，核对审计链包含该回执（kept audit checkpoints: check the chain has it）",
    )
    p.add_argument("--proof", metavar="FILE", help="回执的包含证明（the receipt's inclusion proof JSON）")
    p.add_argument(
        "--server", metavar="URL", help="从平台获取包含证明（fetch the inclusion proof from the platform）"
    )
    p.add_argument("--token", metavar="TOKEN", help=f"访问令牌，也可用环境变量 {TOKEN_ENV}（API token）")
    p.set_defaults(handler=cmd_verify_receipt)
    return parser


def main(argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
    rt = runtime or Runtime()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "decrypt":
        if args.local_only and not args.out:
            args.parser.error("--local-only 需要 --out DIR（--local-only needs --out DIR）")
        if not args.local_only and (args.out or not args.server):
            args.parser.error(
                "请指定 --server URL 提交密钥，或 --local-only --out DIR 仅在本机解密"
                "（give --server to release the keys, or --local-only --out DIR to decrypt locally）"
            )
    try:
        result: int = args.handler(args, rt)
    except BidToolError as exc:
        rt.stderr(f"ggzy-bid: 错误 (error): {exc}")
        return exc.exit_code
    except GuomiError as exc:
        rt.stderr(f"ggzy-bid: 密码校验失败 (cryptographic check failed): {type(exc).__name__}: {exc}")
        return 1
    except OSError as exc:
        target = f" {exc.filename}" if exc.filename else ""
        rt.stderr(f"ggzy-bid: 文件操作失败 (file error){target}: {exc.strerror or exc}")
        return 1
    except KeyboardInterrupt:
        rt.stderr("ggzy-bid: 已中断；上传可再次运行同一命令续传（interrupted; re-run to resume an upload）")
        return 130
    return result


__all__ = ["Runtime", "build_parser", "main"]

"""Amazon S3 for tests: moto's S3 server behind a gateway that checks presigned URLs as S3 does."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from tests.support.http import LocalServer, QuietHandler
from tests.support.processes import free_port

S3_KEY, S3_SECRET, S3_REGION, S3_BUCKET = "toile-test-key", "toile-test-secret", "ap-northeast-2", "toile-tryon-test"


@dataclass
class S3Emulator:
    """moto's S3 server behind a gateway that checks presigned URLs as S3 does (moto itself checks neither
    the SigV4 query signature nor its expiry). ``clock_offset`` moves the gateway's clock forward."""

    moto_url: str
    gateway_url: str
    clock_offset: float = 0.0

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.moto_url,
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            region_name=S3_REGION,
        )

    def stored_keys(self) -> list[str]:
        return [item["Key"] for item in self.client().list_objects_v2(Bucket=S3_BUCKET).get("Contents", [])]

    def env(self) -> dict[str, str]:
        """Environment of a worker process using this bucket (read by config/settings.py)."""
        return {
            "AWS_STORAGE_BUCKET_NAME": S3_BUCKET,
            "AWS_S3_ENDPOINT_URL": self.gateway_url,
            "AWS_ACCESS_KEY_ID": S3_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "AWS_S3_REGION_NAME": S3_REGION,
        }


def presigned_url_problem(url: str, *, now: float) -> str | None:
    """Why S3 would refuse this presigned GET URL (bad signature, expired), or None when it is valid."""
    import calendar
    import hmac
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signature = query.pop("X-Amz-Signature", None)
    if not signature:
        return "AccessDenied"
    credential = query.get("X-Amz-Credential", "").split("/")
    if credential[0] != S3_KEY:
        return "InvalidAccessKeyId"
    request = AWSRequest(
        method="GET", url=urlunsplit(parts._replace(query=urlencode(query))), headers={"host": parts.netloc}
    )
    request.context["timestamp"] = query["X-Amz-Date"]
    auth = S3SigV4QueryAuth(Credentials(S3_KEY, S3_SECRET), "s3", credential[2], expires=int(query["X-Amz-Expires"]))
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    if not hmac.compare_digest(expected, signature):
        return "SignatureDoesNotMatch"
    signed_at = calendar.timegm(time.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
    if now > signed_at + int(query["X-Amz-Expires"]):
        return "AccessDenied: Request has expired"
    return None


@contextlib.contextmanager
def s3_emulator_server() -> Iterator[S3Emulator]:
    """moto and its gateway on localhost, with an empty bucket ``S3_BUCKET``."""
    import requests
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    state = S3Emulator(moto_url=f"http://127.0.0.1:{port}", gateway_url="")

    class Gateway(QuietHandler):
        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.command == "GET" and "X-Amz-Signature=" in self.path:
                problem = presigned_url_problem(state.gateway_url + self.path, now=time.time() + state.clock_offset)
                if problem:
                    data = f"<Error><Code>{problem}</Code></Error>".encode()
                    self.send_response(403)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = requests.request(
                self.command, state.moto_url + self.path, headers=headers, data=body, timeout=10, allow_redirects=False
            )
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.content)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward  # noqa: N815

    gateway = LocalServer(Gateway)
    state.gateway_url = gateway.base_url
    requests.post(f"{state.moto_url}/moto-api/reset", timeout=10)  # moto keeps its state per process
    state.client().create_bucket(Bucket=S3_BUCKET, CreateBucketConfiguration={"LocationConstraint": S3_REGION})
    try:
        yield state
    finally:
        gateway.close()
        moto.stop()

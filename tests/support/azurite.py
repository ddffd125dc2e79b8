"""Azure Blob Storage for tests: a real Azurite blob server (npm, installed by ``make test``) with a public-read
container."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.support.processes import ROOT, free_port, stop_process_group, wait_for_port

AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
AZURITE_CONTAINER = "content-test"


@contextlib.contextmanager
def azurite_blob_server(location: Path) -> Iterator[str]:
    """Azurite storing under ``location``, with the container ``AZURITE_CONTAINER``; yields its connection string."""
    from azure.storage.blob import BlobServiceClient

    binary = ROOT / ".tools" / "node_modules" / ".bin" / "azurite-blob"
    assert binary.exists(), "Azurite is missing: run `make test` (it installs azurite@3.35.0 into .tools/)"
    port = free_port()
    process = subprocess.Popen(
        [
            str(binary),
            "--skipApiVersionCheck",
            "--silent",
            "--location",
            str(location),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port)
        connection_string = (
            f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AZURITE_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
        )
        # django-storages never creates the container.
        BlobServiceClient.from_connection_string(connection_string).create_container(
            AZURITE_CONTAINER, public_access="blob"
        )
        yield connection_string
    finally:
        # Azurite waits for idle keep-alive connections before exiting; do not let that hold the session.
        stop_process_group(process, grace=5)

"""Reading an image's Content Credentials back: is there a manifest, is the file unaltered since it was
signed, did this install sign it, and what does it claim.

Readers run with c2pa's network features off: a manifest stored at a remote URL is reported, never fetched
(an uploaded file must not make this server request addresses it names), and no OCSP is asked. This
install's trust anchor is added to the trust list, so c2pa itself tells our signatures from anyone else's.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import c2pa

from common.provenance.identity import signing_identity
from common.provenance.signing import GENERATION_ASSERTION
from common.provenance.xmp import digital_source_type

logger = logging.getLogger(__name__)

READER_VERIFY_SETTINGS = {"remote_manifest_fetch": False, "ocsp_fetch": False}
# Validation codes that say nothing about the file's integrity, only whom c2pa trusts.
_TRUST_ONLY_CODES = {"signingCredential.untrusted"}


class CredentialState(StrEnum):
    ABSENT = "absent"  # no Content Credentials in the file
    VERIFIED = "verified"  # unaltered since signed, and signed by this install
    OTHER_SIGNER = "other_signer"  # unaltered since signed, by a signer this install does not vouch for
    ALTERED = "altered"  # the file or its manifest changed after signing
    REMOTE = "remote"  # the manifest is kept at a URL, which is not fetched
    UNREADABLE = "unreadable"  # a manifest is there but cannot be parsed


@dataclass(frozen=True)
class CredentialReport:
    state: CredentialState
    xmp_source_type: str | None = None
    source_type: str | None = None  # the c2pa.created action's digitalSourceType
    generation: dict[str, Any] = field(default_factory=dict)  # our GENERATION_ASSERTION, when present
    software_agent: str = ""
    created_at: str = ""
    title: str = ""
    signer: str = ""  # the signing certificate's organisation (c2pa's signature_info.issuer)
    failures: tuple[str, ...] = ()  # validation codes of what failed

    @property
    def unaltered(self) -> bool:
        return self.state in (CredentialState.VERIFIED, CredentialState.OTHER_SIGNER)


def read_credentials(data: bytes, *, mime: str) -> CredentialReport:
    """What ``data`` (an image of type ``mime``, already checked to be one) carries. Never raises for a
    file's content: broken, hostile or foreign manifests are states of the report."""
    xmp_type = digital_source_type(data)
    settings = {
        "verify": READER_VERIFY_SETTINGS,
        "trust": {"user_anchors": signing_identity().trust_anchor_pem.decode()},
    }
    try:
        with c2pa.Context.from_dict(settings) as context:
            reader = c2pa.Reader.try_create(mime, io.BytesIO(data), None, context)
            if reader is None:
                return CredentialReport(CredentialState.ABSENT, xmp_source_type=xmp_type)
            with reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        if "remote" in str(exc).lower():
            return CredentialReport(CredentialState.REMOTE, xmp_source_type=xmp_type)
        logger.info("content credentials unreadable: %s", type(exc).__name__)
        return CredentialReport(CredentialState.UNREADABLE, xmp_source_type=xmp_type)
    return _report(store, xmp_type)


def _report(store: dict[str, Any], xmp_type: str | None) -> CredentialReport:
    manifest = (store.get("manifests") or {}).get(store.get("active_manifest") or "") or {}
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = tuple(str(item.get("code")) for item in results.get("failure") or [] if isinstance(item, dict))
    trusted = any(
        isinstance(item, dict) and item.get("code") == "signingCredential.trusted"
        for item in results.get("success") or []
    )
    validation = str(store.get("validation_state") or "")
    if validation == "Invalid" or any(code not in _TRUST_ONLY_CODES for code in failures) or not manifest:
        state = CredentialState.ALTERED
    elif trusted and validation == "Trusted":
        state = CredentialState.VERIFIED
    else:
        state = CredentialState.OTHER_SIGNER
    created = _created_action(manifest)
    agent = created.get("softwareAgent")
    return CredentialReport(
        state=state,
        xmp_source_type=xmp_type,
        source_type=str(created.get("digitalSourceType") or "") or None,
        generation=_assertion(manifest, GENERATION_ASSERTION),
        software_agent=str(agent.get("name") or "") if isinstance(agent, dict) else str(agent or ""),
        created_at=str(created.get("when") or ""),
        title=str(manifest.get("title") or ""),
        signer=str((manifest.get("signature_info") or {}).get("issuer") or ""),
        failures=failures,
    )


def _assertion(manifest: dict[str, Any], label: str) -> dict[str, Any]:
    for assertion in manifest.get("assertions") or []:
        if isinstance(assertion, dict) and assertion.get("label") == label and isinstance(assertion.get("data"), dict):
            return assertion["data"]
    return {}


def _created_action(manifest: dict[str, Any]) -> dict[str, Any]:
    for label in ("c2pa.actions.v2", "c2pa.actions"):
        for action in _assertion(manifest, label).get("actions") or []:
            if isinstance(action, dict) and action.get("action") == "c2pa.created":
                return action
    return {}

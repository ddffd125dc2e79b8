import pytest

from tests.support.contract import CONTRACT_DIR, SHARED_SPEC_DIR


@pytest.mark.parametrize("name", ["tryon-service.openapi.json", "content-service.openapi.yaml", "NOTES.md"])
def test_contract_copy_matches_the_shared_spec(name):
    shared = SHARED_SPEC_DIR / name
    if not shared.exists():
        pytest.skip("../shared/spec is not next to this checkout")
    assert (CONTRACT_DIR / name).read_bytes() == shared.read_bytes(), f"refresh tests/contract/{name} from {shared}"

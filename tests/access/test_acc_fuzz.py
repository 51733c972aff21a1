"""The API fuzzed from its own OpenAPI document (schemathesis, in-process ASGI): no server error.

Runs against a warehouse built from the bundled data plus a published synthetic release with stored
suppression, as an administrator (so the restricted endpoints are exercised past their guard).
Bounded: a few examples per operation (OPPVEKST_FUZZ_EXAMPLES, default 8) so the suite stays fast.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

EXAMPLES = int(os.environ.get("OPPVEKST_FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="session")
def fuzz_warehouse(tmp_path_factory, small_table):
    """A built warehouse with a published controlled release (its suppression in `content`)."""
    home = tmp_path_factory.mktemp("fuzz")
    from oppvekst import config  # noqa: F401
    from oppvekst.build import build
    from oppvekst.warehouse import Warehouse

    old = os.environ.get("OPPVEKST_HOME")
    os.environ["OPPVEKST_HOME"] = str(home)
    try:
        with Warehouse(home / "warehouse.duckdb") as wh:
            build(wh, seed_evidence=False)
            rel = wh.load_release(small_table, source="test: synthetic", synthetic=True)
        return home / "warehouse.duckdb", rel.id
    finally:
        if old is None:
            os.environ.pop("OPPVEKST_HOME", None)
        else:
            os.environ["OPPVEKST_HOME"] = old


@pytest.fixture
def api_schema(fuzz_warehouse, monkeypatch):
    path, release = fuzz_warehouse
    monkeypatch.setenv("OPPVEKST_WAREHOUSE", str(path))
    for name in ("OPPVEKST_RATE_LIMIT", "OPPVEKST_RATE_LIMIT_USER", "OPPVEKST_RATE_LIMIT_LOGIN"):
        monkeypatch.setenv(name, "1000000")
    from oppvekst.access import users
    from oppvekst.content import db
    from oppvekst.disclosure import publication
    from oppvekst.evidence.seed import ensure_seeded
    from oppvekst.warehouse import Warehouse
    from oppvekst.web import deps
    from oppvekst.web.app import create_app

    db.dispose_all()
    deps._shared.cache_clear()
    with Warehouse(path, read_only=True) as wh:      # this test's content database: store and publish
        publication.apply(wh, release)
        publication.publish(wh, release)
    ensure_seeded()
    users.create_user("admin", "et-langt-passord-for-fuzz", "administrator")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    yield schema
    deps._shared.cache_clear()
    db.dispose_all()


def _runner(operation, headers: dict, statuses: list):
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        statuses.append((case.operation.path, response.status_code))
    return run


def test_api_has_no_server_errors(api_schema):
    from oppvekst.access import users

    failures, operations, statuses = [], 0, []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # the fuzzing may revoke the token or deactivate the administrator: start each operation afresh
        users.set_active("admin", True)
        users.set_role("admin", "administrator")
        headers = {"Authorization": f"Bearer {users.issue_token('admin', 'fuzz')}"}

        run = _runner(operation, headers, statuses)
        try:
            run()
        except Exception as exc:  # noqa: BLE001 (collect every failing operation, report them together)
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc).splitlines()[0][:300]}")
    assert operations > 40
    assert not failures, "\n".join(failures)
    assert len(statuses) > 3 * operations
    ok = {path for path, code in statuses if 200 <= code < 300}
    # the administrator's token carried the fuzzing past the guards of the restricted endpoints
    assert {"/api/v1/admin/users", "/api/v1/admin/audit/verify", "/api/v1/prepublication/observations"} <= ok
    research = {code for path, code in statuses if path == "/api/v1/research/aggregates"}
    assert research and not research & {401, 403}        # random indicator names: 404 or 422, never refused
    assert all(code != 401 for path, code in statuses if path == "/api/v1/admin/audit")

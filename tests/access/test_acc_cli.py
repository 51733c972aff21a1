"""`oppvekst users ...` and `oppvekst audit ...` from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from oppvekst.cli import _register, app

_register()
runner = CliRunner()


def test_users_from_the_command_line():
    res = runner.invoke(app, ["users", "add", "kari", "--role", "analyst", "--municipality", "1103",
                              "--password-stdin"], input="et-langt-passord-cli\n")
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["users", "add", "per", "--role", "analyst", "--password-stdin"],
                        input="et-langt-passord-cli\n")
    assert res.exit_code == 2 and "municipality" in res.output          # an analyst needs a municipality
    res = runner.invoke(app, ["users", "add", "ola", "--role", "researcher", "--password-stdin"], input="kort\n")
    assert res.exit_code == 2 and "12" in res.output
    assert runner.invoke(app, ["users", "role", "kari", "researcher"]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["users", "list", "--json"]).output)
    assert listed == [{**listed[0], "username": "kari", "role": "researcher", "municipality": None, "active": True}]
    token = runner.invoke(app, ["users", "token", "kari", "--name", "skript"]).output.strip()
    assert token.startswith("opv_")
    assert runner.invoke(app, ["users", "deactivate", "kari"]).exit_code == 0
    from oppvekst.access import users

    assert users.from_token(token) is None
    entries = json.loads(runner.invoke(app, ["audit", "list", "--json"]).output)
    assert [e["action"] for e in entries][:4] == ["user_deactivate", "token_issue", "role_change", "user_create"]
    assert entries[2]["detail"]["from"] == "analyst" and entries[2]["actor"].startswith("cli:")
    res = runner.invoke(app, ["audit", "verify", "--expect-head", "0" * 64])
    assert res.exit_code == 1
    head = json.loads(runner.invoke(app, ["audit", "verify", "--json"]).output)["head_hash"]
    assert runner.invoke(app, ["audit", "verify", "--expect-head", head]).exit_code == 0
